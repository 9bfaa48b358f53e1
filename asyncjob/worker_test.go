package asyncjob_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// countingStore counts the reads and watches a Manager's workers make.
type countingStore struct {
	asyncjob.Store
	gets, watches, updates atomic.Int32
}

func (s *countingStore) Get(ctx context.Context, id string) (*asyncjob.Job, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *countingStore) Watch(ctx context.Context, id string, after uint64) (<-chan *asyncjob.Job, error) {
	s.watches.Add(1)
	return s.Store.Watch(ctx, id, after)
}

func (s *countingStore) Update(ctx context.Context, j *asyncjob.Job) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, j)
}

// TestWorkerWritesFromTheRecordItHolds: a short job costs its worker no
// read of the store: the outcome (and each progress note) is a
// compare-and-set from the record the worker holds, and a job that ends
// before the companion's watch begins opens none. On a shared store each
// read is a round trip, so this is the difference between 3 and 5 per job.
func TestWorkerWritesFromTheRecordItHolds(t *testing.T) {
	t.Parallel()
	mem := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	store := &countingStore{Store: mem}
	progressed := make(chan struct{})
	m, err := asyncjob.New(asyncjob.Options{
		Store: store,
		Kinds: map[string]asyncjob.Kind{"short": func([]byte) (asyncjob.Func, error) {
			return func(_ context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
				p.Report(50, "halfway")
				<-progressed
				return asyncjob.Result{}, nil
			}, nil
		}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "short"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return store.updates.Load() == 1 }, 5*time.Second, time.Millisecond, "the progress note is written")
	close(progressed)
	require.Eventually(t, func() bool {
		got, err := mem.Get(context.Background(), j.ID)
		return err == nil && got.State == asyncjob.StateCompleted
	}, 5*time.Second, time.Millisecond)
	assert.EqualValues(t, 0, store.gets.Load(), "reads by the worker")
	assert.EqualValues(t, 2, store.updates.Load(), "the progress note and the outcome")
	got, err := mem.Get(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, 100, got.Progress)
	assert.EqualValues(t, 4, got.Version, "created, claimed, progress, outcome")
}

// TestWorkerFallsBackToAFreshRead: when the record changed behind the
// worker's back (here a cancel, before the watch began), the
// compare-and-set from the held record fails and the worker reads the
// record again: the canceled record stays canceled.
func TestWorkerFallsBackToAFreshRead(t *testing.T) {
	t.Parallel()
	mem := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	store := &countingStore{Store: mem}
	started, release := make(chan struct{}), make(chan struct{})
	m, err := asyncjob.New(asyncjob.Options{
		Store: store,
		Kinds: map[string]asyncjob.Kind{"stubborn": func([]byte) (asyncjob.Func, error) {
			return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
				close(started)
				<-release // ignores its context, as a job may
				return asyncjob.Result{}, nil
			}, nil
		}},
	})
	require.NoError(t, err)
	j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "stubborn"})
	require.NoError(t, err)
	<-started
	_, err = m.Cancel(t.Context(), j.ID, "")
	require.NoError(t, err)
	close(release)
	// Shutdown waits for the worker, so its write, were it to come, has.
	require.NoError(t, m.Shutdown(t.Context()))
	got, err := mem.Get(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCanceled, got.State)
}

// TestCancelBeforeTheWatchReachesTheJob: a job canceled in its first
// milliseconds, before its worker watches it, still sees its context end
// once the watch begins, and the record stays canceled.
func TestCancelBeforeTheWatchReachesTheJob(t *testing.T) {
	t.Parallel()
	mem := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	started, ended := make(chan struct{}), make(chan time.Time, 1)
	m, err := asyncjob.New(asyncjob.Options{
		Store: mem,
		Kinds: map[string]asyncjob.Kind{"patient": func([]byte) (asyncjob.Func, error) {
			return func(ctx context.Context, _ asyncjob.Progress) (asyncjob.Result, error) {
				close(started)
				<-ctx.Done()
				ended <- time.Now()
				return asyncjob.Result{}, ctx.Err()
			}, nil
		}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	j, err := m.Submit(t.Context(), asyncjob.Spec{Kind: "patient"})
	require.NoError(t, err)
	<-started
	canceled := time.Now()
	_, err = m.Cancel(t.Context(), j.ID, "")
	require.NoError(t, err)
	select {
	case at := <-ended:
		assert.Less(t, at.Sub(canceled), 2*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("the canceled job's context did not end")
	}
	got, err := mem.Get(context.Background(), j.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCanceled, got.State)
}
