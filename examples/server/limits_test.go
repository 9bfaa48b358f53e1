package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("open uploads", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		ts := startServer(t, config{Now: clock.Now})
		for i := range maxOpenUploads {
			res := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
			require.Equal(t, 201, res.StatusCode, "upload %d", i)
		}
		full := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
		require.Equal(t, 503, full.StatusCode)
		assert.Equal(t, "SERVICE_UNAVAILABLE", full.errorCode(t))
		assert.NotEmpty(t, full.Header.Get("Retry-After"))
		// Abandoned uploads give their slot back.
		clock.Add(uploadIdle + time.Second)
		assert.Equal(t, 201, ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json").StatusCode)
	})
	t.Run("files", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		s := newUploadStore(clock.Now, defaultUploadMemory)
		for i := range maxFiles + 3 {
			id := strconv.Itoa(i)
			s.uploads[id] = &uploadRecord{id: id, state: uploadCompleted}
			s.addFile(id, &file{modified: clock.Now()})
			clock.Add(time.Second)
		}
		assert.Len(t, s.files, maxFiles)
		assert.NotContains(t, s.files, "0", "the oldest file goes first")
		assert.NotContains(t, s.uploads, "0")
		assert.Contains(t, s.files, strconv.Itoa(maxFiles+2))
	})
	t.Run("documents", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, config{})
		ts.srv.docs.mu.Lock()
		for i := range maxDocuments {
			ts.srv.docs.byID["d"+strconv.Itoa(i)] = &docRecord{}
		}
		ts.srv.docs.mu.Unlock()
		res := ts.do(t, "POST", "/documents", `{"title":"a","content":""}`, "Content-Type", "application/json")
		assert.Equal(t, 507, res.StatusCode)
		assert.Equal(t, "INSUFFICIENT_STORAGE", res.errorCode(t))
		res = ts.do(t, "PUT", "/documents/new", `{"title":"a","content":""}`, "Content-Type", "application/json", "If-None-Match", "*")
		assert.Equal(t, 507, res.StatusCode)
	})
}
