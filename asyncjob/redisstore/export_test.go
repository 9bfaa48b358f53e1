package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
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
	return int64(len(s.wk.waiters))
}

// Idle reports whether n Dequeue calls of s wait with nothing to wake them:
// no look owed, no counted job, no look in flight, no reservation, and no
// wake-up token left in the hub, which would end a wait at once (the token
// of the subscription's confirmation, when it came before the Dequeue's
// first look took the look it owed). A Create made then finds a waiter
// free to reserve.
func Idle(s *Store, n int) bool {
	s.wk.mu.Lock()
	defer s.wk.mu.Unlock()
	w := s.wk
	return len(w.waiters) == n && w.owed == 0 && w.pending == 0 && w.inflight == 0 && w.reserved == 0 &&
		len(s.hub.Work()) == 0
}

// Reserved is how many waiting Dequeue calls of s a Create has reserved.
func Reserved(s *Store) int64 {
	s.wk.mu.Lock()
	defer s.wk.mu.Unlock()
	return s.wk.reserved
}

// CreateFor runs Create as it runs with a waiting Dequeue of worker free
// for the job (the counts that would speak for it cleared first), and
// returns what it claimed for that Dequeue (nil: nothing).
func CreateFor(ctx context.Context, s *Store, j *asyncjob.Job, worker string, lease time.Duration) (*asyncjob.Job, error) {
	s.wk.mu.Lock()
	s.wk.pending, s.wk.owed = 0, 0
	s.wk.mu.Unlock()
	wt := s.wk.wait(worker, lease)
	defer s.wk.woke(wt)
	_, err := s.Create(ctx, j, 0)
	select {
	case <-wt.ready:
	default:
		return nil, errors.New("the Create did not reserve the waiter")
	}
	return wt.job, err
}
