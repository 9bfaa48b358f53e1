package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// Short durations keep the suite fast; waitFor bounds every poll.
const (
	shortLease = 100 * time.Millisecond
	waitFor    = 5 * time.Second
)

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) asyncjob.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s asyncjob.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateExistingID", testCreateExistingID},
		{"IdempotencyKey", testIdempotencyKey},
		{"IdempotencyRace", testIdempotencyRace},
		{"QueueFull", testQueueFull},
		{"UpdateCompareAndSet", testUpdateCAS},
		{"UpdateRaceOneWinner", testUpdateRace},
		{"DequeueOrderAndClaim", testDequeueOrder},
		{"DequeueBlocksAndWakes", testDequeueBlocks},
		{"DequeueSkipsCanceled", testDequeueSkipsCanceled},
		{"DequeueRaceOneWorker", testDequeueRace},
		{"LeaseRenewAndTakeover", testLeaseTakeover},
		{"Release", testRelease},
		{"Watch", testWatch},
		{"WatchTerminal", testWatchTerminal},
		{"WatchCancel", testWatchCancel},
		{"Expiry", testExpiry},
		{"WatchAfterNewerVersion", testWatchAfterNewer},
		{"DeliveryOutbox", testDeliveryOutbox},
		{"DeliveryLeaseTakeover", testDeliveryTakeover},
		{"DeliveryKeptByUpdate", testDeliveryKept},
		{"DeliveryOrder", testDeliveryOrder},
		{"DeliveryRaceOneWorker", testDeliveryRace},
		{"DeliveryExpiredJob", testDeliveryExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
	for _, tc := range batchTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			bc, ok := s.(asyncjob.BatchCreator)
			if !ok {
				t.Skipf("%T does not implement asyncjob.BatchCreator", s)
			}
			tc.fn(t, bc)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitFor)
	t.Cleanup(cancel)
	return ctx
}

func newJob(key, owner string) *asyncjob.Job {
	return &asyncjob.Job{
		ID:             asyncjob.NewID(),
		Kind:           "test",
		Payload:        []byte(`{"n":1}`),
		Owner:          owner,
		State:          asyncjob.StateAccepted,
		CreatedAt:      time.Now().UTC().Truncate(time.Millisecond),
		IdempotencyKey: key,
		Fingerprint:    "fp-" + key,
		Timeout:        time.Minute,
	}
}

func create(t *testing.T, s asyncjob.Store, j *asyncjob.Job) *asyncjob.Job {
	t.Helper()
	got, err := s.Create(ctxT(t), j, 0)
	require.NoError(t, err)
	return got
}

// dequeue claims a job within d, failing the test when none comes.
func dequeue(t *testing.T, s asyncjob.Store, worker string, lease time.Duration) *asyncjob.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctxT(t), waitFor)
	defer cancel()
	j, err := s.Dequeue(ctx, worker, lease)
	require.NoError(t, err)
	return j
}

func testCreateGet(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	in := newJob("k1", "alice")
	got := create(t, s, in)
	assert.Equal(t, uint64(1), got.Version)
	assert.Equal(t, uint64(1), in.Version, "Create sets the caller's Version")
	stored, err := s.Get(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, in.ID, stored.ID)
	assert.Equal(t, "test", stored.Kind)
	assert.Equal(t, []byte(`{"n":1}`), stored.Payload)
	assert.Equal(t, "alice", stored.Owner)
	assert.Equal(t, asyncjob.StateAccepted, stored.State)
	assert.True(t, in.CreatedAt.Equal(stored.CreatedAt))
	assert.Equal(t, "k1", stored.IdempotencyKey)
	assert.Equal(t, "fp-k1", stored.Fingerprint)
	assert.Equal(t, time.Minute, stored.Timeout)

	_, err = s.Get(ctx, asyncjob.NewID())
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
	// Get returns a copy: changing it changes nothing stored.
	stored.State = asyncjob.StateFailed
	again, err := s.Get(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateAccepted, again.State)
}

