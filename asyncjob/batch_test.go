package asyncjob_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// countKind accepts {"n":N} payloads and records every run of N.
type countKind struct {
	mu   sync.Mutex
	runs map[int]int
	all  chan struct{} // closed when want distinct jobs ran
	want int
}

func newCountKind(want int) *countKind {
	return &countKind{runs: map[int]int{}, all: make(chan struct{}), want: want}
}

func (k *countKind) kind(payload []byte) (asyncjob.Func, error) {
	var p struct {
		N *int `json:"n"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.N == nil {
		return nil, errors.New("payload needs n")
	}
	return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.runs[*p.N]++
		if len(k.runs) == k.want {
			close(k.all)
		}
		return asyncjob.Result{}, nil
	}, nil
}

func specs(n int, key func(i int) string) []asyncjob.Spec {
	s := make([]asyncjob.Spec, n)
	for i := range s {
		s[i] = asyncjob.Spec{Kind: "n", Payload: fmt.Appendf(nil, `{"n":%d}`, i), Owner: "alice"}
		if key != nil {
			s[i].IdempotencyKey = key(i)
		}
	}
	return s
}

// TestSubmitBatchRuns: every job of a batch is stored with its spec's
// fields and runs exactly once.
func TestSubmitBatchRuns(t *testing.T) {
	t.Parallel()
	k := newCountKind(50)
	m, err := asyncjob.New(asyncjob.Options{Kinds: map[string]asyncjob.Kind{"n": k.kind}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	ctx := context.Background()
	in := specs(50, func(i int) string { return fmt.Sprint("key-", i) })
	in[7].Timeout, in[7].Estimate = time.Minute, time.Hour
	jobs, err := m.SubmitBatch(ctx, in)
	require.NoError(t, err)
	require.Len(t, jobs, 50)
	for i, j := range jobs {
		assert.True(t, asyncjob.ValidID(j.ID))
		assert.Equal(t, uint64(1), j.Version)
		assert.Equal(t, asyncjob.StateAccepted, j.State)
		assert.Equal(t, "alice", j.Owner)
		assert.Equal(t, in[i].IdempotencyKey, j.IdempotencyKey)
		assert.Equal(t, in[i].Payload, j.Payload)
	}
	assert.Equal(t, time.Minute, jobs[7].Timeout)
	assert.WithinDuration(t, jobs[7].CreatedAt.Add(time.Hour), jobs[7].EstimatedAt, time.Millisecond)
	select {
	case <-k.all:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch's jobs did not all run")
	}
	for i, j := range jobs {
		require.Eventually(t, func() bool {
			got, err := m.Get(ctx, j.ID, "alice")
			return err == nil && got.State == asyncjob.StateCompleted
		}, 5*time.Second, time.Millisecond, "job %d", i)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range 50 {
		assert.Equal(t, 1, k.runs[i], "job %d ran once", i)
	}
	// A key of the batch is held like Submit's: a retry of one of its
	// submissions finds its job.
	again, err := m.Submit(ctx, in[3])
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	assert.Equal(t, jobs[3].ID, again.ID)
}

// TestSubmitBatchRefused: each way a batch is refused, with nothing
// stored.
func TestSubmitBatchRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := newCountKind(-1)
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: -1, QueueSize: 10, MaxBatch: 8,
		Kinds: map[string]asyncjob.Kind{"n": k.kind}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })

	t.Run("invalid spec", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			spec asyncjob.Spec
			is   error
		}{
			{"unknown kind", asyncjob.Spec{Kind: "nope"}, asyncjob.ErrUnknownKind},
			{"payload the Kind refuses", asyncjob.Spec{Kind: "n", Payload: []byte(`{}`)}, nil},
			{"callback without a Notifier", asyncjob.Spec{Kind: "n", Payload: []byte(`{"n":1}`), CallbackURL: "https://example.com/hook"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := specs(4, nil)
				in[2] = tc.spec
				_, single := m.Submit(ctx, tc.spec)
				require.Error(t, single, "Submit refuses the spec too")
				jobs, err := m.SubmitBatch(ctx, in)
				assert.Nil(t, jobs)
				var be *asyncjob.BatchError
				require.ErrorAs(t, err, &be)
				assert.Equal(t, 2, be.Index)
				assert.Equal(t, single.Error(), be.Err.Error(), "the error Submit returns")
				if tc.is != nil {
					assert.ErrorIs(t, err, tc.is)
				}
				assert.Zero(t, store.Len(), "nothing stored")
			})
		}
	})

	t.Run("too large", func(t *testing.T) {
		_, err := m.SubmitBatch(ctx, specs(9, nil))
		assert.ErrorIs(t, err, asyncjob.ErrBatchTooLarge)
		assert.Zero(t, store.Len())
	})

	t.Run("queue full", func(t *testing.T) {
		held, err := m.SubmitBatch(ctx, specs(8, func(i int) string { return fmt.Sprint("q", i) }))
		require.NoError(t, err)
		_, err = m.SubmitBatch(ctx, specs(3, nil))
		assert.ErrorIs(t, err, asyncjob.ErrQueueFull, "8 waiting + 3 exceed QueueSize 10")
		assert.Equal(t, 8, store.Len())
		fits, err := m.SubmitBatch(ctx, specs(2, nil))
		require.NoError(t, err, "8 + 2 fit")

		t.Run("duplicate", func(t *testing.T) {
			in := specs(3, func(i int) string { return fmt.Sprint("new", i) })
			in[1].IdempotencyKey = "q5"
			_, err := m.SubmitBatch(ctx, in)
			require.ErrorIs(t, err, asyncjob.ErrDuplicate, "reported before the full queue")
			var dup *asyncjob.DuplicateError
			require.ErrorAs(t, err, &dup)
			assert.Equal(t, 1, dup.Index)
			require.NotNil(t, dup.Job)
			assert.Equal(t, held[5].ID, dup.Job.ID)
			assert.Equal(t, -1, dup.Prior)
			assert.Contains(t, err.Error(), held[5].ID)

			in = specs(3, func(i int) string { return "same" })
			_, err = m.SubmitBatch(ctx, in)
			require.ErrorAs(t, err, &dup)
			assert.Equal(t, 1, dup.Index)
			assert.Equal(t, 0, dup.Prior)
			assert.Nil(t, dup.Job)
			assert.Equal(t, 10, store.Len())
		})
		for _, j := range append(held, fits...) {
			_, err := m.Cancel(ctx, j.ID, "alice")
			require.NoError(t, err)
		}
	})

	t.Run("empty", func(t *testing.T) {
		jobs, err := m.SubmitBatch(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, jobs)
	})

	t.Run("closed", func(t *testing.T) {
		m, err := asyncjob.New(asyncjob.Options{Workers: -1, Kinds: map[string]asyncjob.Kind{"n": k.kind}})
		require.NoError(t, err)
		require.NoError(t, m.Shutdown(ctx))
		_, err = m.SubmitBatch(ctx, specs(1, nil))
		assert.ErrorIs(t, err, asyncjob.ErrClosed)
	})
}

// plainStore hides every method but those of asyncjob.Store: a store
// without batch support.
type plainStore struct{ asyncjob.Store }

// TestSubmitBatchUnsupported: a store without CreateBatch refuses the
// batch rather than storing it job by job, which could leave half of it.
func TestSubmitBatchUnsupported(t *testing.T) {
	t.Parallel()
	mem := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	k := newCountKind(-1)
	m, err := asyncjob.New(asyncjob.Options{Store: plainStore{mem}, Workers: -1, Kinds: map[string]asyncjob.Kind{"n": k.kind}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	_, err = m.SubmitBatch(context.Background(), specs(3, nil))
	require.ErrorIs(t, err, asyncjob.ErrBatchUnsupported)
	assert.Contains(t, err.Error(), "BatchCreator")
	assert.Zero(t, mem.Len())
}

// TestMaxBatchOption: the Options rule for MaxBatch.
func TestMaxBatchOption(t *testing.T) {
	t.Parallel()
	k := newCountKind(-1)
	_, err := asyncjob.New(asyncjob.Options{Workers: -1, MaxBatch: -1, Kinds: map[string]asyncjob.Kind{"n": k.kind}})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "asyncjob: Options.MaxBatch:"), err.Error())

	m, err := asyncjob.New(asyncjob.Options{Workers: -1, QueueSize: -1, Kinds: map[string]asyncjob.Kind{"n": k.kind}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	_, err = m.SubmitBatch(context.Background(), specs(asyncjob.DefaultMaxBatch+1, nil))
	assert.ErrorIs(t, err, asyncjob.ErrBatchTooLarge, "zero means DefaultMaxBatch")
	jobs, err := m.SubmitBatch(context.Background(), specs(asyncjob.DefaultMaxBatch, nil))
	require.NoError(t, err)
	assert.Len(t, jobs, asyncjob.DefaultMaxBatch)
}

// TestMemStoreBatchMaxJobs: a batch evicts finished jobs to make room
// only when it then fits whole.
func TestMemStoreBatchMaxJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: 4})
	newJobs := func(n int) []*asyncjob.Job {
		jobs := make([]*asyncjob.Job, n)
		for i := range jobs {
			jobs[i] = &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
		}
		return jobs
	}
	_, err := s.CreateBatch(ctx, newJobs(3), 0)
	require.NoError(t, err)
	a := finishJob(t, s)
	b := finishJob(t, s)
	// 3 held, 2 of them finished: 3 more need 3 + 3 - 4 = 2 evictions,
	// and 2 are possible.
	_, err = s.CreateBatch(ctx, newJobs(3), 0)
	require.NoError(t, err)
	assert.Equal(t, 4, s.Len())
	for _, j := range []*asyncjob.Job{a, b} {
		_, err = s.Get(ctx, j.ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound, "evicted to make room")
	}
	// 4 held, 1 finished: 2 more need 2 evictions, only 1 is possible, so
	// nothing is evicted and nothing stored.
	c := finishJob(t, s)
	_, err = s.CreateBatch(ctx, newJobs(2), 0)
	require.ErrorIs(t, err, asyncjob.ErrQueueFull)
	assert.Equal(t, 4, s.Len())
	_, err = s.Get(ctx, c.ID)
	assert.NoError(t, err, "a refused batch evicts nothing")
}
