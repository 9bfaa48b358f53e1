package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/httpsem/httpsem/asyncjob"
)

// ClaimDelivery implements [asyncjob.Store]: one UPDATE claims the due
// delivery with the earliest due time, chosen through the partial index of
// pending deliveries with FOR UPDATE SKIP LOCKED, so Managers on any
// number of instances never hold one delivery at once. Waiting deliveries
// cost a row, not a goroutine or a connection.
func (s *Store) ClaimDelivery(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	j, err := s.scanJob(s.pool.QueryRow(ctx, s.q.claimDelivery, worker, now, now.Add(lease)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, asyncjob.ErrNoDelivery
	}
	if err != nil {
		return nil, s.fail(ctx, "claim delivery", err)
	}
	return j, nil
}

// RecordDelivery implements [asyncjob.Store]: one UPDATE, guarded by the
// delivery's lease owner, stores the outcome, clears the lease, increments
// the Version and notifies the change feed.
func (s *Store) RecordDelivery(ctx context.Context, id, worker string, d asyncjob.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	del, err := encodeDelivery(&d)
	if err != nil {
		return fmt.Errorf("pgstore: encode delivery: %w", err)
	}
	now := s.now()
	var (
		version int64
		ignored string
	)
	err = s.pool.QueryRow(ctx, s.q.recordDelivery, id, worker, del.state, del.due, del.data, now, s.channel).Scan(&version, &ignored)
	if err == nil {
		s.notifyVersion(id, uint64(version))
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return s.fail(ctx, "record delivery", err)
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, s.q.exists, id, now).Scan(&exists); err != nil {
		return s.fail(ctx, "record delivery", err)
	}
	if !exists {
		return asyncjob.ErrNotFound
	}
	return asyncjob.ErrLeaseLost
}