func testCreateExistingID(t *testing.T, s asyncjob.Store) {
	j := newJob("", "")
	same := *j
	create(t, s, j)
	dup := newJob("", "")
	dup.ID = j.ID
	_, err := s.Create(ctxT(t), dup, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict)
	// A second call with the very same job is a second submission, though
	// a store may recognise its client's retry of one call (redisstore).
	_, err = s.Create(ctxT(t), &same, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict, "the same job created again")
}

func testIdempotencyKey(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	first := create(t, s, newJob("key", "alice"))
	again := newJob("key", "alice")
	got, err := s.Create(ctx, again, 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	require.NotNil(t, got)
	assert.Equal(t, first.ID, got.ID, "the job holding the key is returned")
	_, err = s.Get(ctx, again.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound, "nothing stored for the duplicate")
	// Keys are scoped to the owner.
	other := create(t, s, newJob("key", "bob"))
	assert.NotEqual(t, first.ID, other.ID)
}

func testIdempotencyRace(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	const n = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		ids     = map[string]bool{}
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			j, err := s.Create(ctx, newJob("race", "alice"), 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
				ids[j.ID] = true
			case errors.Is(err, asyncjob.ErrDuplicate):
				ids[j.ID] = true
			default:
				t.Errorf("create: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, created, "exactly one job created")
	assert.Len(t, ids, 1, "every racer sees the same job")
}

func testQueueFull(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	_, err := s.Create(ctx, newJob("a", ""), 2)
	require.NoError(t, err)
	_, err = s.Create(ctx, newJob("b", ""), 2)
	require.NoError(t, err)
	_, err = s.Create(ctx, newJob("c", ""), 2)
	assert.ErrorIs(t, err, asyncjob.ErrQueueFull)
	// A duplicate is reported before a full queue.
	_, err = s.Create(ctx, newJob("a", ""), 2)
	assert.ErrorIs(t, err, asyncjob.ErrDuplicate)
	// A dequeued job frees a place.
	dequeue(t, s, "w", time.Minute)
	_, err = s.Create(ctx, newJob("d", ""), 2)
	assert.NoError(t, err)
	// 0 means unbounded.
	for range 5 {
		_, err = s.Create(ctx, newJob("", ""), 0)
		require.NoError(t, err)
	}
}

func testUpdateCAS(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("k", "alice"))

	stale := *j
	j.Message = "first"
	require.NoError(t, s.Update(ctx, j))
	assert.Equal(t, uint64(2), j.Version)
	stale.Message = "lost"
	assert.ErrorIs(t, s.Update(ctx, &stale), asyncjob.ErrConflict, "a stale version loses")

	// Forbidden transitions change nothing.
	bad := *j
	bad.State = asyncjob.StateCompleted // accepted → completed skips processing
	assert.ErrorIs(t, s.Update(ctx, &bad), asyncjob.ErrConflict)

	// Immutable fields stay as stored.
	j.Owner, j.Kind, j.IdempotencyKey, j.Fingerprint = "mallory", "other", "x", "y"
	j.State = asyncjob.StateCanceled
	j.ExpiresAt = time.Now().Add(time.Hour)
	require.NoError(t, s.Update(ctx, j))
	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, "alice", got.Owner)
	assert.Equal(t, "test", got.Kind)
	assert.Equal(t, "k", got.IdempotencyKey)
	assert.Equal(t, "fp-k", got.Fingerprint)
	assert.Equal(t, asyncjob.StateCanceled, got.State)
	assert.Equal(t, "first", got.Message)

	// Terminal states never change into another.
	got.State = asyncjob.StateCompleted
	assert.ErrorIs(t, s.Update(ctx, got), asyncjob.ErrConflict)

	missing := newJob("", "")
	missing.Version = 1
	assert.ErrorIs(t, s.Update(ctx, missing), asyncjob.ErrNotFound)
}

func testUpdateRace(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	create(t, s, newJob("", ""))
	j := dequeue(t, s, "w", time.Minute)
	// Two writers finish the same version: one wins, one conflicts, so a
	// job can never be both completed and canceled.
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		c := *j
		if i%2 == 0 {
			c.State = asyncjob.StateCompleted
		} else {
			c.State = asyncjob.StateCanceled
		}
		wg.Go(func() { errs[i] = s.Update(ctx, &c) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			assert.ErrorIs(t, err, asyncjob.ErrConflict)
		}
	}
	assert.Equal(t, 1, wins)
}

func testDequeueOrder(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	a := create(t, s, newJob("", ""))
	b := create(t, s, newJob("", ""))
	before := time.Now()
	got := dequeue(t, s, "w1", time.Minute)
	assert.Equal(t, a.ID, got.ID, "submission order")
	assert.Equal(t, asyncjob.StateProcessing, got.State)
	assert.Equal(t, 1, got.Attempt)
	assert.Equal(t, uint64(2), got.Version)
	assert.Equal(t, "w1", got.LeaseOwner)
	assert.False(t, got.StartedAt.IsZero())
	assert.WithinDuration(t, before.Add(time.Minute), got.LeaseUntil, 5*time.Second)
	stored, err := s.Get(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, got.Version, stored.Version)
	assert.Equal(t, "w1", stored.LeaseOwner)
	got2 := dequeue(t, s, "w2", time.Minute)
	assert.Equal(t, b.ID, got2.ID)
}

func testDequeueBlocks(t *testing.T, s asyncjob.Store) {
	ctx, cancel := context.WithTimeout(ctxT(t), 50*time.Millisecond)
	defer cancel()
	_, err := s.Dequeue(ctx, "w", time.Minute)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "an empty queue blocks until ctx ends")

	got := make(chan *asyncjob.Job, 1)
	wctx, wcancel := context.WithTimeout(ctxT(t), waitFor)
	defer wcancel()
	go func() {
		j, err := s.Dequeue(wctx, "w", time.Minute)
		if err != nil {
			j = nil
		}
		got <- j
	}()
	j := create(t, s, newJob("", ""))
	r := <-got
	require.NotNil(t, r, "a blocked Dequeue wakes for a new job")
	assert.Equal(t, j.ID, r.ID)
}

