package asyncjob_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

func TestShutdownGraceful(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("g")
	doc := l.submit("g", nil)
	<-s.started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- l.m.Shutdown(ctx)
	}()
	// New work is refused as soon as shutdown begins.
	require.Eventually(t, func() bool {
		resp, _ := l.do("POST", "/reports", nil, `{"name":"late"}`)
		return resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "5"
	}, 5*time.Second, time.Millisecond)
	// The running job finishes and is recorded.
	close(s.release)
	require.NoError(t, <-shut)
	resp, body := l.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "completed", parseDoc(t, body).Status)
	// Shutdown is idempotent.
	assert.NoError(t, l.m.Shutdown(context.Background()))
}

func TestShutdownForcedOwnStore(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("stuck")
	doc := l.submit("stuck", nil)
	<-s.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The grace period is over: the job is canceled and, since nobody
	// else can take over a job in the Manager's own store, recorded as
	// failed with a retryable code. That is the designed end, not an error.
	require.NoError(t, l.m.Shutdown(ctx))
	assert.Error(t, <-s.ctxErr)
	j, err := l.m.Store().Get(context.Background(), doc.JobID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateFailed, j.State)
	require.NotNil(t, j.Error)
	assert.Equal(t, asyncjob.CodeShutdown, j.Error.Code)
	assert.True(t, j.Error.Retryable)
}

func TestShutdownForcedSharedStore(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	l := newLab(t, asyncjob.Options{Store: store})
	s := l.script("stuck")
	doc := l.submit("stuck", nil)
	<-s.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// On a store passed in, the job is handed back: still processing, its
	// lease released for the next instance.
	require.NoError(t, l.m.Shutdown(ctx))
	assert.Error(t, <-s.ctxErr)
	j, err := store.Get(context.Background(), doc.JobID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateProcessing, j.State)
	assert.True(t, j.LeaseUntil.IsZero(), "lease released")
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	_, err := asyncjob.New(asyncjob.Options{})
	assert.ErrorIs(t, err, asyncjob.ErrNoKinds)
	_, err = asyncjob.New(asyncjob.Options{Kinds: map[string]asyncjob.Kind{"x": nil}})
	assert.Error(t, err)
	// A Manager without workers serves jobs others run; it needs no kinds
	// to start.
	m, err := asyncjob.New(asyncjob.Options{Workers: -1})
	require.NoError(t, err)
	require.NoError(t, m.Shutdown(context.Background()))
}

// TestOptionsRule checks the package's Options rule: zero is the default,
// negative is "none" where that is meaningful, and rejected elsewhere with
// "asyncjob: Options.Field: ...".
func TestOptionsRule(t *testing.T) {
	t.Parallel()
	kinds := map[string]asyncjob.Kind{"x": func([]byte) (asyncjob.Func, error) { return nil, nil }}
	rejected := []struct {
		field string
		opts  asyncjob.Options
	}{
		{"Retention", asyncjob.Options{Retention: -1}},
		{"Lease", asyncjob.Options{Lease: -1}},
		{"MaxAttempts", asyncjob.Options{MaxAttempts: -1}},
		{"PollInterval", asyncjob.Options{PollInterval: -1}},
		{"BusyRetryAfter", asyncjob.Options{BusyRetryAfter: -1}},
		{"MaxBodyBytes", asyncjob.Options{MaxBodyBytes: -1}},
		{"MaxResultBytes", asyncjob.Options{MaxResultBytes: -1}},
		{"StoreTimeout", asyncjob.Options{StoreTimeout: -1}},
		{"DeliveryAttempts", asyncjob.Options{DeliveryAttempts: -1}},
		{"DeliveryBackoff", asyncjob.Options{DeliveryBackoff: -1}},
		{"DeliveryMaxBackoff", asyncjob.Options{DeliveryMaxBackoff: -1}},
		{"DeliveryLease", asyncjob.Options{DeliveryLease: -1}},
		{"DeliveryPollInterval", asyncjob.Options{DeliveryPollInterval: -1}},
	}
	for _, tc := range rejected {
		t.Run(tc.field, func(t *testing.T) {
			t.Parallel()
			tc.opts.Kinds = kinds
			_, err := asyncjob.New(tc.opts)
			require.Error(t, err)
			assert.Equal(t, "asyncjob: Options."+tc.field+": must not be negative", err.Error())
		})
	}
	// "None" where it means something: no workers, unbounded queue, no
	// job timeout, no Prefer: wait, no heartbeats, no delivery workers.
	m, err := asyncjob.New(asyncjob.Options{Kinds: kinds, Workers: -1, QueueSize: -1, Timeout: -1, MaxWait: -1, Heartbeat: -1, DeliveryWorkers: -1})
	require.NoError(t, err)
	require.NoError(t, m.Shutdown(context.Background()))
}
