package redisstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// feedMessages subscribes to prefix p's feed channel on c and returns the
// next message's payload, or "" when none arrives within 300 ms.
func feedMessages(t *testing.T, c redis.UniversalClient, p string) func() string {
	t.Helper()
	ps := c.Subscribe(t.Context(), "{"+p+"}:feed")
	t.Cleanup(func() { _ = ps.Close() })
	_, err := ps.Receive(t.Context()) // the subscription's confirmation
	require.NoError(t, err)
	msgs := ps.Channel()
	return func() string {
		select {
		case m := <-msgs:
			return m.Payload
		case <-time.After(300 * time.Millisecond):
			return ""
		}
	}
}

// waitingDequeue starts a Dequeue on a new store s, whose client counts
// its round trips in rt, and returns its result channel once it waits for
// a wake-up after the look owed at subscription: that look, made when the
// subscription is up, would otherwise end a wait that started before it.
func waitingDequeue(t *testing.T, ctx context.Context, s *redisstore.Store, rt *roundTrips) <-chan dequeued {
	t.Helper()
	done := make(chan dequeued, 1)
	before := rt.n.Load()
	go func() {
		j, err := s.Dequeue(ctx, "w", time.Minute)
		done <- dequeued{j, err}
	}()
	require.Eventually(t, func() bool { return rt.n.Load() > before && redisstore.Waiting(s) == 1 }, 10*time.Second, time.Millisecond)
	return done
}

// countedStore is newStore on a client of its own that counts round trips.
func countedStore(t *testing.T, opts redisstore.Options) (*redisstore.Store, *roundTrips) {
	t.Helper()
	rt := &roundTrips{}
	c := newClient(t)
	c.AddHook(rt)
	return newStore(t, c, opts), rt
}

type dequeued struct {
	j   *asyncjob.Job
	err error
}

// TestCreateWakesItsOwnWaiterQuietly: a Create on an instance with a
// waiting Dequeue wakes that Dequeue itself and publishes nothing; the
// next Create, with no waiter left, publishes its wake-up for the other
// instances. PollInterval is a minute, so a missed wake-up fails the test.
func TestCreateWakesItsOwnWaiterQuietly(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	s, rt := countedStore(t, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	next := feedMessages(t, newClient(t), p)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	done := waitingDequeue(t, ctx, s, rt)
	quiet := newJob(ck)
	_, err := s.Create(ctx, quiet, 0)
	require.NoError(t, err)
	select {
	case r := <-done:
		require.NoError(t, r.err)
		assert.Equal(t, quiet.ID, r.j.ID)
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting Dequeue was not woken")
	}
	assert.Empty(t, next(), "a Create whose own instance has a waiter")

	loud := newJob(ck)
	_, err = s.Create(ctx, loud, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^w [0-9]+$`, next(), "a Create without a waiter")
}

// TestQuietCreatesReserveTheirWaiter: of two Creates at once on an
// instance with one waiting Dequeue, only one goes without a message, so
// the other job is announced to every instance (here the second
// instance's Dequeue takes it at once).
func TestQuietCreatesReserveTheirWaiter(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	a, rtA := countedStore(t, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	b, rtB := countedStore(t, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	onA := waitingDequeue(t, ctx, a, rtA)
	onB := waitingDequeue(t, ctx, b, rtB)
	next := feedMessages(t, newClient(t), p)

	jobs := []*asyncjob.Job{newJob(ck), newJob(ck)}
	errs := make(chan error, len(jobs))
	for _, j := range jobs {
		go func() {
			_, err := a.Create(ctx, j, 0)
			errs <- err
		}()
	}
	for range jobs {
		require.NoError(t, <-errs)
	}
	got := map[string]bool{}
	for _, ch := range []<-chan dequeued{onA, onB} {
		select {
		case r := <-ch:
			require.NoError(t, r.err)
			got[r.j.ID] = true
		case <-time.After(10 * time.Second):
			t.Fatal("a job waited for PollInterval")
		}
	}
	assert.Equal(t, map[string]bool{jobs[0].ID: true, jobs[1].ID: true}, got)
	assert.Regexp(t, `^w [0-9]+$`, next(), "one of the two Creates publishes")
	assert.Empty(t, next(), "only one")
}

// failAfter fails the next EVALSHA after Redis ran it, as a reply lost on
// the way back would.
type failAfter struct{ armed atomic.Bool }

func (h *failAfter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *failAfter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() == "evalsha" && h.armed.CompareAndSwap(true, false) {
			cmd.SetErr(errors.New("reply lost"))
			return cmd.Err()
		}
		return err
	}
}

func (h *failAfter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestQuietCreateWithALostReply: a Create that reserved the waiter and
// fails after its script ran (the job is stored) still has the waiter
// look: no message went out, so nothing else would wake it.
func TestQuietCreateWithALostReply(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	rt, fail := &roundTrips{}, &failAfter{}
	c := newClient(t)
	c.AddHook(rt)
	c.AddHook(fail)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := waitingDequeue(t, ctx, s, rt)
	j := newJob(ck)
	fail.armed.Store(true)
	_, err := s.Create(ctx, j, 0)
	require.Error(t, err)
	select {
	case r := <-done:
		require.NoError(t, r.err)
		assert.Equal(t, j.ID, r.j.ID)
	case <-time.After(10 * time.Second):
		t.Fatal("the stored job waited for PollInterval")
	}
}
