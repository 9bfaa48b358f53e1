package pgstore_test

import (
	"context"
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

// TestIdleWorkersCostNothing: Dequeues waiting on an empty queue send no
// statement until a job may be there, and then one claim serves them all:
// a batch of four wakes the four with one statement, not one after the
// other, and a single job costs one claim, not one per waiting worker.
func TestIdleWorkersCostNothing(t *testing.T) {
	t.Parallel()
	u := newDatabase(t)
	cfg, err := pgxpool.ParseConfig(u)
	require.NoError(t, err)
	log := &sqlLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1, PollInterval: time.Hour})
	ctx := ctxT(t)

	claims := func(sql []string) (n int) {
		for _, q := range sql {
			if strings.HasPrefix(q, "UPDATE") || strings.HasPrefix(q, "WITH w AS") {
				n++
			}
		}
		return n
	}
	wait := func(n int) (chan *asyncjob.Job, *sync.WaitGroup) {
		got := make(chan *asyncjob.Job, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				j, err := s.Dequeue(ctx, "w"+string(rune('0'+i)), time.Minute)
				if err != nil {
					assert.ErrorIs(t, err, pgstore.ErrClosed, "only Close ends the wait")
					return
				}
				got <- j
			})
		}
		return got, &wg
	}

	got, wg := wait(4)
	time.Sleep(200 * time.Millisecond) // the store's first look, at nothing
	log.on(s.Table())
	time.Sleep(300 * time.Millisecond)
	assert.Empty(t, log.on(s.Table()), "idle workers send nothing")

	_, err = s.CreateBatch(ctx, newBatch("", "", "", ""), 0)
	require.NoError(t, err)
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for j := range got {
		require.NotNil(t, j)
		assert.False(t, seen[j.ID], "job %s claimed twice", j.ID)
		seen[j.ID] = true
	}
	assert.Len(t, seen, 4)
	sql := log.on(s.Table())
	assert.Equal(t, 1, claims(sql), "one claim for the four: %q", sql)

	got, wg = wait(4)
	time.Sleep(200 * time.Millisecond) // at most one look, at nothing
	log.on(s.Table())
	created, err := s.Create(ctx, newJob(""), 0)
	require.NoError(t, err)
	var j *asyncjob.Job
	select {
	case j = <-got:
	case <-time.After(10 * time.Second):
		require.Fail(t, "no worker got the job")
	}
	require.NotNil(t, j)
	assert.Equal(t, created.ID, j.ID)
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, 1, claims(log.on(s.Table())), "one claim for one job")
	// The other three still wait; Close ends them.
	require.NoError(t, s.Close())
	wg.Wait()
}

// TestClaimWaitsForTheFlush: a claim is durable before Dequeue hands its
// job out, as the job and its outcome are. On a private server whose
// commits wait for a synchronous standby that never comes, every write
// hangs, and claims, alone and grouped, hang with them: a claim that a
// database crash could undo would give its version to the next claim.
func TestClaimWaitsForTheFlush(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	u := srv.createDatabase("claims")
	pool := newPool(t, u)
	s := newStore(t, pool, pgstore.Options{SweepInterval: -1})
	ctx := ctxT(t)
	const n = 6
	for range n {
		_, err := s.Create(ctx, newJob(""), 0)
		require.NoError(t, err)
	}
	admin := newPool(t, srv.url("postgres"))
	setStandby := func(names string) {
		_, err := admin.Exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = '"+names+"'")
		require.NoError(t, err)
		_, err = admin.Exec(ctx, "SELECT pg_reload_conf()")
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var v string
			return pool.QueryRow(ctx, "SHOW synchronous_standby_names").Scan(&v) == nil && v == names
		}, 10*time.Second, 10*time.Millisecond)
		// Each backend rereads the setting on its own, after the reload's
		// signal; on a loaded machine one may still commit without the
		// standby. The pool's new connections start with it.
		pool.Reset()
	}
	setStandby("absent")
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "ALTER SYSTEM RESET synchronous_standby_names")
		_, _ = admin.Exec(context.Background(), "SELECT pg_reload_conf()")
	})

	// The setup holds: a write that waits for its flush does not return.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := pool.Exec(wctx, "UPDATE "+s.Table()+" SET fingerprint = 'x' WHERE false OR true")
	cancel()
	require.Error(t, err, "the synchronous standby is awaited")
	pool.Reset() // a connection whose write was canceled may still wait for the standby

	// Claims, alone and together, wait with them.
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			j, err := s.Dequeue(dctx, "w"+string(rune('0'+i)), time.Minute)
			assert.ErrorIs(t, err, context.DeadlineExceeded, "a claim waits for its flush")
			assert.Nil(t, j)
		})
	}
	wg.Wait()
	setStandby("")
}