func testDequeueSkipsCanceled(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	a := create(t, s, newJob("", ""))
	b := create(t, s, newJob("", ""))
	a.State = asyncjob.StateCanceled
	require.NoError(t, s.Update(ctx, a))
	got := dequeue(t, s, "w", time.Minute)
	assert.Equal(t, b.ID, got.ID)
	// The canceled job no longer counts against the queue bound.
	_, err := s.Create(ctx, newJob("", ""), 1)
	assert.NoError(t, err)
}

func testDequeueRace(t *testing.T, s asyncjob.Store) {
	const jobs, workers = 20, 6
	for range jobs {
		create(t, s, newJob("", ""))
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
	)
	for w := range workers {
		wg.Go(func() {
			for {
				j, err := s.Dequeue(ctx, "w"+string(rune('a'+w)), time.Minute)
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
	wg.Wait()
	assert.Len(t, seen, jobs)
	for id, n := range seen {
		assert.Equal(t, 1, n, "job %s claimed by one worker", id)
	}
}

func testLeaseTakeover(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("", ""))
	first := dequeue(t, s, "w1", shortLease)
	require.Equal(t, j.ID, first.ID)
	require.NoError(t, s.Renew(ctx, j.ID, "w1", shortLease))
	assert.ErrorIs(t, s.Renew(ctx, j.ID, "w2", shortLease), asyncjob.ErrLeaseLost)
	assert.ErrorIs(t, s.Renew(ctx, asyncjob.NewID(), "w1", shortLease), asyncjob.ErrNotFound)

	// w1 stops renewing (its instance died): after the lease expires w2
	// takes the job over, with the attempt counted.
	second := dequeue(t, s, "w2", time.Minute)
	assert.Equal(t, j.ID, second.ID)
	assert.Equal(t, 2, second.Attempt)
	assert.Equal(t, "w2", second.LeaseOwner)
	assert.Greater(t, second.Version, first.Version)
	assert.True(t, first.StartedAt.Equal(second.StartedAt), "StartedAt is kept")
	assert.ErrorIs(t, s.Renew(ctx, j.ID, "w1", shortLease), asyncjob.ErrLeaseLost)

	// w1's stale write of the outcome loses.
	first.State = asyncjob.StateCompleted
	assert.ErrorIs(t, s.Update(ctx, first), asyncjob.ErrConflict)
	// Finishing clears the lease.
	second.State = asyncjob.StateCompleted
	require.NoError(t, s.Update(ctx, second))
	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Empty(t, got.LeaseOwner)
	assert.ErrorIs(t, s.Renew(ctx, j.ID, "w2", shortLease), asyncjob.ErrLeaseLost)
}

func testRelease(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("", ""))
	dequeue(t, s, "w1", time.Hour)
	assert.ErrorIs(t, s.Release(ctx, j.ID, "w2"), asyncjob.ErrLeaseLost)
	require.NoError(t, s.Release(ctx, j.ID, "w1"))
	// Released long before the hour: another worker takes it at once.
	got := dequeue(t, s, "w2", time.Minute)
	assert.Equal(t, j.ID, got.ID)
	assert.Equal(t, 2, got.Attempt)
	assert.ErrorIs(t, s.Release(ctx, asyncjob.NewID(), "w1"), asyncjob.ErrNotFound)
}

// recv returns the next record of feed, or nil when it is closed.
func recv(t *testing.T, feed <-chan *asyncjob.Job) *asyncjob.Job {
	t.Helper()
	select {
	case j, ok := <-feed:
		if !ok {
			return nil
		}
		return j
	case <-time.After(waitFor):
		t.Fatal("no record on the change feed")
		return nil
	}
}

func testWatch(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	_, err := s.Watch(ctx, asyncjob.NewID(), 0)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)

	j := create(t, s, newJob("", ""))
	feed, err := s.Watch(ctx, j.ID, 0)
	require.NoError(t, err)
	first := recv(t, feed)
	require.NotNil(t, first, "the current record comes first")
	assert.Equal(t, uint64(1), first.Version)

	claimed := dequeue(t, s, "w", time.Minute)
	rec := recv(t, feed)
	require.NotNil(t, rec)
	assert.Equal(t, claimed.Version, rec.Version)
	assert.Equal(t, asyncjob.StateProcessing, rec.State)

	// Progress records arrive in order; a slow reader may miss some, but
	// versions only grow and the latest arrives.
	last := rec.Version
	for p := 10; p <= 50; p += 10 {
		claimed.Progress = p
		require.NoError(t, s.Update(ctx, claimed))
	}
	for {
		rec = recv(t, feed)
		require.NotNil(t, rec)
		assert.Greater(t, rec.Version, last)
		last = rec.Version
		if rec.Progress == 50 {
			break
		}
	}
	claimed.State = asyncjob.StateCompleted
	claimed.Result = &asyncjob.Result{URL: "/r"}
	require.NoError(t, s.Update(ctx, claimed))
	for {
		rec = recv(t, feed)
		require.NotNil(t, rec, "the terminal record is never skipped")
		if rec.State.Terminal() {
			break
		}
	}
	assert.Equal(t, asyncjob.StateCompleted, rec.State)
	require.NotNil(t, rec.Result)
	assert.Equal(t, "/r", rec.Result.URL)
	assert.Nil(t, recv(t, feed), "closed after the terminal record")

	// Resuming from an old version yields the latest record, then ends.
	feed, err = s.Watch(ctx, j.ID, 1)
	require.NoError(t, err)
	rec = recv(t, feed)
	require.NotNil(t, rec)
	assert.Equal(t, claimed.Version, rec.Version)
	assert.Nil(t, recv(t, feed))
}

func testWatchTerminal(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("", ""))
	j.State = asyncjob.StateCanceled
	require.NoError(t, s.Update(ctx, j))
	// Already terminal and not newer than after: closed at once.
	feed, err := s.Watch(ctx, j.ID, j.Version)
	require.NoError(t, err)
	assert.Nil(t, recv(t, feed))
}

