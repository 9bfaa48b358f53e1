package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/internal/testenv"
)

func newClock() *testenv.Clock { return testenv.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)) }

func newJob(c *testenv.Clock) *asyncjob.Job {
	return &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: c.Now(), Payload: []byte("not json \x00 bytes")}
}

func TestNewRejectsBraces(t *testing.T) {
	t.Parallel()
	_, err := redisstore.New(newClient(t), redisstore.Options{Prefix: "a{b}"})
	assert.ErrorIs(t, err, redisstore.ErrPrefix)
}

// TestNewOptionsRule: a negative interval is rejected, naming the field.
func TestNewOptionsRule(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, tc := range []struct {
		field string
		opts  redisstore.Options
	}{
		{"PollInterval", redisstore.Options{PollInterval: -1}},
		{"WatchInterval", redisstore.Options{WatchInterval: -1}},
		{"HealthInterval", redisstore.Options{HealthInterval: -1}},
	} {
		_, err := redisstore.New(c, tc.opts)
		assert.EqualError(t, err, "redisstore: Options."+tc.field+": must not be negative")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	ck := newClock()
	s := newStore(t, newClient(t), redisstore.Options{Now: ck.Now})
	ctx := context.Background()
	j := newJob(ck)
	j.Owner, j.IdempotencyKey, j.Fingerprint = "alice", "k1", "fp"
	j.EstimatedAt = ck.Now().Add(time.Minute)
	j.Timeout = time.Second
	j.CallbackURL = "https://example.com/hook"
	created, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), created.Version)
	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, created, got)

	// Update keeps the immutable fields as stored.
	got.Kind, got.Owner, got.Progress, got.Message = "other", "mallory", 40, "halfway"
	require.NoError(t, s.Update(ctx, got))
	assert.Equal(t, uint64(2), got.Version)
	again, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, "k", again.Kind)
	assert.Equal(t, "alice", again.Owner)
	assert.Equal(t, 40, again.Progress)
	assert.Equal(t, "halfway", again.Message)
	assert.Equal(t, []byte("not json \x00 bytes"), []byte(again.Payload))
}

func TestUpdateCompareAndSet(t *testing.T) {
	t.Parallel()
	ck := newClock()
	s := newStore(t, newClient(t), redisstore.Options{Now: ck.Now})
	ctx := context.Background()
	j := newJob(ck)
	_, err := s.Create(ctx, j, 0)
	require.NoError(t, err)

	stale := *j
	j.Progress = 1
	require.NoError(t, s.Update(ctx, j))
	stale.Progress = 2
	assert.ErrorIs(t, s.Update(ctx, &stale), asyncjob.ErrConflict, "stale version")

	// Two racing cancels: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		c := *j
		c.State = asyncjob.StateCanceled
		wg.Go(func() { errs[i] = s.Update(ctx, &c) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, asyncjob.ErrConflict)
		}
	}
	assert.Equal(t, 1, won)

	// A terminal state never changes (asyncjob.CanTransition).
	cur, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	cur.State = asyncjob.StateCompleted
	assert.ErrorIs(t, s.Update(ctx, cur), asyncjob.ErrConflict)
	missing := newJob(ck)
	assert.ErrorIs(t, s.Update(ctx, missing), asyncjob.ErrNotFound)
	_, err = s.Get(ctx, missing.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
}

func TestIdempotencyAndQueueFull(t *testing.T) {
	t.Parallel()
	ck := newClock()
	s := newStore(t, newClient(t), redisstore.Options{Now: ck.Now})
	ctx := context.Background()
	a := newJob(ck)
	a.Owner, a.IdempotencyKey = "o", "key"
	_, err := s.Create(ctx, a, 1)
	require.NoError(t, err)

	b := newJob(ck)
	b.Owner, b.IdempotencyKey = "o", "key"
	held, err := s.Create(ctx, b, 1)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate, "a duplicate is reported before a full queue")
	assert.Equal(t, a.ID, held.ID)

	c := newJob(ck)
	c.Owner, c.IdempotencyKey = "other owner", "key" // keys are scoped to owners
	_, err = s.Create(ctx, c, 1)
	assert.ErrorIs(t, err, asyncjob.ErrQueueFull)
	_, err = s.Create(ctx, c, 0)
	require.NoError(t, err)
	_, err = s.Create(ctx, c, 0)
	assert.ErrorIs(t, err, asyncjob.ErrDuplicate)
	d := *a
	d.IdempotencyKey = ""
	_, err = s.Create(ctx, &d, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict, "an existing ID")

	// The key is released when its job expires.
	a.State, a.FinishedAt, a.ExpiresAt = asyncjob.StateCanceled, ck.Now(), ck.Now().Add(time.Hour)
	require.NoError(t, s.Update(ctx, a))
	ck.Add(time.Hour)
	_, err = s.Get(ctx, a.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
	_, err = s.Create(ctx, b, 0)
	assert.NoError(t, err)
}

