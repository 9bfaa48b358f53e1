package asyncjob_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/httpsem/httpsem/asyncjob"
)

// TestMain fails the package's tests when any goroutine outlives them:
// workers, job companions, webhook deliveries, SSE streams and Watch
// feeds must all end by Shutdown and t.Cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestShutdownLeavesNoGoroutine checks one Manager in isolation, with a
// job in each phase at the moment of shutdown.
func TestShutdownLeavesNoGoroutine(t *testing.T) {
	// Not parallel: goleak.VerifyNone sees every goroutine of the process.
	before := goleak.IgnoreCurrent()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	started := make(chan struct{})
	m, err := asyncjob.New(asyncjob.Options{
		Store:   store,
		Workers: 2,
		Kinds: map[string]asyncjob.Kind{"block": func([]byte) (asyncjob.Func, error) {
			return func(ctx context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
				started <- struct{}{}
				p.Report(10, "")
				<-ctx.Done()
				return asyncjob.Result{}, ctx.Err()
			}, nil
		}},
	})
	require.NoError(t, err)
	ctx := context.Background()
	for range 3 {
		_, err := m.Submit(ctx, asyncjob.Spec{Kind: "block"})
		require.NoError(t, err)
	}
	<-started
	<-started
	wctx, wcancel := context.WithCancel(ctx)
	j, err := m.Submit(ctx, asyncjob.Spec{Kind: "block"})
	require.NoError(t, err)
	_, err = store.Watch(wctx, j.ID, 0)
	require.NoError(t, err)
	sctx, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, m.Shutdown(sctx), "handing jobs back is the normal end of a grace period")
	wcancel()
	goleak.VerifyNone(t, before)
}
