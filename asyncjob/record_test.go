package asyncjob_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// flakyStore fails the first fails Updates that make a job terminal with a
// system error, as a store does while it is briefly unreachable.
type flakyStore struct {
	asyncjob.Store
	fails  atomic.Int32
	failed atomic.Int32
}

var errStoreDown = errors.New("store briefly unreachable")

func (s *flakyStore) Update(ctx context.Context, j *asyncjob.Job) error {
	if j.State.Terminal() && s.fails.Add(-1) >= 0 {
		s.failed.Add(1)
		return errStoreDown
	}
	return s.Store.Update(ctx, j)
}

// TestOutcomeRecordedDespiteStoreErrors: a transient store error while the
// outcome is written is retried, so the job completes once, on its first
// attempt, instead of waiting for its lease to expire and running again.
func TestOutcomeRecordedDespiteStoreErrors(t *testing.T) {
	t.Parallel()
	mem := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	store := &flakyStore{Store: mem}
	store.fails.Store(3)
	var runs atomic.Int32
	m, err := asyncjob.New(asyncjob.Options{
		Store: store,
		Kinds: map[string]asyncjob.Kind{"once": func([]byte) (asyncjob.Func, error) {
			return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
				runs.Add(1)
				return asyncjob.Result{}, nil
			}, nil
		}},
		Lease: time.Hour, // a lost outcome would only come back after it
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "once"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := mem.Get(context.Background(), j.ID)
		return err == nil && got.State == asyncjob.StateCompleted
	}, 10*time.Second, 5*time.Millisecond)
	got, err := mem.Get(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Attempt)
	assert.EqualValues(t, 1, runs.Load())
	assert.EqualValues(t, 3, store.failed.Load(), "the first three writes of the outcome failed")
}
