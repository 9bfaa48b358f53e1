package pgstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

func newJob(key string) *asyncjob.Job {
	return &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", Owner: "alice", State: asyncjob.StateAccepted,
		CreatedAt: time.Now(), IdempotencyKey: key, Fingerprint: "fp"}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// New applies the project-wide Options rule: zero is the default,
// negative is rejected with an error naming the field (or, for
// SweepInterval, turns the sweeper off).
func TestNewOptions(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "host=/nonexistent dbname=x")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	for _, tc := range []struct {
		name  string
		opts  pgstore.Options
		field string // "" = accepted
	}{
		{"zero", pgstore.Options{}, ""},
		{"sweep off", pgstore.Options{SweepInterval: -1}, ""},
		{"negative poll", pgstore.Options{PollInterval: -1}, "PollInterval"},
		{"negative watch", pgstore.Options{WatchInterval: -1}, "WatchInterval"},
		{"negative batch", pgstore.Options{SweepBatch: -1}, "SweepBatch"},
		{"negative health", pgstore.Options{HealthInterval: -1}, "HealthInterval"},
		{"negative reconnect", pgstore.Options{MaxReconnectWait: -1}, "MaxReconnectWait"},
		{"long schema", pgstore.Options{Schema: strings.Repeat("s", 59)}, "Schema"},
		{"NUL in schema", pgstore.Options{Schema: "a\x00b"}, "Schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := pgstore.New(pool, tc.opts)
			if tc.field == "" {
				require.NoError(t, err)
				assert.NoError(t, s.Close())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "pgstore: Options."+tc.field+":")
		})
	}
	_, err = pgstore.New(nil, pgstore.Options{})
	assert.Error(t, err)
}

// Migrate is idempotent and safe to run from several instances at once;
// Schema is the embedded file for the default schema and quotes others.
func TestMigrate(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	const odd = `Odd "Schema"`
	s, err := pgstore.New(pool, pgstore.Options{Schema: odd})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = s.Migrate(ctxT(t)) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, s.Migrate(ctxT(t)), "again")
	assert.Equal(t, `"Odd ""Schema"""`+".\"jobs\"", s.Table())
	_, err = s.Create(ctxT(t), newJob(""), 0)
	require.NoError(t, err)

	file, err := os.ReadFile("schema.sql")
	require.NoError(t, err)
	assert.Equal(t, string(file), pgstore.Schema(""))
	assert.Contains(t, pgstore.Schema(odd), `CREATE SCHEMA IF NOT EXISTS "Odd ""Schema"""`)
	assert.NotContains(t, pgstore.Schema(odd), `"asyncjob"`)
}

// The dequeue query's two candidates come from their partial indexes, not
// a scan of the table (the plan is shown in Store.Dequeue's comment).
func TestDequeuePlan(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	s := newStore(t, pool, pgstore.Options{})
	ctx := ctxT(t)
	_, err := pool.Exec(ctx, `INSERT INTO asyncjob.jobs (id, kind, created_at, state, version, data)
SELECT 'j' || g, 'k', now(), CASE WHEN g % 10 = 0 THEN 'accepted' WHEN g % 10 = 1 THEN 'processing' ELSE 'completed' END, 1, '{}'
FROM generate_series(1, 5000) g`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `ANALYZE asyncjob.jobs`)
	require.NoError(t, err)
	var plan strings.Builder
	rows, err := pool.Query(ctx, `EXPLAIN UPDATE asyncjob.jobs SET state = 'processing', attempt = attempt + 1, started_at = coalesce(started_at, now()),
    lease_owner = 'w', lease_until = now(), version = version + 1
WHERE id = coalesce(
    (SELECT id FROM asyncjob.jobs WHERE state = 'accepted' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED),
    (SELECT id FROM asyncjob.jobs WHERE state = 'processing' AND lease_until <= now() ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED))`)
	require.NoError(t, err)
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan.WriteString(line + "\n")
	}
	require.NoError(t, rows.Err())
	t.Log("\n" + plan.String())
	assert.Contains(t, plan.String(), "Index Scan using jobs_queue")
	assert.Contains(t, plan.String(), "Index Scan using jobs_lease")
	assert.Contains(t, plan.String(), "jobs_pkey")
	assert.NotContains(t, plan.String(), "Seq Scan")
	// And the store's own statement claims the oldest waiting job.
	j, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "j10", j.ID)
}