func testWatchCancel(t *testing.T, s asyncjob.Store) {
	j := create(t, s, newJob("", ""))
	ctx, cancel := context.WithCancel(ctxT(t))
	feed, err := s.Watch(ctx, j.ID, j.Version)
	require.NoError(t, err)
	cancel()
	// The feed closes when its context ends (records may precede it).
	for rec := recv(t, feed); rec != nil; rec = recv(t, feed) {
	}
}

func testExpiry(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("exp", "alice"))
	feed, err := s.Watch(ctx, j.ID, j.Version)
	require.NoError(t, err)
	claimed := dequeue(t, s, "w", time.Minute)
	claimed.State = asyncjob.StateFailed
	claimed.Error = &asyncjob.Error{Code: "X", Message: "x"}
	claimed.ExpiresAt = time.Now().Add(150 * time.Millisecond)
	require.NoError(t, s.Update(ctx, claimed))
	// Still there before it expires, with the key held.
	_, err = s.Get(ctx, j.ID)
	require.NoError(t, err)
	_, err = s.Create(ctx, newJob("exp", "alice"), 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	for rec := recv(t, feed); rec != nil; rec = recv(t, feed) {
	}
	// Then forgotten, and the key with it.
	require.Eventually(t, func() bool {
		_, err := s.Get(ctx, j.ID)
		return errors.Is(err, asyncjob.ErrNotFound)
	}, waitFor, 5*time.Millisecond)
	_, err = s.Create(ctx, newJob("exp", "alice"), 0)
	assert.NoError(t, err, "the key is free again")
}

