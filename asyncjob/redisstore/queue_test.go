package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestDrainedDequeueWakesOnCreate: a Dequeue after a claim that took the
// last queued job waits for a wake-up instead of asking Redis, and a job
// created meanwhile on another instance still reaches it at once, not
// after PollInterval (a minute here, so a lost wake-up fails the test).
func TestDrainedDequeueWakesOnCreate(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	rt := &roundTrips{}
	c := newClient(t)
	c.AddHook(rt)
	worker := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	other := newStore(t, newClient(t), redisstore.Options{Prefix: p, Now: ck.Now})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	first := newJob(ck)
	_, err := other.Create(ctx, first, 0)
	require.NoError(t, err)
	got, err := worker.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	require.Equal(t, first.ID, got.ID)

	before := rt.n.Load()
	type result struct {
		j   *asyncjob.Job
		err error
	}
	done := make(chan result, 1)
	go func() {
		j, err := worker.Dequeue(ctx, "w", time.Minute)
		done <- result{j, err}
	}()
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, before, rt.n.Load(), "the drained Dequeue waits without a round trip")

	second := newJob(ck)
	_, err = other.Create(ctx, second, 0)
	require.NoError(t, err)
	select {
	case r := <-done:
		require.NoError(t, r.err)
		assert.Equal(t, second.ID, r.j.ID)
		assert.Equal(t, before+1, rt.n.Load(), "one claim")
	case <-time.After(10 * time.Second):
		t.Fatal("the job created on another instance did not wake the drained Dequeue")
	}
}

// TestDrainedDequeueTakesOverExpiredLease: the wait after a draining claim
// ends at the claimed job's lease end, so a job whose worker died is taken
// over then, without a wake-up and long before PollInterval.
func TestDrainedDequeueTakesOverExpiredLease(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	s := newStore(t, c, redisstore.Options{PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	_, err = s.Dequeue(ctx, "dead", 300*time.Millisecond) // a worker that dies holding it
	require.NoError(t, err)
	start := time.Now()
	got, err := s.Dequeue(ctx, "heir", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, j.ID, got.ID)
	assert.Equal(t, "heir", got.LeaseOwner)
	assert.Equal(t, 2, got.Attempt)
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestJobCostsThreeRoundTrips: through a Manager, a no-op job costs its
// instance three Redis round trips: the Create script, the Dequeue script
// and the outcome's compare-and-set; the worker then waits for the next
// job without asking Redis.
func TestJobCostsThreeRoundTrips(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	rt := &roundTrips{}
	c := newClient(t)
	c.AddHook(rt)
	s := newStore(t, c, redisstore.Options{Prefix: p, PollInterval: time.Minute})
	observer := newStore(t, newClient(t), redisstore.Options{Prefix: p})
	ran := make(chan struct{}, 1)
	m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: 1,
		Kinds: map[string]asyncjob.Kind{"noop": func([]byte) (asyncjob.Func, error) {
			return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
				ran <- struct{}{}
				return asyncjob.Result{}, nil
			}, nil
		}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	// The worker's first Dequeue finds nothing and waits.
	require.Eventually(t, func() bool { return rt.n.Load() >= 1 }, 10*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	before := rt.n.Load()
	const n = 10
	for range n {
		j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "noop"})
		require.NoError(t, err)
		<-ran
		require.Eventually(t, func() bool {
			got, err := observer.Get(context.Background(), j.ID)
			return err == nil && got.State == asyncjob.StateCompleted
		}, 10*time.Second, time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a stray round trip, were one to come
	assert.EqualValues(t, 3*n, rt.n.Load()-before)
}
