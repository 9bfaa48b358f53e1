package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// placeOrder writes an order and enqueues the job that ships it in one
// transaction: the job exists if and only if the order does. A retry with
// the same key inside a new transaction finds the job of the first.
func placeOrder(ctx context.Context, pool *pgxpool.Pool, m *asyncjob.Manager, orderID int, key string) (*asyncjob.Job, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) // after Commit, a no-op

	if _, err := tx.Exec(ctx, `INSERT INTO orders (id) VALUES ($1) ON CONFLICT DO NOTHING`, orderID); err != nil {
		return nil, err
	}
	payload, _ := json.Marshal(map[string]int{"order": orderID})
	job, err := m.Submit(pgstore.WithTx(ctx, tx), asyncjob.Spec{Kind: "ship", Payload: payload, IdempotencyKey: key})
	if err != nil {
		return job, err // ErrDuplicate included: the caller decides
	}
	return job, tx.Commit(ctx)
}

// The job is created inside the caller's transaction: committed with the
// order, or rolled back with it. (Runs against DATABASE_URL; TestExample
// runs the same code in go test.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(pool, pgstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY)`); err != nil {
		log.Fatal(err)
	}
	ship := func(payload []byte) (asyncjob.Func, error) {
		return func(ctx context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
			return asyncjob.Result{Value: payload}, nil
		}, nil
	}
	m, err := asyncjob.New(asyncjob.Options{Store: store, Kinds: map[string]asyncjob.Kind{"ship": ship}})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Shutdown(ctx)

	job, err := placeOrder(ctx, pool, m, 42, "order-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued", job.ID)
}
