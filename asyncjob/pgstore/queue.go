package pgstore

import (
	"context"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// Dequeue implements [asyncjob.Store]. One UPDATE picks the oldest waiting
// job (or the processing job whose lease ended first) with FOR UPDATE SKIP
// LOCKED and claims it, so no two workers on any instances ever hold one
// job, and workers do not queue behind each other's row locks. The
// Dequeues of one store wait together with its claimer (group.go), which
// claims for all of them in one statement, and only when a look may find
// a job: after a Create or Release of this store, a notification from
// another instance or a caller's transaction (delivered at commit), or
// Options.PollInterval after the last look, which also bounds how long an
// ended lease waits to be taken over. The claim's commit waits for its WAL
// flush, as every write's does (see queryClaim in group.go for why).
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.ctx.Err() != nil {
		return nil, ErrClosed
	}
	j, err := s.claimGrouped(ctx, worker, lease)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	return j, nil // the claim has queued its notification
}
