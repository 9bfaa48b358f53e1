package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// sqlLog is a pgx tracer that records the statements a pool sends.
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.sql = append(l.sql, d.SQL)
	l.mu.Unlock()
	return ctx
}
func (l *sqlLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// on returns the statements recorded since the last call that name table.
func (l *sqlLog) on(table string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.sql {
		if strings.Contains(s, table) {
			out = append(out, s)
		}
	}
	l.sql = nil
	return out
}

func newBatch(keys ...string) []*asyncjob.Job {
	jobs := make([]*asyncjob.Job, len(keys))
	for i, k := range keys {
		jobs[i] = newJob(k)
	}
	return jobs
}

// TestCreateBatchOneStatement: a batch that is accepted costs one
// statement, so one round trip and one commit, whatever its length.
func TestCreateBatchOneStatement(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(newDatabase(t))
	require.NoError(t, err)
	log := &sqlLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1})
	ctx := ctxT(t)
	for _, n := range []int{1, 100, 1000} {
		keys := make([]string, n)
		for i := range keys {
			if i%2 == 0 {
				keys[i] = asyncjob.NewID()
			}
		}
		log.on(s.Table())
		jobs, err := s.CreateBatch(ctx, newBatch(keys...), 0)
		require.NoError(t, err)
		require.Len(t, jobs, n)
		assert.Len(t, log.on(s.Table()), 1, "one statement for %d jobs", n)
	}
	var rows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+s.Table()).Scan(&rows))
	assert.Equal(t, 1101, rows)
}

// TestCreateBatchTransactional: under WithTx a batch is part of the
// caller's transaction, and a refused batch leaves that transaction
// usable.
func TestCreateBatchTransactional(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	pool := newPool(t, u)
	schema := schemaName()
	s := newStore(t, pool, pgstore.Options{Schema: schema, PollInterval: time.Hour}) // only notifications wake
	other := newStore(t, newPool(t, u), pgstore.Options{Schema: schema, PollInterval: time.Hour})
	ctx := ctxT(t)

	t.Run("rollback leaves nothing", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		jobs, err := s.CreateBatch(pgstore.WithTx(ctx, tx), newBatch("rb1", "", "rb2"), 0)
		require.NoError(t, err)
		_, err = s.Get(pgstore.WithTx(ctx, tx), jobs[1].ID)
		require.NoError(t, err, "visible inside the transaction")
		_, err = other.Get(ctx, jobs[1].ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound, "invisible outside it")
		require.NoError(t, tx.Rollback(ctx))
		for _, j := range jobs {
			_, err = s.Get(ctx, j.ID)
			assert.ErrorIs(t, err, asyncjob.ErrNotFound)
		}
		_, err = s.Create(ctx, newJob("rb2"), 0)
		assert.NoError(t, err, "the keys were never claimed")
	})

	t.Run("a refused batch keeps the transaction; commit wakes workers", func(t *testing.T) {
		held := newJob("held")
		_, err := s.Create(ctx, held, 0)
		require.NoError(t, err)
		for dequeueNow(t, other).ID != held.ID { // and every job before it
		}

		got := make(chan *asyncjob.Job, 1)
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			j, _ := other.Dequeue(wctx, "w", time.Minute)
			got <- j
		}()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		txCtx := pgstore.WithTx(ctx, tx)
		_, err = tx.Exec(ctx, `CREATE TABLE orders (id int PRIMARY KEY)`)
		require.NoError(t, err)
		refused := newBatch("c1", "held")
		_, err = s.CreateBatch(txCtx, refused, 0)
		var dup *asyncjob.DuplicateError
		require.ErrorAs(t, err, &dup)
		assert.Equal(t, 1, dup.Index)
		assert.Equal(t, held.ID, dup.Job.ID)
		_, err = s.CreateBatch(txCtx, newBatch("", "", ""), 2)
		require.ErrorIs(t, err, asyncjob.ErrQueueFull)
		jobs, err := s.CreateBatch(txCtx, newBatch("c1", "c2"), 0)
		require.NoError(t, err, "the transaction is still usable")
		_, err = tx.Exec(ctx, `INSERT INTO orders VALUES (1)`)
		require.NoError(t, err)
		select {
		case <-got:
			require.Fail(t, "a worker saw a job before the commit")
		default:
		}
		require.NoError(t, tx.Commit(ctx))
		select {
		case d := <-got:
			require.NotNil(t, d, "the commit's notification wakes the worker")
			assert.Equal(t, jobs[0].ID, d.ID)
		case <-time.After(10 * time.Second):
			require.Fail(t, "no worker woke at the commit")
		}
		_, err = s.Get(ctx, refused[0].ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound, "the refused batch left nothing")
		var orders int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&orders))
		assert.Equal(t, 1, orders)
	})
}

func dequeueNow(t *testing.T, s *pgstore.Store) *asyncjob.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctxT(t), 10*time.Second)
	defer cancel()
	j, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	return j
}

// TestCreateBatchDeadlock: two batches claim keys in opposite orders and
// deadlock in PostgreSQL, which aborts one; it is retried and refused as a
// duplicate, and the other is stored whole.
func TestCreateBatchDeadlock(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	pool := newPool(t, u)
	s := newStore(t, pool, pgstore.Options{})
	ctx := ctxT(t)
	waiting := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool {
			var w int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&w)
			return err == nil && w == n
		}, 10*time.Second, 5*time.Millisecond)
	}
	// A transaction holds key "gate" so that batch a stops after claiming
	// k1; batch b claims k2 and waits for a's k1. Ending the transaction
	// lets a go on to k2: a cycle.
	gate, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = gate.Rollback(ctx) }()
	_, err = s.Create(pgstore.WithTx(ctx, gate), newJob("gate"), 0)
	require.NoError(t, err)
	a, b := newBatch("k1", "gate", "k2"), newBatch("k2", "k1")
	errs := make(chan error, 2)
	go func() { _, err := s.CreateBatch(ctx, a, 0); errs <- err }()
	waiting(1)
	go func() { _, err := s.CreateBatch(ctx, b, 0); errs <- err }()
	waiting(2)
	require.NoError(t, gate.Rollback(ctx))
	var ok, dups int
	for range 2 {
		err := <-errs
		var dup *asyncjob.DuplicateError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &dup):
			dups++
		default:
			t.Errorf("batch: %v", err)
		}
	}
	assert.Equal(t, 1, ok, "one batch is stored")
	assert.Equal(t, 1, dups, "the other finds the keys held")
	var rows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+s.Table()).Scan(&rows))
	assert.Contains(t, []int{2, 3}, rows, "one batch whole, nothing of the other")
}