func TestRetentionIsTTL(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	p := prefix(t)
	s := newStore(t, c, redisstore.Options{Prefix: p})
	ctx := context.Background()
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now(), IdempotencyKey: "x"}
	_, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	// The key layout documented in doc.go.
	keys := []string{"{" + p + "}:job:" + j.ID, "{" + p + "}:key:0::x"}
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(-1), ttl, "%s: no TTL while the job is live", k)
	}
	j.State, j.ExpiresAt = asyncjob.StateCanceled, time.Now().Add(time.Hour)
	require.NoError(t, s.Update(ctx, j))
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		require.NoError(t, err)
		assert.InDelta(t, time.Hour.Milliseconds(), ttl.Milliseconds(), 5000, "%s: the retention is the TTL", k)
	}
}

func TestDequeueLeases(t *testing.T) {
	t.Parallel()
	ck := newClock()
	s := newStore(t, newClient(t), redisstore.Options{Now: ck.Now, PollInterval: 10 * time.Millisecond})
	ctx := context.Background()
	first, second := newJob(ck), newJob(ck)
	_, err := s.Create(ctx, first, 0)
	require.NoError(t, err)
	_, err = s.Create(ctx, second, 0)
	require.NoError(t, err)

	got, err := s.Dequeue(ctx, "w1", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, first.ID, got.ID, "submission order")
	assert.Equal(t, asyncjob.StateProcessing, got.State)
	assert.Equal(t, 1, got.Attempt)
	assert.Equal(t, uint64(2), got.Version)
	assert.Equal(t, "w1", got.LeaseOwner)
	assert.True(t, got.LeaseUntil.Equal(ck.Now().Add(time.Minute)))
	assert.True(t, got.StartedAt.Equal(ck.Now()))
	_, err = s.Dequeue(ctx, "w2", time.Minute)
	require.NoError(t, err)

	// Nothing left: Dequeue blocks until ctx ends.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = s.Dequeue(short, "w2", time.Minute)
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, s.Renew(ctx, first.ID, "w1", time.Minute))
	assert.ErrorIs(t, s.Renew(ctx, first.ID, "w2", time.Minute), asyncjob.ErrLeaseLost)
	assert.ErrorIs(t, s.Renew(ctx, "nope", "w1", time.Minute), asyncjob.ErrNotFound)

	// The lease ends: another worker takes the job over.
	ck.Add(2 * time.Minute)
	require.NoError(t, s.Renew(ctx, second.ID, "w2", time.Minute))
	took, err := s.Dequeue(ctx, "w3", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, first.ID, took.ID)
	assert.Equal(t, 2, took.Attempt)
	assert.Equal(t, uint64(3), took.Version)
	assert.True(t, took.StartedAt.Equal(got.StartedAt), "StartedAt is kept")
	assert.ErrorIs(t, s.Renew(ctx, first.ID, "w1", time.Minute), asyncjob.ErrLeaseLost)

	// Release hands the job over at once.
	assert.ErrorIs(t, s.Release(ctx, second.ID, "w1"), asyncjob.ErrLeaseLost)
	require.NoError(t, s.Release(ctx, second.ID, "w2"))
	took, err = s.Dequeue(ctx, "w4", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, second.ID, took.ID)

	// A terminal record ends the lease.
	took.State = asyncjob.StateCompleted
	require.NoError(t, s.Update(ctx, took))
	assert.ErrorIs(t, s.Renew(ctx, second.ID, "w4", time.Minute), asyncjob.ErrLeaseLost)
	done, err := s.Get(ctx, second.ID)
	require.NoError(t, err)
	assert.Empty(t, done.LeaseOwner)
}

func TestWatch(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	p := prefix(t)
	a := newStore(t, c, redisstore.Options{Prefix: p})
	b := newStore(t, c, redisstore.Options{Prefix: p}) // another instance
	ctx := context.Background()
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err := a.Create(ctx, j, 0)
	require.NoError(t, err)

	_, err = b.Watch(ctx, "missing", 0)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
	feed, err := b.Watch(ctx, j.ID, 0)
	require.NoError(t, err)
	rec := <-feed
	assert.Equal(t, uint64(1), rec.Version, "starts with the current record")

	for i := 1; i <= 3; i++ {
		j.Progress = i
		require.NoError(t, a.Update(ctx, j))
		rec = <-feed
		assert.Equal(t, uint64(i+1), rec.Version)
	}
	j.State = asyncjob.StateCanceled
	require.NoError(t, a.Update(ctx, j))
	rec = <-feed
	assert.Equal(t, asyncjob.StateCanceled, rec.State)
	_, open := <-feed
	assert.False(t, open, "closed after the terminal record")

	// Resuming after the terminal version closes at once; before it, the
	// terminal record comes first.
	feed, err = b.Watch(ctx, j.ID, j.Version)
	require.NoError(t, err)
	_, open = <-feed
	assert.False(t, open)
	feed, err = b.Watch(ctx, j.ID, 2)
	require.NoError(t, err)
	rec = <-feed
	assert.Equal(t, j.Version, rec.Version)

	// Ending ctx closes the feed.
	k := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err = a.Create(ctx, k, 0)
	require.NoError(t, err)
	wctx, cancel := context.WithCancel(ctx)
	feed, err = b.Watch(wctx, k.ID, 1)
	require.NoError(t, err)
	cancel()
	for range feed {
	}
}

