package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// Dequeue implements [asyncjob.Store]. One UPDATE picks the oldest waiting
// job (or the processing job whose lease ended first) with FOR UPDATE SKIP
// LOCKED and claims it (one UPDATE for all the Dequeues that arrive while
// one is in flight: see group.go), so no two workers on any instances ever hold one
// job, and workers do not queue behind each other's row locks. When there
// is nothing to do it waits for a notification (Create or Release on any
// instance, delivered at commit) or at most Options.PollInterval, which
// also bounds how long an ended lease waits to be taken over.
//
// The plan on an indexed table (EXPLAIN, PostgreSQL 15; TestDequeuePlan
// checks that both sub-selects use their partial index):
//
//	Update on jobs
//	  InitPlan 1 (returns $1)
//	    ->  Limit
//	          ->  LockRows
//	                ->  Index Scan using jobs_queue on jobs jobs_1
//	  InitPlan 2 (returns $3)
//	    ->  Limit
//	          ->  LockRows
//	                ->  Index Scan using jobs_lease on jobs jobs_2
//	                      Index Cond: (lease_until <= $2)
//	  ->  Index Scan using jobs_pkey on jobs
//	        Index Cond: (id = COALESCE($1, $3))
func (s *Store) Dequeue(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	idle := feed.Idle{Closed: s.ctx.Done(), ErrClosed: ErrClosed}
	defer idle.Stop()
	for {
		if err := idle.Check(ctx); err != nil {
			return nil, err
		}
		now := s.now()
		j, err := s.claimGrouped(ctx, worker, now, now.Add(lease))
		if err == nil {
			// More may be waiting: pass the wake-up on to one other worker
			// rather than waking them all for every job.
			s.hub.SignalWork()
			s.notifyVersion(j.ID, j.Version)
			return j, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, s.fail(ctx, "dequeue", err)
		}
		if err := idle.Wait(ctx, s.hub.Work(), s.poll); err != nil {
			return nil, err
		}
	}
}
