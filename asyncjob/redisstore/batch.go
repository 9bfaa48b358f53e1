package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// CreateBatch implements [asyncjob.BatchCreator] with one Lua script
// (scripts/create_batch.lua): one round trip for the whole batch, every
// check made before the first write, so the batch is stored whole or not
// at all, and one wake-up published after it. The script runs as one
// command, so a long batch holds Redis for its length: Manager's
// Options.MaxBatch bounds it.
func (s *Store) CreateBatch(ctx context.Context, jobs []*asyncjob.Job, maxQueued int) ([]*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := asyncjob.CheckBatch(jobs); err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return []*asyncjob.Job{}, nil
	}
	now := s.now()
	keys := make([]string, 0, 2+2*len(jobs))
	keys = append(keys, s.queue, s.seq)
	args := make([]any, 0, 6+9*len(jobs))
	args = append(args, nanos(now), max(maxQueued, 0), s.argPrefix, s.argChannel, len(jobs), s.token())
	for _, j := range jobs {
		imm, err := encodeImmutable(j)
		if err != nil {
			return nil, fmt.Errorf("redisstore: encode job: %w", err)
		}
		mut, payload, attempt, started, err := mutableValues(j)
		if err != nil {
			return nil, fmt.Errorf("redisstore: encode job: %w", err)
		}
		if j.Attempt == 0 && j.StartedAt.IsZero() {
			attempt, started = "", "" // a fresh job's: not written
		}
		exp, ttl := s.expiry(j, now)
		hasKey, idem := "0", s.queue
		if j.IdempotencyKey != "" {
			hasKey, idem = "1", s.idemKey(j.Owner, j.IdempotencyKey)
		}
		keys = append(keys, s.jobKey(j.ID), idem)
		args = append(args, j.ID, hasKey, exp, ttl, imm, mut, payload, attempt, started)
	}
	res, err := s.sc.createBatch.runKeys(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, s.fail(ctx, "create batch", err)
	}
	switch tag, _ := res[0].(string); tag {
	case "ok", "again":
		// again: a retry of the script by the client (after a lost reply)
		// found the batch its first run stored for this call.
		out := make([]*asyncjob.Job, len(jobs))
		for i, j := range jobs {
			c := *j
			c.Version, c.LeaseOwner, c.LeaseUntil = 1, "", time.Time{}
			j.Version = 1
			out[i] = &c
		}
		return out, nil
	case "dup":
		i, ok := batchIndex(res, len(jobs))
		if !ok {
			break
		}
		held, err := decode(pairs(res[2:]))
		if err != nil {
			return nil, err
		}
		return nil, &asyncjob.DuplicateError{Index: i, Job: held, Prior: -1}
	case "exists":
		i, ok := batchIndex(res, len(jobs))
		if !ok {
			break
		}
		return nil, fmt.Errorf("redisstore: job %s exists: %w", jobs[i].ID, asyncjob.ErrConflict)
	case "full":
		return nil, asyncjob.ErrQueueFull
	}
	return nil, fmt.Errorf("%w: create batch: unexpected reply %v", ErrUnavailable, res)
}

// batchIndex reads the script's position of a job (from 1) in res[1].
func batchIndex(res []any, n int) (int, bool) {
	if len(res) < 2 {
		return 0, false
	}
	i, ok := res[1].(int64)
	if !ok || i < 1 || i > int64(n) {
		return 0, false
	}
	return int(i - 1), true
}

var _ asyncjob.BatchCreator = (*Store)(nil)
