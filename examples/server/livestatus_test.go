package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiveStatus: the no-store example. Real-time data carries
// Cache-Control: no-store (RFC 9111 §5.2.2.5) and no validator, and each
// response shows the state at that instant.
func TestLiveStatus(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	ts := startServer(t, config{Now: clock.Now, UploadMemory: 1 << 20})
	get := func() map[string]any {
		t.Helper()
		res := ts.do(t, "GET", "/status", "")
		require.Equal(t, 200, res.StatusCode, "body: %s", res.body)
		assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		assert.Empty(t, res.Header.Get("ETag"), "nothing to revalidate")
		assert.Empty(t, res.Header.Get("Last-Modified"))
		return res.json(t)
	}
	st := get()
	assert.Equal(t, "2025-06-01T12:00:00Z", st["time"])
	assert.Equal(t, map[string]any{"unfinished": 0.0, "files": 0.0, "memory_used_bytes": 0.0, "memory_budget_bytes": float64(1 << 20)}, st["uploads"])

	id := newUpload(t, ts)
	require.Equal(t, 200, ts.do(t, "PUT", "/uploads/"+id+"/parts/1", strings.Repeat("x", 1000)).StatusCode)
	clock.Add(90 * time.Second)
	st = get()
	assert.Equal(t, "2025-06-01T12:01:30Z", st["time"], "the state now, not a cached one")
	up := st["uploads"].(map[string]any)
	assert.Equal(t, 1.0, up["unfinished"])
	assert.Equal(t, 1000.0, up["memory_used_bytes"])

	// Without a validator there is no 304: a conditional request is
	// answered in full.
	res := ts.do(t, "GET", "/status", "", "If-None-Match", `"x"`)
	assert.Equal(t, 200, res.StatusCode)
}
