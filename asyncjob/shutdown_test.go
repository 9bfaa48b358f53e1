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
		return resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != ""
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

func TestShutdownForced(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("stuck")
	doc := l.submit("stuck", nil)
	<-s.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The context has ended: running jobs are canceled, not recorded as
	// failed, and their leases released for another instance.
	assert.ErrorIs(t, l.m.Shutdown(ctx), context.Canceled)
	assert.Error(t, <-s.ctxErr)
	j, err := l.m.Store().Get(context.Background(), doc.JobID)
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
