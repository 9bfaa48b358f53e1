package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type txKey struct{}

// WithTx returns a context under which the Store's Create, CreateBatch,
// Get and Update run inside tx instead of on the pool. It is how a handler enqueues a job
// in its own transaction through an unchanged [asyncjob.Manager]:
//
//	tx, _ := pool.Begin(ctx)
//	defer tx.Rollback(ctx)
//	// ... the business write, on tx ...
//	job, err := manager.Submit(pgstore.WithTx(ctx, tx), spec)
//	// ...
//	err = tx.Commit(ctx)
//
// The job and the idempotency key it claims exist only if tx commits;
// workers on every instance are notified at the commit and not before. A
// rollback leaves nothing behind. While tx is open, a submission elsewhere
// with the same key waits for it, so the race still yields one job.
//
// A pgx.Tx is not safe for concurrent use: the context must not be shared
// by goroutines that use the transaction at once. Dequeue, Renew, Release
// and Watch always use the pool (a watcher runs on its own goroutine, and
// a job in an uncommitted transaction has nothing to watch yet).
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFrom returns the transaction ctx carries, or nil.
func TxFrom(ctx context.Context) pgx.Tx {
	tx, _ := ctx.Value(txKey{}).(pgx.Tx)
	return tx
}
