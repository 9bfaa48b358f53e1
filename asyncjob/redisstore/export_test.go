package redisstore

import (
	"context"
	"time"
)

// DequeueReply runs the dequeue script once, as Dequeue does, at now with
// a lease until now+lease, and returns its raw reply.
func DequeueReply(ctx context.Context, s *Store, worker string, now time.Time, lease time.Duration) ([]any, error) {
	return s.dequeue(ctx, worker, now, nanos(now.Add(lease)))
}

// Waiting is how many Dequeue calls of s wait for a wake-up.
func Waiting(s *Store) int64 {
	s.wk.mu.Lock()
	defer s.wk.mu.Unlock()
	return s.wk.waiting
}