func testWatchAfterNewer(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("", ""))
	// A client resumes with a Last-Event-ID beyond every record it will
	// see (another instance's id, or a forged one): it gets no older
	// record, only the end of the feed when the job finishes.
	feed, err := s.Watch(ctx, j.ID, j.Version+10)
	require.NoError(t, err)
	claimed := dequeue(t, s, "w", time.Minute)
	claimed.Progress = 40
	require.NoError(t, s.Update(ctx, claimed))
	claimed.State = asyncjob.StateCompleted
	require.NoError(t, s.Update(ctx, claimed))
	require.Less(t, claimed.Version, j.Version+10)
	assert.Nil(t, recv(t, feed), "no record older than after, then closed")
}

// finishWithDelivery runs a job to a terminal state whose Update enters a
// pending delivery due at next.
func finishWithDelivery(t *testing.T, s asyncjob.Store, next time.Time) *asyncjob.Job {
	t.Helper()
	j := create(t, s, newJob("", ""))
	claimed := dequeue(t, s, "runner", time.Minute)
	require.Equal(t, j.ID, claimed.ID)
	claimed.State = asyncjob.StateCompleted
	claimed.FinishedAt = time.Now()
	claimed.Delivery = &asyncjob.Delivery{ID: "msg_" + j.ID, State: asyncjob.DeliveryPending, NextAttemptAt: next}
	require.NoError(t, s.Update(ctxT(t), claimed))
	return claimed
}

func claimDelivery(t *testing.T, s asyncjob.Store, worker string, lease time.Duration) *asyncjob.Job {
	t.Helper()
	j, err := s.ClaimDelivery(ctxT(t), worker, lease)
	require.NoError(t, err)
	require.NotNil(t, j.Delivery)
	return j
}

