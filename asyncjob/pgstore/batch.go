package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/httpsem/httpsem/asyncjob"
)

// CreateBatch implements [asyncjob.BatchCreator] with one INSERT of all the
// rows, which is one round trip and one fsync'd commit for the whole batch,
// and one wake-up of the workers after it. The statement inserts every row
// or none: a key or ID already taken fails it (nothing is inserted), and
// the queue bound admits all the rows or none. Only a refused batch costs
// more: the statements that tell the caller why.
//
// When ctx carries a transaction ([WithTx]) the batch is part of it, inside
// a savepoint, so that a refused batch leaves the caller's transaction
// usable; the jobs and their keys then exist only if it commits, and
// workers are notified at the commit.
//
// As with Create, the queue bound is counted without a lock: batches
// racing at the bound may overshoot it by the racers' jobs. Two batches
// that claim the same keys in different orders can deadlock in
// PostgreSQL, which aborts one of them after its deadlock_timeout;
// CreateBatch retries it, and it then finds the keys held. In a caller's
// transaction it does not retry (that transaction's own locks are part
// of the cycle) and returns an error wrapping [asyncjob.ErrConflict].
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
	a, err := newBatchArgs(jobs)
	if err != nil {
		return nil, err
	}
	db, inTx := s.db(ctx)
	maxQueued = max(maxQueued, 0)
	for range maxCreateTries {
		n, err := s.insertBatch(ctx, db, inTx, a, maxQueued)
		var pgErr *pgconn.PgError
		switch {
		case err == nil && n == len(jobs):
			if !inTx {
				s.wakes.announce(len(jobs))
				s.notify("w")
			}
			out := make([]*asyncjob.Job, len(jobs))
			for i, j := range jobs {
				c := *j
				c.Version, c.LeaseOwner, c.LeaseUntil = 1, "", time.Time{}
				j.Version = 1
				out[i] = &c
			}
			return out, nil
		case err == nil:
			// The queue bound refused every row (the statement inserts
			// all or none).
		case errors.As(err, &pgErr) && pgErr.Code == "23505":
			// unique_violation: a key or an ID is taken.
		case errors.As(err, &pgErr) && pgErr.Code == "40P01" && inTx:
			// The caller's transaction holds locks of its own, which
			// retrying the statement would not release.
			return nil, fmt.Errorf("pgstore: create batch: deadlock with another transaction, roll back and retry: %w", asyncjob.ErrConflict)
		case errors.As(err, &pgErr) && pgErr.Code == "40P01":
			// deadlock_detected: another batch claims some of the same
			// keys in another order; it has them now, or will.
			continue
		default:
			return nil, s.fail(ctx, "create batch", err)
		}
		retry, err := s.whyNotBatch(ctx, db, a, maxQueued)
		if !retry {
			return nil, err
		}
	}
	return nil, fmt.Errorf("pgstore: create batch: key holders kept changing: %w", asyncjob.ErrConflict)
}

// batchArgs are the columns of a batch's rows, one array per column, and
// the keys' owners and names for the look-up of their holders.
type batchArgs struct {
	ids, kinds, owners, fingerprints []string
	keys                             []*string
	payloads, data                   [][]byte
	created                          []time.Time
	attempts                         []int32
	started, expires                 []pgtype.Timestamptz
	keyOwners, keyNames              []string
	keyIndex                         []int // batch position of each key
}