// Workers on two instances (two pools, two listeners) race for jobs: each
// job is claimed exactly once.
func TestDequeueAcrossInstances(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	stores := []*pgstore.Store{newStore(t, newPool(t, u), pgstore.Options{}), newStore(t, newPool(t, u), pgstore.Options{})}
	const jobs, workers = 300, 6
	// The workers stop when the last job is claimed, which may be before
	// its Create has read its reply: the Creates keep a context of their
	// own, or the last one could fail with the workers' cancellation.
	createCtx := ctxT(t)
	ctx, cancel := context.WithCancel(createCtx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
	)
	for w := range workers {
		wg.Go(func() {
			for {
				j, err := stores[w%2].Dequeue(ctx, fmt.Sprintf("w%d", w), time.Minute)
				if err != nil {
					return
				}
				mu.Lock()
				seen[j.ID]++
				if len(seen) == jobs {
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	for i := range jobs {
		_, err := stores[i%2].Create(createCtx, newJob(""), 0)
		require.NoError(t, err)
	}
	wg.Wait()
	assert.Len(t, seen, jobs)
	for id, n := range seen {
		assert.Equal(t, 1, n, "job %s claimed by one worker", id)
	}
}

// WithTx and CreateTx: a job created in a transaction exists only once it
// commits, wakes workers on another instance at the commit, and a rollback
// leaves nothing (neither the job nor its idempotency claim).
func TestTransactionalSubmission(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	pool := newPool(t, u)
	s := newStore(t, pool, pgstore.Options{PollInterval: time.Hour}) // only notifications wake
	other := newStore(t, newPool(t, u), pgstore.Options{PollInterval: time.Hour})
	ctx := ctxT(t)

	t.Run("rollback leaves no job", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		j, err := s.Create(pgstore.WithTx(ctx, tx), newJob("rb"), 0)
		require.NoError(t, err)
		got, err := s.Get(pgstore.WithTx(ctx, tx), j.ID)
		require.NoError(t, err, "visible inside the transaction")
		assert.Equal(t, j.ID, got.ID)
		_, err = other.Get(ctx, j.ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound, "invisible outside it")
		require.NoError(t, tx.Rollback(ctx))
		_, err = s.Get(ctx, j.ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound)
		// The key was never claimed.
		again, err := s.Create(ctx, newJob("rb"), 0)
		require.NoError(t, err)
		assert.NotEqual(t, j.ID, again.ID)
	})

	t.Run("commit leaves exactly one and wakes workers", func(t *testing.T) {
		schema := schemaName()
		s := newStore(t, pool, pgstore.Options{Schema: schema, PollInterval: time.Hour})
		other := newStore(t, newPool(t, u), pgstore.Options{Schema: schema, PollInterval: time.Hour})
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
		_, err = tx.Exec(ctx, `CREATE TABLE orders (id int PRIMARY KEY)`)
		require.NoError(t, err)
		j, err := s.CreateTx(ctx, tx, newJob("c1"), 0)
		require.NoError(t, err)
		// A racing submission with the key waits for the transaction, then
		// finds the committed job.
		dup := make(chan *asyncjob.Job, 1)
		go func() {
			d, err := other.Create(ctx, newJob("c1"), 0)
			if !errors.Is(err, asyncjob.ErrDuplicate) {
				d = nil
			}
			dup <- d
		}()
		// The racer is blocked on the transaction's claim of the key (a
		// lock wait the server reports), and no worker has the job.
		require.Eventually(t, func() bool {
			var waiting int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
			return err == nil && waiting == 1
		}, 10*time.Second, 5*time.Millisecond, "the racing submission waits for the transaction")
		select {
		case <-got:
			require.Fail(t, "a worker saw the job before the commit")
		case <-dup:
			require.Fail(t, "the racing submission did not wait for the transaction")
		default:
		}
		require.NoError(t, tx.Commit(ctx))
		select {
		case d := <-got:
			require.NotNil(t, d, "the commit's notification wakes the worker")
			assert.Equal(t, j.ID, d.ID)
		case <-time.After(10 * time.Second):
			require.Fail(t, "no worker woke at the commit")
		}
		d := <-dup
		require.NotNil(t, d, "the racer gets ErrDuplicate")
		assert.Equal(t, j.ID, d.ID)
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+s.Table()+` WHERE idem_key = 'c1'`).Scan(&n))
		assert.Equal(t, 1, n)
	})

	t.Run("through the Manager", func(t *testing.T) {
		m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: -1, Kinds: map[string]asyncjob.Kind{"k": noopKind}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
		for _, commit := range []bool{false, true} {
			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			j, err := m.Submit(pgstore.WithTx(ctx, tx), asyncjob.Spec{Kind: "k", IdempotencyKey: "m", Owner: "o"})
			require.NoError(t, err)
			if commit {
				require.NoError(t, tx.Commit(ctx))
				_, err = m.Get(ctx, j.ID, "o")
				assert.NoError(t, err, "committed")
			} else {
				require.NoError(t, tx.Rollback(ctx))
				_, err = m.Get(ctx, j.ID, "o")
				assert.ErrorIs(t, err, asyncjob.ErrNotFound, "rolled back")
			}
		}
	})

	_, err := s.CreateTx(ctx, nil, newJob(""), 0)
	assert.Error(t, err)
	assert.Nil(t, pgstore.TxFrom(ctx))
}

func noopKind([]byte) (asyncjob.Func, error) {
	return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) { return asyncjob.Result{}, nil }, nil
}

// The listening connection is killed by the server: the store reconnects
// with backoff, and notifications wake workers and watchers again. Polling
// is slowed to an hour so that only notifications can pass the test.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	pool := newPool(t, u)
	s := newStore(t, pool, pgstore.Options{PollInterval: time.Hour, WatchInterval: time.Hour, MaxReconnectWait: 100 * time.Millisecond})
	writer := newStore(t, newPool(t, u), pgstore.Options{})
	ctx := ctxT(t)
	// The listeners are the sessions of this database waiting after a
	// LISTEN; one per store.
	listeners := func() []int32 {
		var pids []int32
		rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid() ORDER BY pid`)
		if err != nil {
			return nil
		}
		for rows.Next() {
			var pid int32
			if rows.Scan(&pid) == nil {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	var old []int32
	require.Eventually(t, func() bool { old = listeners(); return len(old) == 2 }, 10*time.Second, 10*time.Millisecond)
	_, err := pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid`, old)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		now := listeners()
		return len(now) == 2 && !slices.Contains(now, old[0]) && !slices.Contains(now, old[1])
	}, 10*time.Second, 10*time.Millisecond, "both listeners reconnect")

	got := make(chan *asyncjob.Job, 1)
	go func() {
		j, _ := s.Dequeue(ctx, "w", time.Minute)
		got <- j
	}()
	j, err := writer.Create(ctx, newJob(""), 0)
	require.NoError(t, err)
	select {
	case d := <-got:
		require.NotNil(t, d)
		assert.Equal(t, j.ID, d.ID)
	case <-time.After(10 * time.Second):
		require.Fail(t, "the reconnected listener did not wake the worker")
	}
	feed, err := s.Watch(ctx, j.ID, 2)
	require.NoError(t, err)
	claimed, err := writer.Get(ctx, j.ID)
	require.NoError(t, err)
	claimed.Progress = 40
	require.NoError(t, writer.Update(ctx, claimed))
	select {
	case rec := <-feed:
		require.NotNil(t, rec)
		assert.Equal(t, 40, rec.Progress)
	case <-time.After(10 * time.Second):
		require.Fail(t, "the reconnected listener did not feed the watcher")
	}
}

