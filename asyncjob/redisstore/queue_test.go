package redisstore_test

import (
	"context"
	"errors"
	"sync"
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

// TestJobCostsTwoRoundTrips: through a Manager with an idle worker, a
// no-op job costs its instance two Redis round trips: the Create script,
// which claims the job for the waiting worker, and the outcome's
// compare-and-set; the worker then waits for the next job without asking
// Redis. (A job another instance submits costs a Dequeue script more.)
func TestJobCostsTwoRoundTrips(t *testing.T) {
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
		// The worker waits again: a job submitted before goes through the
		// queue (a Dequeue round trip more).
		require.Eventually(t, func() bool { return redisstore.Waiting(s) == 1 }, 10*time.Second, time.Millisecond)
		j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "noop"})
		require.NoError(t, err)
		<-ran
		require.Eventually(t, func() bool {
			got, err := observer.Get(context.Background(), j.ID)
			return err == nil && got.State == asyncjob.StateCompleted
		}, 10*time.Second, time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a stray round trip, were one to come
	assert.EqualValues(t, 2*n, rt.n.Load()-before)
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
	// A look has been made only for the look owed at subscription, so the
	// round trip says the subscription is up. Waiting is not enough after
	// it: the confirmation's wake-up token, left over when the confirmation
	// came before the Dequeue, ends the next wait at once, and a Create
	// made while that waiter is between waits finds none to reserve. Idle
	// must hold at two checks a few milliseconds apart.
	idle := func() bool { return rt.n.Load() > before && redisstore.Idle(s, 1) }
	require.Eventually(t, func() bool {
		if !idle() {
			return false
		}
		time.Sleep(5 * time.Millisecond)
		return idle()
	}, 10*time.Second, time.Millisecond)
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

// TestCreateClaimsForItsOwnWaiter: a Create on an instance with a waiting
// Dequeue claims the job for that Dequeue in its own script: one round
// trip for the job's submission and claim, no message, and the Dequeue
// returns the record Redis holds. The next Create, with no waiter left,
// queues its job and publishes its wake-up for the other instances.
// PollInterval is a minute, so a missed wake-up fails the test.
func TestCreateClaimsForItsOwnWaiter(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	s, rt := countedStore(t, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	next := feedMessages(t, newClient(t), p)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	done := waitingDequeue(t, ctx, s, rt)
	before := rt.n.Load()
	claimed := newJob(ck)
	claimed.Owner, claimed.IdempotencyKey = "alice", "k1"
	_, err := s.Create(ctx, claimed, 0)
	require.NoError(t, err)
	var got *asyncjob.Job
	select {
	case r := <-done:
		require.NoError(t, r.err)
		got = r.j
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting Dequeue got no job")
	}
	assert.Equal(t, before+1, rt.n.Load(), "one round trip: the Create")
	assert.Equal(t, asyncjob.StateProcessing, got.State)
	assert.EqualValues(t, 2, got.Version)
	assert.Equal(t, 1, got.Attempt)
	assert.Equal(t, "w", got.LeaseOwner)
	assert.Equal(t, ck.Now().Add(time.Minute), got.LeaseUntil)
	assert.Equal(t, ck.Now(), got.StartedAt)
	stored, err := s.Get(ctx, claimed.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, got, "the Dequeue's job is the record")
	assert.Empty(t, next(), "a Create whose own instance has a waiter")
	dup, err := s.Create(ctx, &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", Owner: "alice", IdempotencyKey: "k1", State: asyncjob.StateAccepted, CreatedAt: ck.Now()}, 0)
	assert.ErrorIs(t, err, asyncjob.ErrDuplicate, "the claimed job holds its idempotency key")
	if assert.NotNil(t, dup) {
		assert.Equal(t, claimed.ID, dup.ID)
	}

	loud := newJob(ck)
	_, err = s.Create(ctx, loud, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^w [0-9]+$`, next(), "a Create without a waiter")
	got, err = s.Dequeue(ctx, "w2", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, loud.ID, got.ID)
}

// TestCreateForQueuesBehindOlderJobs: a Create that may claim for a
// waiting Dequeue still queues its job when jobs are queued before it, so
// jobs are claimed in submission order; with the queue empty it claims.
func TestCreateForQueuesBehindOlderJobs(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	s := newStore(t, newClient(t), redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	older, newer, last := newJob(ck), newJob(ck), newJob(ck)
	_, err := s.Create(ctx, older, 0)
	require.NoError(t, err)
	next := feedMessages(t, newClient(t), p)
	c, err := redisstore.CreateFor(ctx, s, newer, "w", time.Minute)
	require.NoError(t, err)
	assert.Nil(t, c, "queued behind the older job")
	assert.Regexp(t, `^w [0-9]+$`, next(), "every instance hears of the queued job")
	for _, want := range []*asyncjob.Job{older, newer} {
		got, err := s.Dequeue(ctx, "w", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, want.ID, got.ID)
	}
	c, err = redisstore.CreateFor(ctx, s, last, "w", time.Minute)
	require.NoError(t, err)
	if assert.NotNil(t, c, "claimed: the queue is empty") {
		assert.Equal(t, last.ID, c.ID)
		assert.Equal(t, asyncjob.StateProcessing, c.State)
	}
}

// scriptFault changes one script call of the client it hooks: while armed,
// each EVALSHA or EVAL goes through call, which sends it with send and
// disarms the hook (armed.CompareAndSwap) on the call it changes.
type scriptFault struct {
	armed atomic.Bool
	call  func(h *scriptFault, cmd redis.Cmder, send func() error) error
}

func (h *scriptFault) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *scriptFault) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); !h.armed.Load() || name != "evalsha" && name != "eval" {
			return next(ctx, cmd)
		}
		return h.call(h, cmd, func() error { return next(ctx, cmd) })
	}
}

func (h *scriptFault) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// holdScript holds the next script call until open is closed.
func holdScript(open <-chan struct{}) *scriptFault {
	return &scriptFault{call: func(h *scriptFault, _ redis.Cmder, send func() error) error {
		if h.armed.CompareAndSwap(true, false) {
			<-open
		}
		return send()
	}}
}

// failAfter fails the next script call after Redis ran it, as a reply lost
// on the way back would. Only a call that ran counts: the first EVALSHA of
// a script Redis has not cached yet answers NOSCRIPT, and the EVAL after
// it runs it.
func failAfter() *scriptFault {
	return &scriptFault{call: func(h *scriptFault, cmd redis.Cmder, send func() error) error {
		err := send()
		if err == nil && h.armed.CompareAndSwap(true, false) {
			cmd.SetErr(errors.New("reply lost"))
			return cmd.Err()
		}
		return err
	}}
}

// runTwice runs the next script call twice, as a client's retry after a
// lost reply does: the caller sees the second run's reply.
func runTwice() *scriptFault {
	return &scriptFault{call: func(h *scriptFault, _ redis.Cmder, send func() error) error {
		err := send()
		if err == nil && h.armed.CompareAndSwap(true, false) {
			err = send()
		}
		return err
	}}
}

// TestReservedWaiterReleasesAClaimItCannotRun: a Dequeue that ends while a
// Create is claiming a job for it waits for that Create, and releases the
// job it will not run, so another worker takes it over at once instead of
// after its lease (a minute here).
func TestReservedWaiterReleasesAClaimItCannotRun(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	open := make(chan struct{})
	rt, g := &roundTrips{}, holdScript(open)
	c := newClient(t)
	c.AddHook(rt)
	c.AddHook(g)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	wctx, stop := context.WithCancel(ctx)
	done := waitingDequeue(t, wctx, s, rt)

	j := newJob(ck)
	g.armed.Store(true)
	created := make(chan error, 1)
	go func() {
		_, err := s.Create(ctx, j, 0)
		created <- err
	}()
	require.Eventually(t, func() bool { return redisstore.Reserved(s) == 1 }, 10*time.Second, time.Millisecond)
	stop()
	select {
	case r := <-done:
		t.Fatalf("the Dequeue returned (%v, %v) before its Create answered", r.j, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	close(open)
	require.NoError(t, <-created)
	r := <-done
	assert.ErrorIs(t, r.err, context.Canceled)
	assert.Nil(t, r.j)

	got, err := s.Dequeue(ctx, "heir", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, j.ID, got.ID, "released: taken over at once")
	assert.Equal(t, 2, got.Attempt)
	assert.Equal(t, "heir", got.LeaseOwner)
}

// TestQuietCreatesReserveTheirWaiter: of two Creates at once on an
// instance with one waiting Dequeue, only one claims for it without a
// message, so the other job is announced to every instance (here the
// second instance's Dequeue takes it at once).
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

// TestQuietCreateWithALostReply: a Create that reserved the waiter and
// fails after its script ran (the job is stored and claimed for the
// waiter, which never hears of it) releases the job and has the waiter
// look: no message went out, so nothing else would wake it, and the lease
// (a minute) would hold the job.
func TestQuietCreateWithALostReply(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	ck := newClock()
	rt, fail := &roundTrips{}, failAfter()
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
		assert.Equal(t, 2, r.j.Attempt, "the claim the lost reply made, then the look's")
	case <-time.After(10 * time.Second):
		t.Fatal("the stored job waited for PollInterval")
	}
}

// TestConcurrentSubmitsRunPromptly: with 8 submitters and 8 workers on
// one instance, every job runs long before a lease ends (a minute), so no
// claim a Create made for a waiting worker is lost on its way to it.
func TestConcurrentSubmitsRunPromptly(t *testing.T) {
	t.Parallel()
	s := newStore(t, newClient(t), redisstore.Options{})
	var ran atomic.Int32
	kind := func([]byte) (asyncjob.Func, error) {
		return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
			ran.Add(1)
			return asyncjob.Result{}, nil
		}, nil
	}
	m, err := asyncjob.New(asyncjob.Options{Store: s, Kinds: map[string]asyncjob.Kind{"k": kind}, QueueSize: -1, Lease: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	const n = 4000
	ids := make([]string, n)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				j, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "k"})
				if !assert.NoError(t, err) {
					return
				}
				ids[i] = j.ID
			}
		})
	}
	wg.Wait()
	if assert.Eventually(t, func() bool { return ran.Load() == n }, 10*time.Second, time.Millisecond, "ran %d of %d", ran.Load(), n) {
		return
	}
	for _, id := range ids {
		if j, err := s.Get(context.Background(), id); err == nil && j.State != asyncjob.StateCompleted {
			t.Logf("stuck: %s %s v%d attempt %d leased to %q until %v", id, j.State, j.Version, j.Attempt, j.LeaseOwner, j.LeaseUntil)
		}
	}
}

// TestClaimingCreateRetried: a Create whose script ran twice (the client's
// retry after a lost reply) claimed the job for the waiter in its first
// run; the second run finds the job its own call stored and answers as the
// first did. The Create succeeds (it used to fail with ErrConflict, for a
// job that was stored and ran, which a client then submits again) and the
// waiter runs the job as claimed, on its first attempt. With an
// idempotency key the second run finds the key held by that same job, and
// answers so too rather than as a duplicate.
func TestClaimingCreateRetried(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "k1"} {
		t.Run("key="+key, func(t *testing.T) {
			t.Parallel()
			ck := newClock()
			rt, twice := &roundTrips{}, runTwice()
			c := newClient(t)
			c.AddHook(rt)
			c.AddHook(twice)
			s := newStore(t, c, redisstore.Options{Now: ck.Now, PollInterval: time.Minute})
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			done := waitingDequeue(t, ctx, s, rt)
			j := newJob(ck)
			j.Owner, j.IdempotencyKey = "alice", key
			twice.armed.Store(true)
			created, err := s.Create(ctx, j, 0)
			require.NoError(t, err, "the second run finds this call's job")
			assert.False(t, twice.armed.Load(), "the script ran twice")
			assert.EqualValues(t, 1, created.Version)
			select {
			case r := <-done:
				require.NoError(t, r.err)
				assert.Equal(t, j.ID, r.j.ID)
				assert.Equal(t, 1, r.j.Attempt, "claimed by the first run, not released and claimed again")
				assert.EqualValues(t, 2, r.j.Version)
				stored, err := s.Get(ctx, j.ID)
				require.NoError(t, err)
				assert.Equal(t, stored, r.j, "the waiter's job is the record")
			case <-time.After(10 * time.Second):
				t.Fatal("the claimed job waited for its lease")
			}
		})
	}
}

// TestCreateRetried: a Create that queues its job (no worker waits), run
// twice by the client, succeeds and leaves one job queued once; so does a
// CreateBatch. A second call with the same job is another call and still
// finds the ID taken.
func TestCreateRetried(t *testing.T) {
	t.Parallel()
	twice := runTwice()
	c := newClient(t)
	c.AddHook(twice)
	p := prefix(t)
	ck := newClock()
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now, PollInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	keyed := newJob(ck)
	keyed.Owner, keyed.IdempotencyKey = "alice", "k1"
	jobs := []*asyncjob.Job{newJob(ck), keyed}
	for _, j := range jobs {
		twice.armed.Store(true)
		created, err := s.Create(ctx, j, 0)
		require.NoError(t, err, "key %q", j.IdempotencyKey)
		assert.False(t, twice.armed.Load(), "the script ran twice")
		assert.EqualValues(t, 1, created.Version)
	}
	batch := []*asyncjob.Job{newJob(ck), newJob(ck)}
	batch[1].Owner, batch[1].IdempotencyKey = "alice", "k2"
	twice.armed.Store(true)
	_, err := s.CreateBatch(ctx, batch, 0)
	require.NoError(t, err)
	assert.False(t, twice.armed.Load(), "the script ran twice")
	jobs = append(jobs, batch...)

	queued, err := c.ZRange(ctx, "{"+p+"}:queue", 0, -1).Result()
	require.NoError(t, err)
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
		stored, err := s.Get(ctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, asyncjob.StateAccepted, stored.State)
		assert.EqualValues(t, 1, stored.Version)
	}
	assert.Equal(t, ids, queued, "each job queued once, in submission order")

	for _, j := range jobs[:2] {
		again := *j
		again.Version = 0
		_, err := s.Create(ctx, &again, 0)
		if j.IdempotencyKey == "" {
			assert.ErrorIs(t, err, asyncjob.ErrConflict, "another call")
		} else {
			assert.ErrorIs(t, err, asyncjob.ErrDuplicate, "another call")
		}
	}
	again := []*asyncjob.Job{newJob(ck), batch[0]}
	_, err = s.CreateBatch(ctx, again, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict, "another call")
}