func newBatchArgs(jobs []*asyncjob.Job) (*batchArgs, error) {
	n := len(jobs)
	a := &batchArgs{
		ids: make([]string, n), kinds: make([]string, n), owners: make([]string, n), fingerprints: make([]string, n),
		keys: make([]*string, n), payloads: make([][]byte, n), data: make([][]byte, n), created: make([]time.Time, n),
		attempts: make([]int32, n), started: make([]pgtype.Timestamptz, n), expires: make([]pgtype.Timestamptz, n),
	}
	for i, j := range jobs {
		d, err := encodeData(j)
		if err != nil {
			return nil, fmt.Errorf("pgstore: encode job: %w", err)
		}
		a.ids[i], a.kinds[i], a.owners[i], a.fingerprints[i] = j.ID, j.Kind, j.Owner, j.Fingerprint
		a.payloads[i], a.data[i], a.created[i] = payloadArg(j.Payload), d, j.CreatedAt
		a.attempts[i], a.started[i], a.expires[i] = int32(j.Attempt), ts(j.StartedAt), ts(j.ExpiresAt)
		if j.IdempotencyKey != "" {
			a.keys[i] = &j.IdempotencyKey
			a.keyOwners = append(a.keyOwners, j.Owner)
			a.keyNames = append(a.keyNames, j.IdempotencyKey)
			a.keyIndex = append(a.keyIndex, i)
		}
	}
	return a, nil
}

// insertBatch runs the batch's INSERT and returns the rows it inserted:
// all of them or none. In the caller's transaction it runs in a savepoint,
// rolled back when the statement fails, which would otherwise abort the
// caller's transaction.
func (s *Store) insertBatch(ctx context.Context, db querier, inTx bool, a *batchArgs, maxQueued int) (int, error) {
	args := []any{a.ids, a.kinds, a.owners, a.keys, a.fingerprints, a.payloads, a.created, a.attempts, a.started, a.expires, a.data,
		maxQueued, s.channel}
	var n int
	if !inTx {
		err := db.QueryRow(ctx, s.q.insertBatch, args...).Scan(&n)
		return n, err
	}
	sp, err := db.(pgx.Tx).Begin(ctx)
	if err != nil {
		return 0, err
	}
	if err := sp.QueryRow(ctx, s.q.insertBatchTx, args...).Scan(&n); err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return 0, errors.Join(err, rbErr)
		}
		return 0, err
	}
	return n, sp.Commit(ctx)
}

// whyNotBatch tells why a batch was not inserted: a live holder of one of
// its keys (reported first), an existing ID, or a full queue. Holders that
// expired are deleted, and it asks for a retry; so it does when it finds
// no reason (the holder went away meanwhile).
func (s *Store) whyNotBatch(ctx context.Context, db querier, a *batchArgs, maxQueued int) (retry bool, err error) {
	if len(a.keyNames) > 0 {
		now := s.now()
		rows, err := db.Query(ctx, s.q.holders, a.keyOwners, a.keyNames)
		if err != nil {
			return false, s.fail(ctx, "create batch", err)
		}
		var expired []string
		for rows.Next() {
			var ord int64
			held, err := s.scanJob(rows, &ord)
			if err != nil {
				rows.Close()
				return false, s.fail(ctx, "create batch", err)
			}
			if live(held, now) {
				rows.Close()
				return false, &asyncjob.DuplicateError{Index: a.keyIndex[ord-1], Job: held, Prior: -1}
			}
			expired = append(expired, held.ID)
		}
		if err := rows.Err(); err != nil {
			return false, s.fail(ctx, "create batch", err)
		}
		if len(expired) > 0 {
			if _, err := db.Exec(ctx, s.q.deleteExpiredAny, expired, now); err != nil {
				return false, s.fail(ctx, "create batch", err)
			}
			return true, nil
		}
	}
	var (
		existing pgtype.Text
		full     bool
	)
	if err := db.QueryRow(ctx, s.q.whyNotBatch, a.ids, maxQueued).Scan(&existing, &full); err != nil {
		return false, s.fail(ctx, "create batch", err)
	}
	switch {
	case existing.Valid:
		return false, fmt.Errorf("pgstore: job %s exists: %w", existing.String, asyncjob.ErrConflict)
	case full:
		return false, asyncjob.ErrQueueFull
	}
	return true, nil
}

var _ asyncjob.BatchCreator = (*Store)(nil)