// TestCreateOptionalArguments: create.lua takes its trailing arguments
// only when they differ from their defaults; every combination of them
// stores the job Create returned, with its expiry's TTL.
func TestCreateOptionalArguments(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ck := newClock()
	p := prefix(t)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now})
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		edit      func(*asyncjob.Job)
		maxQueued int
	}{
		{"fresh", func(*asyncjob.Job) {}, 0},
		{"max queued", func(*asyncjob.Job) {}, 1000},
		{"key", func(j *asyncjob.Job) { j.Owner, j.IdempotencyKey = "alice", "k-"+j.ID }, 0},
		{"mutable field", func(j *asyncjob.Job) { j.Timeout = time.Second }, 0},
		{"expiry", func(j *asyncjob.Job) { j.ExpiresAt = ck.Now().Add(time.Hour) }, 0},
		{"attempt only", func(j *asyncjob.Job) { j.Attempt = 2 }, 0},
		{"start only", func(j *asyncjob.Job) { j.StartedAt = ck.Now().Add(-time.Second) }, 0},
		{"every one", func(j *asyncjob.Job) {
			j.Owner, j.IdempotencyKey, j.Timeout = "bob", "k-"+j.ID, time.Minute
			j.ExpiresAt, j.Attempt, j.StartedAt = ck.Now().Add(time.Hour), 3, ck.Now().Add(-time.Second)
		}, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJob(ck)
			tc.edit(j)
			stored, err := s.Create(ctx, j, tc.maxQueued)
			require.NoError(t, err)
			got, err := s.Get(ctx, j.ID)
			require.NoError(t, err)
			assert.Equal(t, stored, got)
			ttl, err := c.PTTL(ctx, "{"+p+"}:job:"+j.ID).Result()
			require.NoError(t, err)
			if j.ExpiresAt.IsZero() {
				assert.Equal(t, time.Duration(-1), ttl, "no expiry, no TTL")
			} else {
				assert.InDelta(t, time.Hour, ttl, float64(time.Minute), "the TTL of the expiry")
			}
		})
	}
}

// TestUpdateNamesItsSets: update.lua takes the job key and the running set
// only and names the job ID, the queue, the outbox and the feed channel
// from them. A canceled queued job leaves the queue, a finished one the
// running set, its pending delivery enters the outbox at its due time, and
// a watcher hears the change at once (the watch interval is far longer
// than the test may wait).
func TestUpdateNamesItsSets(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ck := newClock()
	p := prefix(t)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now, WatchInterval: time.Hour})
	ctx := context.Background()
	base := "{" + p + "}:"
	members := func(set string) []string {
		t.Helper()
		m, err := c.ZRange(ctx, base+set, 0, -1).Result()
		require.NoError(t, err)
		return m
	}

	queued := newJob(ck)
	_, err := s.Create(ctx, queued, 0)
	require.NoError(t, err)
	queued.State = asyncjob.StateCanceled
	require.NoError(t, s.Update(ctx, queued))
	assert.NotContains(t, members("queue"), queued.ID, "a canceled job leaves the queue")

	j := newJob(ck)
	_, err = s.Create(ctx, j, 0)
	require.NoError(t, err)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	claimed, err := s.Dequeue(dctx, "w1", time.Minute)
	require.NoError(t, err)
	require.Equal(t, j.ID, claimed.ID)
	assert.Contains(t, members("running"), j.ID)
	feed, err := s.Watch(dctx, j.ID, claimed.Version)
	require.NoError(t, err)

	due := ck.Now().Add(time.Second)
	claimed.State, claimed.FinishedAt = asyncjob.StateCompleted, ck.Now()
	claimed.Delivery = &asyncjob.Delivery{ID: j.ID, State: asyncjob.DeliveryPending, NextAttemptAt: due}
	require.NoError(t, s.Update(ctx, claimed))
	assert.NotContains(t, members("running"), j.ID, "a finished job leaves the running set")
	score, err := c.ZScore(ctx, base+"outbox", j.ID).Result()
	require.NoError(t, err, "its pending delivery is in the outbox")
	assert.Equal(t, float64(due.UnixNano()), score)
	select {
	case got := <-feed:
		require.NotNil(t, got)
		assert.Equal(t, asyncjob.StateCompleted, got.State)
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher heard nothing: the change was not published on the feed channel")
	}
}