func testDeliveryOutbox(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	_, err := s.ClaimDelivery(ctx, "d1", time.Minute)
	require.ErrorIs(t, err, asyncjob.ErrNoDelivery, "an empty outbox")
	done := finishWithDelivery(t, s, time.Now())
	stored, err := s.Get(ctx, done.ID)
	require.NoError(t, err)
	require.NotNil(t, stored.Delivery, "the terminal Update recorded the delivery")
	assert.Equal(t, asyncjob.DeliveryPending, stored.Delivery.State)
	assert.Equal(t, asyncjob.StateCompleted, stored.State)

	before := time.Now()
	c := claimDelivery(t, s, "d1", time.Minute)
	assert.Equal(t, done.ID, c.ID)
	assert.Equal(t, "msg_"+done.ID, c.Delivery.ID)
	assert.Equal(t, "d1", c.Delivery.LeaseOwner)
	assert.WithinDuration(t, before.Add(time.Minute), c.Delivery.LeaseUntil, 5*time.Second)
	assert.Equal(t, stored.Version, c.Version, "claiming changes no Version")
	_, err = s.ClaimDelivery(ctx, "d2", time.Minute)
	assert.ErrorIs(t, err, asyncjob.ErrNoDelivery, "a held delivery is not due")

	// A failed attempt: the delivery waits for its next attempt time.
	retry := time.Now().Add(200 * time.Millisecond)
	failed := asyncjob.Delivery{ID: "forged", State: asyncjob.DeliveryPending, Attempts: 1, StatusCode: 503,
		Error: "receiver answered 503", NextAttemptAt: retry}
	assert.ErrorIs(t, s.RecordDelivery(ctx, done.ID, "d2", failed), asyncjob.ErrLeaseLost, "only the holder records")
	assert.ErrorIs(t, s.RecordDelivery(ctx, asyncjob.NewID(), "d1", failed), asyncjob.ErrNotFound)
	require.NoError(t, s.RecordDelivery(ctx, done.ID, "d1", failed))
	got, err := s.Get(ctx, done.ID)
	require.NoError(t, err)
	assert.Equal(t, stored.Version+1, got.Version, "an outcome is a change")
	require.NotNil(t, got.Delivery)
	assert.Equal(t, "msg_"+done.ID, got.Delivery.ID, "the webhook-id never changes")
	assert.Equal(t, 1, got.Delivery.Attempts)
	assert.Equal(t, 503, got.Delivery.StatusCode)
	assert.Empty(t, got.Delivery.LeaseOwner, "recording ends the lease")
	assert.Equal(t, asyncjob.StateCompleted, got.State)
	if time.Now().Before(retry) {
		_, err = s.ClaimDelivery(ctx, "d2", time.Minute)
		assert.ErrorIs(t, err, asyncjob.ErrNoDelivery, "not due before NextAttemptAt")
	}
	var again *asyncjob.Job
	require.Eventually(t, func() bool {
		again, err = s.ClaimDelivery(ctx, "d2", time.Minute)
		return err == nil
	}, waitFor, 5*time.Millisecond)
	assert.Equal(t, done.ID, again.ID)
	assert.Equal(t, "msg_"+done.ID, again.Delivery.ID)
	assert.Equal(t, 1, again.Delivery.Attempts)

	ok := asyncjob.Delivery{State: asyncjob.DeliveryDelivered, Attempts: 2, StatusCode: 204, FinishedAt: time.Now()}
	require.NoError(t, s.RecordDelivery(ctx, done.ID, "d2", ok))
	got, err = s.Get(ctx, done.ID)
	require.NoError(t, err)
	assert.True(t, got.Delivery.Delivered())
	assert.Equal(t, 2, got.Delivery.Attempts)
	assert.Empty(t, got.Delivery.Error)
	_, err = s.ClaimDelivery(ctx, "d1", time.Minute)
	assert.ErrorIs(t, err, asyncjob.ErrNoDelivery, "a final delivery is never due")
	assert.ErrorIs(t, s.RecordDelivery(ctx, done.ID, "d2", ok), asyncjob.ErrLeaseLost, "the lease ended")

	// A job without a delivery has no lease to record on.
	plain := create(t, s, newJob("", ""))
	assert.ErrorIs(t, s.RecordDelivery(ctx, plain.ID, "d1", ok), asyncjob.ErrLeaseLost)
}

func testDeliveryTakeover(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	done := finishWithDelivery(t, s, time.Now())
	first := claimDelivery(t, s, "d1", shortLease)
	require.Equal(t, done.ID, first.ID)
	// d1's Manager dies mid-delivery: once its lease passes, d2 resumes.
	var second *asyncjob.Job
	require.Eventually(t, func() bool {
		j, err := s.ClaimDelivery(ctx, "d2", time.Minute)
		second = j
		return err == nil
	}, waitFor, 5*time.Millisecond)
	assert.Equal(t, done.ID, second.ID)
	assert.Equal(t, "d2", second.Delivery.LeaseOwner)
	assert.Equal(t, first.Delivery.ID, second.Delivery.ID, "the same webhook-id on every instance")
	late := asyncjob.Delivery{State: asyncjob.DeliveryDelivered, Attempts: 1, StatusCode: 200}
	assert.ErrorIs(t, s.RecordDelivery(ctx, done.ID, "d1", late), asyncjob.ErrLeaseLost, "the old holder's outcome loses")
	require.NoError(t, s.RecordDelivery(ctx, done.ID, "d2", late))

	// A holder whose lease passed but that nobody replaced still records.
	other := finishWithDelivery(t, s, time.Now())
	c := claimDelivery(t, s, "d3", time.Millisecond)
	require.Equal(t, other.ID, c.ID)
	require.Eventually(t, func() bool { return time.Now().After(c.Delivery.LeaseUntil) }, waitFor, time.Millisecond)
	assert.NoError(t, s.RecordDelivery(ctx, other.ID, "d3", late))
}

