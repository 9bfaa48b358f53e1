package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// Dequeue implements [asyncjob.Store]. One script pops the oldest waiting
// job (or finds a processing job whose lease ended) and claims it, so no
// two workers on any instances ever hold one job. When there is nothing to
// do it waits for a wake-up published by Create or Release on any
// instance, for the end of the earliest lease, or at most
// Options.PollInterval, whichever comes first.
func (s *Store) Dequeue(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	idle := feed.Idle{Closed: s.ctx.Done(), ErrClosed: ErrClosed}
	defer idle.Stop()
	for {
		if err := idle.Check(ctx); err != nil {
			return nil, err
		}
		now := s.now()
		res, err := s.sc.dequeue.Run(ctx, s.rdb, []string{s.queue, s.running},
			worker, nanos(now), nanos(now.Add(lease)), s.jobPrefix, s.channel).Slice()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, s.fail(ctx, "dequeue", err)
		}
		wait := s.poll
		switch tag, _ := res[0].(string); tag {
		case "job":
			j, err := decode(pairs(res[2:]))
			if err != nil {
				return nil, err
			}
			if n, _ := res[1].(int64); n > 0 {
				// More is waiting: pass the wake-up on to another worker
				// rather than waking them all for every job.
				s.hub.SignalWork()
			}
			return j, nil
		case "none":
			if next, _ := res[1].(string); next != "" {
				if f, err := strconv.ParseFloat(next, 64); err == nil {
					wait = min(wait, max(time.Unix(0, int64(f)).Sub(now), time.Millisecond))
				}
			}
		default:
			return nil, fmt.Errorf("%w: dequeue: unexpected reply %v", ErrUnavailable, res)
		}
		if err := idle.Wait(ctx, s.hub.Work(), wait); err != nil {
			return nil, err
		}
	}
}
