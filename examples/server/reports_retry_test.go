package main

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flakyReports is a report store whose first failures puts fail, as a Redis
// in failover would; failures < 0 fails every put.
type flakyReports struct {
	reportStorage
	mu       sync.Mutex
	failures int
	attempts int
	failed   chan struct{} // closed at the first failure
	once     sync.Once
}

var errStorageDown = errors.New("storage down")

func (f *flakyReports) put(ctx context.Context, r *report) error {
	f.mu.Lock()
	f.attempts++
	fail := f.failures < 0 || f.attempts <= f.failures
	f.mu.Unlock()
	if fail {
		f.once.Do(func() { close(f.failed) })
		return errStorageDown
	}
	return f.reportStorage.put(ctx, r)
}

func (f *flakyReports) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

// TestReports_StorageRetry: a report that cannot be stored is retried within
// its job, a bounded number of times, and the retries stop when the job is
// canceled.
func TestReports_StorageRetry(t *testing.T) {
	t.Parallel()
	const month = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`
	start := func(t *testing.T, failures int) (*testServer, *flakyReports, string) {
		store := &flakyReports{reportStorage: newReportStore(nil, "test"), failures: failures, failed: make(chan struct{})}
		ts := startServer(t, config{reports: store})
		acc := ts.do(t, "POST", "/reports", month, "Content-Type", "application/json")
		require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
		return ts, store, acc.Header.Get("Location")
	}

	t.Run("transient failures are retried", func(t *testing.T) {
		t.Parallel()
		ts, store, loc := start(t, 2)
		final, _ := ts.waitJob(t, loc)
		require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
		assert.Equal(t, 3, store.count(), "two failures, then stored")
		assert.Equal(t, 200, ts.do(t, "GET", final.Header.Get("Location"), "").StatusCode)
	})

	t.Run("a lasting failure fails the job after the last attempt", func(t *testing.T) {
		t.Parallel()
		ts, store, loc := start(t, -1)
		final, _ := ts.waitJob(t, loc)
		require.Equal(t, 200, final.StatusCode, "body: %s", final.body)
		m := final.json(t)
		assert.Equal(t, "failed", m["status"])
		assert.Equal(t, map[string]any{"code": "STORAGE_UNAVAILABLE", "message": "The report could not be stored; retry later.", "retryable": true}, m["error"])
		assert.Equal(t, reportStoreAttempts, store.count())
	})

	t.Run("cancel stops the retries", func(t *testing.T) {
		t.Parallel()
		ts, store, loc := start(t, -1)
		<-store.failed
		require.Equal(t, 202, ts.do(t, "DELETE", loc, "").StatusCode)
		final, _ := ts.waitJob(t, loc)
		assert.Equal(t, "canceled", final.json(t)["status"])
		assert.Less(t, store.count(), reportStoreAttempts, "the retries ended with the job")
	})
}
