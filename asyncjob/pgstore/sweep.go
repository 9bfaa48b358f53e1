package pgstore

import (
	"context"
	"time"
)

// maxSweepBatches bounds one sweep; what is left waits for the next tick,
// so a backlog (after downtime) drains over several sweeps instead of one
// long burst of writes.
const maxSweepBatches = 100

// sweeper runs Sweep every Options.SweepInterval until Close.
func (s *Store) sweeper() {
	defer s.wg.Done()
	tick := time.NewTicker(s.sint)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.Sweep(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Warn("pgstore: sweep failed", "err", err)
		}
	}
}

// Sweep deletes jobs whose ExpiresAt has passed and returns how many. Each
// DELETE removes at most Options.SweepBatch rows (locked with SKIP LOCKED,
// in its own short transaction), and one Sweep runs at most 100 batches.
// Expired jobs are invisible from the moment they expire, and Create frees
// an expired job's idempotency key itself, so sweeping only reclaims
// space. The store sweeps by itself unless Options.SweepInterval is
// negative.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for range maxSweepBatches {
		tag, err := s.pool.Exec(ctx, s.q.sweep, s.now(), s.batch)
		if err != nil {
			return total, s.fail(ctx, "sweep", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(s.batch) {
			break
		}
	}
	return total, nil
}
