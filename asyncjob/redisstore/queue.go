package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// Dequeue implements [asyncjob.Store]. One script pops the oldest waiting
// job (or finds a processing job whose lease ended) and claims it, so no
// two workers on any instances ever hold one job. A Dequeue runs the
// script only when it may find a job (see wakes): otherwise it waits for a
// wake-up published by Create or Release on any instance, for the end of
// the earliest lease, or at most Options.PollInterval, whichever comes
// first, and then looks.
func (s *Store) Dequeue(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	idle := feed.Idle{Closed: s.ctx.Done(), ErrClosed: ErrClosed}
	defer idle.Stop()
	var deadline time.Time // of the wait in progress, on the monotonic clock
	for {
		if err := idle.Check(ctx); err != nil {
			return nil, err
		}
		ok, reserved, more := s.wk.take()
		if ok {
			if more {
				s.hub.SignalWork()
			}
		} else {
			t := time.Now()
			if deadline.IsZero() {
				deadline = t.Add(s.idleWait())
			}
			if t.Before(deadline) {
				j, err := s.wait(ctx, &idle, worker, lease, deadline.Sub(t))
				if j != nil || err != nil {
					return j, err
				}
				continue
			}
			s.wk.look()
		}
		deadline = time.Time{}
		now := s.now()
		until := nanos(now.Add(lease))
		res, err := s.dequeue(ctx, worker, now, until)
		if err != nil {
			s.wk.done(reserved, 0, 0, 0)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, s.fail(ctx, "dequeue", err)
		}
		// The two shapes of the reply differ in length (see
		// scripts/dequeue.lua).
		switch {
		case len(res) >= 11:
			queued, _ := res[0].(int64)
			last := int64(0)
			if queued > 0 {
				last = score(res[1])
			}
			if s.wk.done(reserved, score(res[2]), queued, last) {
				// More is waiting: pass the wake-up on to another worker
				// rather than waking them all for every job.
				s.hub.SignalWork()
			}
			if queued == 0 {
				s.leaseEnd.Store(score(res[1]))
			}
			return decodeClaim(res[3:], worker, until)
		case len(res) == 1:
			s.wk.done(reserved, 0, 0, 0)
			s.leaseEnd.Store(score(res[0]))
		default:
			s.wk.done(reserved, 0, 0, 0)
			return nil, fmt.Errorf("%w: dequeue: unexpected reply %v", ErrUnavailable, res)
		}
	}
}

// wait is one wait of an idle Dequeue of worker, for at most d: it returns
// the job a Create of this store claimed for it meanwhile (see wakes), an
// error that ends the Dequeue, or neither: look again.
func (s *Store) wait(ctx context.Context, idle *feed.Idle, worker string, lease, d time.Duration) (*asyncjob.Job, error) {
	wt := s.wk.wait(worker, lease)
	shared, err := idle.WaitOr(ctx, s.hub.Work(), wt.ready, d)
	if s.wk.woke(wt) {
		// A Create is claiming a job for this waiter: its answer is one
		// round trip away, and a job claimed for a worker that left would
		// wait for its lease to end.
		<-wt.ready
	}
	if wt.job == nil {
		return nil, err
	}
	if shared {
		// The shared wake-up came for a job some waiter should look for,
		// and this one has a job of its own: pass it on.
		s.hub.SignalWork()
	}
	if err != nil {
		s.release(wt.job.ID, worker)
		return nil, err
	}
	return wt.job, nil
}

// release gives up a job claimed for this store's worker that will not run
// it, so that any worker takes it over at once instead of after its lease:
// best effort, bounded, and the lease's end covers a failure. A job that
// is not that worker's (a Create that failed before its script claimed
// it) is left as it is.
func (s *Store) release(id, worker string) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	err := s.Release(ctx, id, worker)
	if err != nil && !errors.Is(err, asyncjob.ErrNotFound) && !errors.Is(err, asyncjob.ErrLeaseLost) {
		s.log.Warn("redisstore: release of an unclaimed job failed; it is taken over when its lease ends", "job", id, "worker", worker, "err", err)
	}
}

// releaseTimeout bounds [Store.release].
const releaseTimeout = 5 * time.Second

// dequeue runs scripts/dequeue.lua once and returns its reply.
func (s *Store) dequeue(ctx context.Context, worker string, now time.Time, until string) ([]any, error) {
	// dequeue.lua names the job hashes and the feed channel after the
	// running set (s.running is their base name .. "running"); now goes as
	// an int64, which go-redis writes as the same digits.
	cmd := append(s.sc.dequeue.cmd(6), "2", s.argQueue, s.argRunning, worker, now.UnixNano(), until)
	return s.sc.dequeue.run(ctx, s.rdb, cmd).Slice()
}

// score reads a sorted-set score of the dequeue script's reply (a lease
// end in Unix nanoseconds, or a submission number); 0 when there is none.
func score(v any) int64 {
	if s, _ := v.(string); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return int64(f)
		}
	}
	return 0
}

// idleWait is how long an idle Dequeue waits for a wake-up: until the
// earliest lease end the scripts last reported (a job to take over), at
// most Options.PollInterval.
func (s *Store) idleWait() time.Duration {
	end := s.leaseEnd.Load()
	if end == 0 {
		return s.poll
	}
	return min(s.poll, max(time.Unix(0, end).Sub(s.now()), time.Millisecond))
}

// wake handles a wake-up message of the feed: "w <n>" from Create, "w"
// from Release (or from an instance of an earlier version).
func (s *Store) wake(payload string) {
	if n, err := strconv.ParseInt(strings.TrimPrefix(payload, "w "), 10, 64); err == nil && len(payload) > 2 {
		if s.wk.announce(n) {
			s.hub.SignalWork()
		}
		return
	}
	s.wk.owe()
	s.hub.SignalWork()
}

// decodeClaim rebuilds the job the dequeue script claimed from its reply:
// v, att, sa, exp, i, m, p, di[, d, dlo, dlu]; the state is processing and
// the lease worker's until leaseEnd.
func decodeClaim(res []any, worker, leaseEnd string) (*asyncjob.Job, error) {
	str := func(i int) string {
		if i < len(res) {
			v, _ := res[i].(string)
			return v
		}
		return ""
	}
	version, _ := res[0].(int64)
	attempt, _ := res[1].(int64)
	return decodeRaw(&raw{
		imm: str(4), mut: str(5), payload: str(6), state: string(asyncjob.StateProcessing),
		version: strconv.FormatInt(version, 10), attempt: strconv.FormatInt(attempt, 10),
		started: str(2), leaseBy: worker, leaseTo: leaseEnd, expires: str(3),
		deliveryID: str(7), delivery: str(8), deliveryBy: str(9), deliveryTo: str(10),
	})
}