// An unreachable database is a system error (ErrUnavailable, which the
// HTTP layer answers with 503), and the caller's context bounds every call.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/x?connect_timeout=1")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := pgstore.New(pool, pgstore.Options{MaxReconnectWait: 50 * time.Millisecond})
	require.NoError(t, err, "New does not contact the database")
	t.Cleanup(func() { _ = s.Close() })
	ctx := ctxT(t)
	_, err = s.Create(ctx, newJob(""), 0)
	assert.ErrorIs(t, err, pgstore.ErrUnavailable)
	_, err = s.Get(ctx, asyncjob.NewID())
	assert.ErrorIs(t, err, pgstore.ErrUnavailable)
	assert.ErrorIs(t, s.Update(ctx, &asyncjob.Job{ID: "x", State: asyncjob.StateAccepted, Version: 1}), pgstore.ErrUnavailable)
	_, err = s.Dequeue(ctx, "w", time.Minute)
	assert.ErrorIs(t, err, pgstore.ErrUnavailable)
	assert.ErrorIs(t, s.Migrate(ctx), pgstore.ErrUnavailable)

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	<-short.Done()
	_, err = s.Get(short, asyncjob.NewID())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, pgstore.ErrUnavailable, "the caller's deadline is not an outage")
}

// Sweeps delete expired rows in bounded batches; an expired key is free at
// once, before any sweep.
func TestSweep(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1, SweepBatch: 100})
	ctx := ctxT(t)
	_, err := pool.Exec(ctx, `INSERT INTO asyncjob.jobs (id, kind, created_at, state, version, expires_at, data)
SELECT 'x' || g, 'k', now(), 'completed', 2, now() - interval '1 minute', '{}' FROM generate_series(1, 250) g`)
	require.NoError(t, err)
	j := newJob("exp")
	j.ExpiresAt = time.Now().Add(-time.Second)
	_, err = s.Create(ctx, j, 0)
	require.NoError(t, err)
	again, err := s.Create(ctx, newJob("exp"), 0)
	require.NoError(t, err, "the expired job's key is free")
	_, err = s.Get(ctx, j.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)

	n, err := s.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(250), n, "three batches of at most 100")
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM asyncjob.jobs`).Scan(&left))
	assert.Equal(t, 1, left, "only the live job is left")
	_, err = s.Get(ctx, again.ID)
	assert.NoError(t, err)
}

// The background sweeper runs on its own when enabled.
func TestSweeper(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	s := newStore(t, pool, pgstore.Options{SweepInterval: 20 * time.Millisecond})
	ctx := ctxT(t)
	j := newJob("")
	_, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	j.State, j.ExpiresAt = asyncjob.StateCanceled, time.Now().Add(50*time.Millisecond)
	require.NoError(t, s.Update(ctx, j))
	require.Eventually(t, func() bool {
		var n int
		return pool.QueryRow(ctx, `SELECT count(*) FROM asyncjob.jobs`).Scan(&n) == nil && n == 0
	}, 10*time.Second, 10*time.Millisecond)
}

// TestExample runs the transactional submission of Example: a failing
// business write leaves no job, a committed one exactly one, and a retry
// with the key finds it.
func TestExample(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	s := newStore(t, pool, pgstore.Options{})
	ctx := ctxT(t)
	_, err := pool.Exec(ctx, `CREATE TABLE orders (id int PRIMARY KEY CHECK (id > 0))`)
	require.NoError(t, err)
	ran := make(chan string, 4)
	ship := func(payload []byte) (asyncjob.Func, error) {
		return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
			ran <- string(payload)
			return asyncjob.Result{}, nil
		}, nil
	}
	m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: 1, Kinds: map[string]asyncjob.Kind{"ship": ship}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })

	_, err = placeOrder(ctx, pool, m, -1, "bad") // the CHECK fails: rollback
	require.Error(t, err)
	job, err := placeOrder(ctx, pool, m, 42, "order-42")
	require.NoError(t, err)
	dup, err := placeOrder(ctx, pool, m, 42, "order-42")
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	assert.Equal(t, job.ID, dup.ID)
	select {
	case p := <-ran:
		assert.JSONEq(t, `{"order":42}`, p)
	case <-time.After(10 * time.Second):
		require.Fail(t, "the committed job did not run")
	}
	var jobs int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM asyncjob.jobs`).Scan(&jobs))
	assert.Equal(t, 1, jobs, "no job for the rolled-back order, one for the committed")
}

