package asyncjob_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) asyncjob.Store {
		// A short poll interval lets blocked Dequeues notice expired
		// leases quickly.
		return asyncjob.NewMemStore(asyncjob.MemStoreOptions{PollInterval: 10 * time.Millisecond})
	})
}

// finishJob claims the next job and records it as failed, retained for an
// hour.
func finishJob(t *testing.T, s *asyncjob.MemStore) *asyncjob.Job {
	t.Helper()
	ctx := context.Background()
	j, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	j.State = asyncjob.StateFailed
	j.Error = &asyncjob.Error{Code: "X", Message: "x"}
	j.FinishedAt = time.Now()
	j.ExpiresAt = time.Now().Add(time.Hour)
	require.NoError(t, s.Update(ctx, j))
	return j
}

func TestMemStoreMaxJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: 3})
	newJob := func(key string) *asyncjob.Job {
		return &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now(), IdempotencyKey: key}
	}
	a, err := s.Create(ctx, newJob("ka"), 0)
	require.NoError(t, err)
	b, err := s.Create(ctx, newJob("kb"), 0)
	require.NoError(t, err)
	_, err = s.Create(ctx, newJob("kc"), 0)
	require.NoError(t, err)
	// Every job is live: the store is full.
	_, err = s.Create(ctx, newJob(""), 0)
	require.ErrorIs(t, err, asyncjob.ErrQueueFull)

	require.Equal(t, a.ID, finishJob(t, s).ID)
	require.Equal(t, b.ID, finishJob(t, s).ID)
	// Full again: the job that finished first is forgotten, with its key.
	_, err = s.Create(ctx, newJob(""), 0)
	require.NoError(t, err)
	assert.Equal(t, 3, s.Len())
	_, err = s.Get(ctx, a.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
	_, err = s.Get(ctx, b.ID)
	assert.NoError(t, err, "the younger terminal job stays")
	again, err := s.Create(ctx, newJob("ka"), 0)
	require.NoError(t, err, "the forgotten job's key is free: b made room")
	assert.NotEqual(t, a.ID, again.ID)
	_, err = s.Get(ctx, b.ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
}

// TestMemStoreMaxJobsKeepsPendingDeliveries: a finished job whose webhook
// is still owed is not forgotten to make room.
func TestMemStoreMaxJobsKeepsPendingDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: 1})
	j, err := s.Create(ctx, &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}, 0)
	require.NoError(t, err)
	c, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	c.State = asyncjob.StateCompleted
	c.Delivery = &asyncjob.Delivery{ID: j.ID, State: asyncjob.DeliveryPending, NextAttemptAt: time.Now().Add(time.Hour)}
	require.NoError(t, s.Update(ctx, c))
	_, err = s.Create(ctx, &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}, 0)
	assert.ErrorIs(t, err, asyncjob.ErrQueueFull)
	_, err = s.Get(ctx, j.ID)
	assert.NoError(t, err)
}

// TestMemStoreUnbounded: a negative MaxJobs keeps every job.
func TestMemStoreUnbounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: -1})
	for range asyncjob.DefaultMaxJobs + 10 {
		_, err := s.Create(ctx, &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted}, 0)
		require.NoError(t, err)
	}
	assert.Equal(t, asyncjob.DefaultMaxJobs+10, s.Len())
}

// memoryBudget bounds the live heap that 50,000 finished jobs may leave
// behind in a Manager with the default MaxJobs (10,000 kept): about 1 KiB
// per kept job with its status, key and indexes, plus slack for the
// runtime. It is the figure documented on DefaultMaxJobs.
const memoryBudget = 16 << 20

// TestMemoryBounded runs 50,000 fast-failing jobs through a Manager with
// the default store and checks that the live heap after GC grows by a
// bounded amount, not by the 50,000 records that a 24 h retention keeps.
func TestMemoryBounded(t *testing.T) {
	// Not parallel: it measures the heap of the whole process.
	n := 50_000
	if raceEnabled {
		n = asyncjob.DefaultMaxJobs + 2_000 // still past MaxJobs, in a few seconds
	}
	failing := func([]byte) (asyncjob.Func, error) {
		return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
			return asyncjob.Result{}, &asyncjob.Error{Code: "BOOM", Message: "fails at once"}
		}, nil
	}
	m, err := asyncjob.New(asyncjob.Options{Kinds: map[string]asyncjob.Kind{"f": failing}, QueueSize: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	start := time.Now()
	ctx := context.Background()
	var last *asyncjob.Job
	for i := 0; i < n; i++ {
		j, err := m.Submit(ctx, asyncjob.Spec{Kind: "f", Payload: []byte(`{"n":1}`), IdempotencyKey: "k" + strconv.Itoa(i)})
		if errors.Is(err, asyncjob.ErrQueueFull) {
			// Every kept job is live for a moment: let the workers catch up.
			i--
			runtime.Gosched()
			continue
		}
		require.NoError(t, err)
		last = j
	}
	require.Eventually(t, func() bool {
		j, err := m.Get(ctx, last.ID, "")
		return err == nil && j.State == asyncjob.StateFailed
	}, 20*time.Second, time.Millisecond)
	grown := int64(heap()) - int64(before)
	t.Logf("%d jobs in %v; live heap grew by %.1f MiB (budget %d MiB)", n, time.Since(start).Round(time.Millisecond), float64(grown)/(1<<20), memoryBudget>>20)
	assert.Less(t, grown, int64(memoryBudget))
	assert.LessOrEqual(t, m.Store().(*asyncjob.MemStore).Len(), asyncjob.DefaultMaxJobs)
}