func testDeliveryKept(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	done := finishWithDelivery(t, s, time.Now())
	claimDelivery(t, s, "d1", time.Minute)
	rec := asyncjob.Delivery{State: asyncjob.DeliveryFailed, Attempts: 5, StatusCode: 500, Error: "gave up", FinishedAt: time.Now()}
	require.NoError(t, s.RecordDelivery(ctx, done.ID, "d1", rec))
	got, err := s.Get(ctx, done.ID)
	require.NoError(t, err)

	// An Update carrying an older (or no) delivery never undoes it.
	got.Delivery = &asyncjob.Delivery{ID: "x", State: asyncjob.DeliveryPending, NextAttemptAt: time.Now()}
	got.Message = "note"
	require.NoError(t, s.Update(ctx, got))
	got.Delivery = nil
	require.NoError(t, s.Update(ctx, got))
	final, err := s.Get(ctx, done.ID)
	require.NoError(t, err)
	require.NotNil(t, final.Delivery)
	assert.Equal(t, asyncjob.DeliveryFailed, final.Delivery.State)
	assert.Equal(t, "msg_"+done.ID, final.Delivery.ID)
	assert.Equal(t, 5, final.Delivery.Attempts)
	assert.Equal(t, 500, final.Delivery.StatusCode)
	assert.Equal(t, "gave up", final.Delivery.Error)
	assert.Equal(t, "note", final.Message)
	_, err = s.ClaimDelivery(ctx, "d2", time.Minute)
	assert.ErrorIs(t, err, asyncjob.ErrNoDelivery)
}

func testDeliveryOrder(t *testing.T, s asyncjob.Store) {
	now := time.Now()
	later := finishWithDelivery(t, s, now.Add(-time.Second))
	sooner := finishWithDelivery(t, s, now.Add(-time.Minute))
	notYet := finishWithDelivery(t, s, now.Add(time.Hour))
	assert.Equal(t, sooner.ID, claimDelivery(t, s, "d", time.Minute).ID, "the earliest due first")
	assert.Equal(t, later.ID, claimDelivery(t, s, "d", time.Minute).ID)
	_, err := s.ClaimDelivery(ctxT(t), "d", time.Minute)
	assert.ErrorIs(t, err, asyncjob.ErrNoDelivery, "job %s is due in an hour", notYet.ID)
}

func testDeliveryRace(t *testing.T, s asyncjob.Store) {
	const deliveries, workers = 10, 6
	want := map[string]bool{}
	for range deliveries {
		want[finishWithDelivery(t, s, time.Now()).ID] = true
	}
	ctx := ctxT(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
	)
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for {
				j, err := s.ClaimDelivery(ctx, "d"+string(rune('a'+w)), time.Minute)
				if errors.Is(err, asyncjob.ErrNoDelivery) {
					return
				}
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				seen[j.ID]++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Len(t, seen, deliveries)
	for id, n := range seen {
		assert.True(t, want[id])
		assert.Equal(t, 1, n, "delivery of %s claimed by one worker", id)
	}
}

func testDeliveryExpired(t *testing.T, s asyncjob.Store) {
	ctx := ctxT(t)
	j := create(t, s, newJob("", ""))
	claimed := dequeue(t, s, "w", time.Minute)
	next := time.Now().Add(100 * time.Millisecond)
	claimed.State = asyncjob.StateFailed
	claimed.ExpiresAt = time.Now().Add(50 * time.Millisecond)
	claimed.Delivery = &asyncjob.Delivery{ID: j.ID, State: asyncjob.DeliveryPending, NextAttemptAt: next}
	require.NoError(t, s.Update(ctx, claimed))
	require.Eventually(t, func() bool { return time.Now().After(next) }, waitFor, time.Millisecond)
	_, err := s.ClaimDelivery(ctx, "d", time.Minute)
	assert.ErrorIs(t, err, asyncjob.ErrNoDelivery, "an expired job owes nothing")
}