// A change that sends no notification (here: written with plain SQL, as a
// notification lost while the listener reconnects would be) delays a
// worker by at most PollInterval and a watcher by at most WatchInterval;
// it is never lost.
func TestPollingFallback(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	s := newStore(t, pool, pgstore.Options{PollInterval: 100 * time.Millisecond, WatchInterval: 100 * time.Millisecond})
	ctx := ctxT(t)
	got := make(chan *asyncjob.Job, 1)
	go func() {
		j, _ := s.Dequeue(ctx, "w", time.Minute)
		got <- j
	}()
	_, err := pool.Exec(ctx, `INSERT INTO asyncjob.jobs (id, kind, created_at, state, version, data) VALUES ('silent', 'k', now(), 'accepted', 1, '{}')`)
	require.NoError(t, err)
	select {
	case j := <-got:
		require.NotNil(t, j)
		assert.Equal(t, "silent", j.ID)
	case <-time.After(10 * time.Second):
		require.Fail(t, "polling did not find the job")
	}
	feed, err := s.Watch(ctx, "silent", 2)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE asyncjob.jobs SET version = 3, state = 'completed', data = '{"progress":100}' WHERE id = 'silent'`)
	require.NoError(t, err)
	select {
	case rec := <-feed:
		require.NotNil(t, rec)
		assert.Equal(t, uint64(3), rec.Version)
		assert.Equal(t, asyncjob.StateCompleted, rec.State)
		assert.Equal(t, 100, rec.Progress)
	case <-time.After(10 * time.Second):
		require.Fail(t, "the watcher did not re-read the job")
	}
}

// Every field survives the table: the columns, the JSON of the rest (a
// result value keeps its exact bytes: json, not jsonb), any payload bytes,
// and the delivery record.
func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStore(t, newPool(t, newDatabase(t)), pgstore.Options{})
	ctx := ctxT(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC) // microseconds: timestamptz's precision
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", Owner: "alice", State: asyncjob.StateAccepted, CreatedAt: at,
		Payload: []byte("not json \x00 \xff bytes"), IdempotencyKey: "k1", Fingerprint: "fp",
		EstimatedAt: at.Add(time.Minute), Timeout: time.Second, CallbackURL: "https://example.com/hook"}
	created, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.True(t, created.CreatedAt.Equal(got.CreatedAt))
	assert.True(t, created.EstimatedAt.Equal(got.EstimatedAt))
	got.CreatedAt, got.EstimatedAt, created.CreatedAt, created.EstimatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, created, got)

	claimed, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	claimed.State, claimed.Progress, claimed.FinishedAt = asyncjob.StateCompleted, 100, at.Add(time.Hour)
	claimed.Result = &asyncjob.Result{URL: "/r", Value: json.RawMessage(`{"b":1,"a":[1.0,2e3],"s":"\u0000"}`)}
	claimed.Error = &asyncjob.Error{Code: "X", Message: "m", Retryable: true}
	claimed.Delivery = &asyncjob.Delivery{ID: j.ID, State: asyncjob.DeliveryPending, Attempts: 0, NextAttemptAt: at}
	require.NoError(t, s.Update(ctx, claimed))
	final, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, `{"b":1,"a":[1.0,2e3],"s":"\u0000"}`, string(final.Result.Value), "exact bytes")
	assert.Equal(t, "/r", final.Result.URL)
	assert.Equal(t, claimed.Error, final.Error)
	assert.Equal(t, 100, final.Progress)
	assert.True(t, claimed.FinishedAt.Equal(final.FinishedAt))
	assert.Equal(t, "https://example.com/hook", final.CallbackURL)
	assert.Equal(t, time.Second, final.Timeout)
	assert.Equal(t, []byte("not json \x00 \xff bytes"), final.Payload)
	require.NotNil(t, final.Delivery)
	assert.Equal(t, j.ID, final.Delivery.ID)
	assert.Equal(t, asyncjob.DeliveryPending, final.Delivery.State)
	assert.True(t, at.Equal(final.Delivery.NextAttemptAt))
	assert.Empty(t, final.LeaseOwner, "finishing clears the lease")
	assert.Equal(t, 1, final.Attempt)
}
