package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// batchLog counts the batches a pool sends and their largest length.
type batchLog struct {
	batches, largest atomic.Int32
	updates          atomic.Int32 // UPDATE statements sent alone
}

func (l *batchLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "UPDATE") {
		l.updates.Add(1)
	}
	return ctx
}
func (l *batchLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (l *batchLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	l.batches.Add(1)
	if n := int32(d.Batch.Len()); n > l.largest.Load() {
		l.largest.Store(n)
	}
	return ctx
}
func (l *batchLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *batchLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestUpdatesCommitTogether: Updates that arrive while one is in flight
// are sent as one batch, one commit, and each still gets its own answer:
// the stale one ErrConflict, the one the database refuses an error, and
// the rest their new Version. The refused statement aborts the batch's
// transaction, so the others are run again one by one and stored.
func TestUpdatesCommitTogether(t *testing.T) {
	t.Parallel()
	t.Run("all stored", func(t *testing.T) { t.Parallel(); testUpdatesCommitTogether(t, false) })
	t.Run("one refused", func(t *testing.T) { t.Parallel(); testUpdatesCommitTogether(t, true) })
}

func testUpdatesCommitTogether(t *testing.T, refuse bool) {
	u := newDatabase(t)
	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	log := &batchLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1})
	ctx := ctxT(t)

	const n = 12
	jobs := make([]*asyncjob.Job, n)
	for i := range jobs {
		_, err := s.Create(ctx, newJob(""), 0)
		require.NoError(t, err)
		jobs[i], err = s.Dequeue(ctx, "w", time.Minute)
		require.NoError(t, err)
	}
	// Hold the first job's row, so that its Update blocks in the database
	// while the others queue up behind it.
	other := newPool(t, u)
	tx, err := other.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1 FROM "+s.Table()+" WHERE id = $1 FOR UPDATE", jobs[0].ID)
	require.NoError(t, err)

	const stale = 4
	refused := -1
	if refuse {
		refused = 7
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	update := func(i int) {
		j := *jobs[i]
		j.State, j.Progress = asyncjob.StateCompleted, 100
		switch i {
		case stale:
			j.Version--
		case refused:
			j.Delivery = &asyncjob.Delivery{ID: "d", State: "bogus"} // fails the table's CHECK
		}
		errs[i] = s.Update(ctx, &j)
		jobs[i].Version = j.Version
	}
	wg.Go(func() { update(0) })
	time.Sleep(100 * time.Millisecond) // the first Update is in flight, blocked
	for i := 1; i < n; i++ {
		wg.Go(func() { update(i) })
	}
	time.Sleep(200 * time.Millisecond) // the rest are waiting for it
	before, alone := log.batches.Load(), log.updates.Load()
	require.NoError(t, tx.Rollback(ctx))
	wg.Wait()

	assert.EqualValues(t, 1, log.batches.Load()-before, "the waiting updates went as one batch")
	assert.EqualValues(t, n-1, log.largest.Load())
	if refuse {
		assert.EqualValues(t, n-1, log.updates.Load()-alone, "the refused batch, run again one by one")
	} else {
		assert.Zero(t, log.updates.Load()-alone, "nothing run again")
	}
	for i, err := range errs {
		switch i {
		case stale:
			assert.ErrorIs(t, err, asyncjob.ErrConflict)
		case refused:
			require.Error(t, err)
			assert.False(t, errors.Is(err, asyncjob.ErrConflict) || errors.Is(err, asyncjob.ErrNotFound), "a refused statement is a system error: %v", err)
		default:
			require.NoError(t, err, "job %d", i)
			assert.EqualValues(t, 3, jobs[i].Version)
			got, err := s.Get(ctx, jobs[i].ID)
			require.NoError(t, err)
			assert.Equal(t, asyncjob.StateCompleted, got.State, "job %d", i)
		}
	}
	for _, i := range []int{stale, refused} {
		if i < 0 {
			continue
		}
		got, err := s.Get(ctx, jobs[i].ID)
		require.NoError(t, err)
		assert.Equal(t, asyncjob.StateProcessing, got.State, "job %d is unchanged", i)
	}
}

// lockJobs holds an exclusive lock on the store's table in a transaction
// of its own, so that the next claim blocks in the database; the returned
// func releases it.
func lockJobs(t *testing.T, u string, s *pgstore.Store) func() {
	t.Helper()
	ctx := ctxT(t)
	tx, err := newPool(t, u).Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE "+s.Table()+" IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	return func() { require.NoError(t, tx.Rollback(ctx)) }
}

// TestClaimsGoTogether: Dequeues that arrive while a claim is in flight
// claim together, in one statement, each its own job with its own lease,
// the waiting jobs first and then one whose lease ended.
func TestClaimsGoTogether(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	log := &sqlLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1, PollInterval: time.Minute})
	ctx := ctxT(t)
	const n = 8
	want := map[string]bool{}
	// One job whose worker died: its lease ends at once, and the group
	// takes it over after the waiting ones.
	dead, err := s.Create(ctx, newJob(""), 0)
	require.NoError(t, err)
	_, err = s.Dequeue(ctx, "dead", time.Millisecond)
	require.NoError(t, err)
	want[dead.ID] = true
	for range n - 1 {
		j, err := s.Create(ctx, newJob(""), 0)
		require.NoError(t, err)
		want[j.ID] = true
	}
	time.Sleep(10 * time.Millisecond)
	unlock := lockJobs(t, u, s)
	got := make([]*asyncjob.Job, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		got[0], err = s.Dequeue(ctx, "w0", time.Minute)
		assert.NoError(t, err)
	})
	time.Sleep(100 * time.Millisecond) // the first claim is in flight, blocked
	for i := 1; i < n; i++ {
		wg.Go(func() {
			j, err := s.Dequeue(ctx, fmt.Sprintf("w%d", i), time.Minute)
			assert.NoError(t, err)
			got[i] = j
		})
	}
	time.Sleep(200 * time.Millisecond) // the others wait for it
	log.on(s.Table())                  // forget what came before
	unlock()
	wg.Wait()
	grouped := 0
	for _, q := range log.on(s.Table()) {
		if strings.HasPrefix(q, "WITH w AS") {
			grouped++
		}
	}
	assert.Equal(t, 1, grouped, "the waiting Dequeues claimed in one statement")
	for i, j := range got {
		require.NotNil(t, j, "worker %d", i)
		assert.True(t, want[j.ID], "job %s claimed twice or unknown", j.ID)
		delete(want, j.ID)
		assert.Equal(t, fmt.Sprintf("w%d", i), j.LeaseOwner)
		assert.Equal(t, asyncjob.StateProcessing, j.State)
		if j.ID == dead.ID {
			assert.Equal(t, 2, j.Attempt, "taken over")
		} else {
			assert.Equal(t, 1, j.Attempt)
		}
		stored, err := s.Get(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, j.LeaseOwner, stored.LeaseOwner)
	}
}

// TestAbandonedClaimIsReleased: a Dequeue that gives up while its claim is
// in flight does not strand the job it was claimed for until its lease
// ends: the job is released, and the next Dequeue takes it at once.
func TestAbandonedClaimIsReleased(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	s := newStore(t, newPool(t, u), pgstore.Options{SweepInterval: -1, PollInterval: time.Minute})
	ctx := ctxT(t)
	created, err := s.Create(ctx, newJob(""), 0)
	require.NoError(t, err)
	unlock := lockJobs(t, u, s)
	gone, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := s.Dequeue(gone, "quitter", time.Hour)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // its claim is in flight, blocked
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	unlock()
	start := time.Now()
	j, err := s.Dequeue(ctx, "heir", time.Hour)
	require.NoError(t, err)
	assert.Equal(t, created.ID, j.ID)
	assert.Equal(t, "heir", j.LeaseOwner)
	assert.Less(t, time.Since(start), 20*time.Second, "taken over long before the hour's lease")
}
