package pgstore_test

import (
	"context"
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

// batchSQL records the statements of every batch a pool sends.
type batchSQL struct {
	mu      sync.Mutex
	batches [][]string
}

func (l *batchSQL) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}
func (l *batchSQL) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (l *batchSQL) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var sql []string
	for _, q := range d.Batch.QueuedQueries {
		sql = append(sql, q.SQL)
	}
	l.mu.Lock()
	l.batches = append(l.batches, sql)
	l.mu.Unlock()
	return ctx
}
func (l *batchSQL) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *batchSQL) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// cycles returns how many batches sent so far carried both updates and a
// claim.
func (l *batchSQL) cycles() (n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.batches {
		var update, claim bool
		for _, q := range b {
			update = update || strings.HasPrefix(q, "UPDATE")
			claim = claim || strings.HasPrefix(q, "WITH w AS")
		}
		if update && claim {
			n++
		}
	}
	return n
}

func tracedStore(t *testing.T, tr pgx.QueryTracer, opts pgstore.Options) (*pgstore.Store, string) {
	t.Helper()
	u := newDatabase(t)
	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return newStore(t, pool, opts), u
}

// cycleSetup returns n jobs held by worker "w", finished (completed, not
// yet stored), and n jobs waiting.
func cycleSetup(t *testing.T, s *pgstore.Store, n int) (finished []*asyncjob.Job, waiting map[string]bool) {
	t.Helper()
	ctx := ctxT(t)
	for range n {
		_, err := s.Create(ctx, newJob(""), 0)
		require.NoError(t, err)
		j, err := s.Dequeue(ctx, "w", time.Minute)
		require.NoError(t, err)
		j.State, j.Progress, j.LeaseOwner = asyncjob.StateCompleted, 100, ""
		finished = append(finished, j)
	}
	waiting = map[string]bool{}
	for range n {
		j, err := s.Create(ctx, newJob(""), 0)
		require.NoError(t, err)
		waiting[j.ID] = true
	}
	return finished, waiting
}

func checkCycle(t *testing.T, s *pgstore.Store, finished, claimed []*asyncjob.Job, workers []string, waiting map[string]bool, errs []error, versions []int64) {
	t.Helper()
	ctx := ctxT(t)
	for i, j := range finished {
		require.NoError(t, errs[i], "update %d", i)
		assert.EqualValues(t, j.Version+1, versions[i])
		got, err := s.Get(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, asyncjob.StateCompleted, got.State)
	}
	for i, j := range claimed {
		require.NotNil(t, j, "claim %d", i)
		assert.True(t, waiting[j.ID], "job %s claimed twice or not waiting", j.ID)
		delete(waiting, j.ID)
		assert.Equal(t, workers[i], j.LeaseOwner)
		got, err := s.Get(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, asyncjob.StateProcessing, got.State)
		assert.Equal(t, workers[i], got.LeaseOwner)
	}
}

// TestClaimGoesWithTheUpdates: the claim the claimer offers while updates
// wait is made in the updates' transaction: one batch, one commit, each
// update stored and each Dequeue given its own waiting job.
func TestClaimGoesWithTheUpdates(t *testing.T) {
	t.Parallel()
	tr := &batchSQL{}
	s, _ := tracedStore(t, tr, pgstore.Options{SweepInterval: -1, PollInterval: time.Hour})
	finished, waiting := cycleSetup(t, s, 3)
	workers := []string{"a", "b", "c"}
	claimed := make(chan []*asyncjob.Job, 1)
	tr.mu.Lock()
	before := len(tr.batches)
	tr.mu.Unlock()
	errs, versions := pgstore.RunCycle(s, finished, workers, time.Minute, claimed)
	checkCycle(t, s, finished, <-claimed, workers, waiting, errs, versions)
	tr.mu.Lock()
	sent := tr.batches[before:]
	tr.mu.Unlock()
	require.Len(t, sent, 1, "one round trip")
	b := sent[0]
	require.Len(t, b, 7)
	assert.Equal(t, "BEGIN", b[0])
	assert.True(t, strings.HasPrefix(b[1], "SET LOCAL lock_timeout"))
	assert.True(t, strings.HasPrefix(b[5], "WITH w AS"), "the claim follows the updates")
	assert.Equal(t, "COMMIT", b[6])
}

// TestCycleDoesNotHoldClaimsForALock: an update of the cycle that waits for
// a row lock (a caller's transaction holds it) holds the claims back for
// cycleLockTimeout at most: the Dequeues get their jobs while the lock is
// held, and the updates are stored once it is released.
func TestCycleDoesNotHoldClaimsForALock(t *testing.T) {
	t.Parallel()
	s, u := tracedStore(t, &batchSQL{}, pgstore.Options{SweepInterval: -1, PollInterval: time.Hour})
	finished, waiting := cycleSetup(t, s, 3)
	ctx := ctxT(t)
	tx, err := newPool(t, u).Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1 FROM "+s.Table()+" WHERE id = $1 FOR UPDATE", finished[1].ID)
	require.NoError(t, err)
	workers := []string{"a", "b", "c"}
	claimed := make(chan []*asyncjob.Job, 1)
	type result struct {
		errs     []error
		versions []int64
	}
	done := make(chan result, 1)
	go func() {
		errs, versions := pgstore.RunCycle(s, finished, workers, time.Minute, claimed)
		done <- result{errs, versions}
	}()
	var jobs []*asyncjob.Job
	select {
	case jobs = <-claimed:
	case <-time.After(5 * time.Second):
		require.NoError(t, tx.Rollback(ctx))
		t.Fatal("the claims waited for the lock")
	}
	select {
	case <-done:
		t.Fatal("the updates ran past the lock")
	default:
	}
	require.NoError(t, tx.Rollback(ctx))
	r := <-done
	checkCycle(t, s, finished, jobs, workers, waiting, r.errs, r.versions)
}

// TestWorkersClaimWithTheirOutcomes: a Manager's workers on pgstore claim
// their next jobs in the transaction that records their previous ones'
// outcomes (the Manager claims while the outcome is written), and every
// job still runs once and is recorded completed.
func TestWorkersClaimWithTheirOutcomes(t *testing.T) {
	t.Parallel()
	tr := &batchSQL{}
	s, _ := tracedStore(t, tr, pgstore.Options{SweepInterval: -1})
	var mu sync.Mutex
	runs := map[string]int{}
	m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: 4,
		Kinds: map[string]asyncjob.Kind{"n": func(p []byte) (asyncjob.Func, error) {
			return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
				mu.Lock()
				runs[string(p)]++
				mu.Unlock()
				return asyncjob.Result{}, nil
			}, nil
		}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	ctx := ctxT(t)
	const n = 64
	specs := make([]asyncjob.Spec, n)
	for i := range specs {
		specs[i] = asyncjob.Spec{Kind: "n", Payload: []byte{byte('0' + i/10), byte('0' + i%10)}}
	}
	jobs, err := m.SubmitBatch(ctx, specs)
	require.NoError(t, err)
	for _, j := range jobs {
		require.Eventually(t, func() bool {
			got, err := s.Get(ctx, j.ID)
			return err == nil && got.State == asyncjob.StateCompleted
		}, 30*time.Second, time.Millisecond)
	}
	require.NoError(t, m.Shutdown(ctx))
	mu.Lock()
	assert.Len(t, runs, n)
	for p, c := range runs {
		assert.Equal(t, 1, c, "job %s ran %d times", p, c)
	}
	mu.Unlock()
	assert.Positive(t, tr.cycles(), "claims that went with outcomes")
}
