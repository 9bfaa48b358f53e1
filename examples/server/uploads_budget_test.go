package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uploadsUsed returns the bytes of the upload budget in use.
func uploadsUsed(ts *testServer) int64 {
	ts.srv.uploads.mu.Lock()
	defer ts.srv.uploads.mu.Unlock()
	return ts.srv.uploads.used
}

func newUpload(t *testing.T, ts *testServer) string {
	t.Helper()
	res := ts.do(t, "POST", "/uploads", `{"filename":"f.bin"}`, "Content-Type", "application/json")
	require.Equal(t, 201, res.StatusCode, "body: %s", res.body)
	return res.json(t)["upload_id"].(string)
}

// completeUpload completes id with its parts 1..len(tags) and waits for the
// file.
func completeUpload(t *testing.T, ts *testServer, id string, tags ...string) {
	t.Helper()
	require.NoError(t, finishUpload(ts, id, tags...))
}

// finishUpload is completeUpload without assertions, for goroutines other
// than the test's.
func finishUpload(ts *testServer, id string, tags ...string) error {
	type entry struct {
		PartNumber int    `json:"part_number"`
		ETag       string `json:"etag"`
	}
	var list struct {
		Parts []entry `json:"parts"`
	}
	for i, tag := range tags {
		list.Parts = append(list.Parts, entry{i + 1, tag})
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	acc, err := ts.send("POST", "/uploads/"+id+"/complete", string(b), "Content-Type", "application/json")
	if err != nil {
		return err
	}
	if acc.StatusCode != 202 {
		return fmt.Errorf("complete: status %d, want 202; body: %s", acc.StatusCode, acc.body)
	}
	final, _, err := ts.pollJob(acc.Header.Get("Location"))
	if err != nil {
		return err
	}
	if final.StatusCode != 303 {
		return fmt.Errorf("assembly: status %d, want 303; body: %s", final.StatusCode, final.body)
	}
	return nil
}

// TestUploads_MemoryBudget: every byte an upload holds comes out of
// -upload-memory; what does not fit is refused before it is read.
func TestUploads_MemoryBudget(t *testing.T) {
	t.Parallel()
	const budget = 1 << 20
	ts := startServer(t, config{UploadMemory: budget})
	part := func(id string, n int, size int) response {
		return ts.do(t, "PUT", "/uploads/"+id+"/parts/"+strconv.Itoa(n), strings.Repeat("x", size))
	}

	a := newUpload(t, ts)
	st := ts.do(t, "GET", "/uploads/"+a, "")
	assert.Equal(t, float64(budget), st.json(t)["max_part_bytes"], "the part limit never exceeds the budget")
	pa := part(a, 1, 600<<10)
	require.Equal(t, 200, pa.StatusCode, "body: %s", pa.body)
	assert.Equal(t, int64(600<<10), uploadsUsed(ts))

	// A part larger than the whole budget can never fit: 413, not a 503 to
	// retry (RFC 9110 §15.5.14).
	b := newUpload(t, ts)
	big := part(b, 1, budget+1)
	assert.Equal(t, 413, big.StatusCode)
	assert.Equal(t, "PAYLOAD_TOO_LARGE", big.errorCode(t))

	// What uploads in progress hold is not taken from them: 503 with
	// Retry-After (RFC 9110 §15.6.4, §10.2.3), and nothing was stored.
	full := part(b, 1, 600<<10)
	require.Equal(t, 503, full.StatusCode, "body: %s", full.body)
	assert.Equal(t, "SERVICE_UNAVAILABLE", full.errorCode(t))
	assert.Equal(t, uploadRetryAfter, full.Header.Get("Retry-After"))
	assert.Equal(t, int64(600<<10), uploadsUsed(ts), "a refused part reserves nothing")

	// A replacement is received while the part it replaces is still held;
	// then only the new one counts.
	assert.Equal(t, 503, part(a, 1, 500<<10).StatusCode, "600 KiB + 500 KiB do not fit")
	pa = part(a, 1, 300<<10)
	require.Equal(t, 200, pa.StatusCode, "body: %s", pa.body)
	assert.Equal(t, int64(300<<10), uploadsUsed(ts))

	// A completed upload's parts become its file, byte for byte: the
	// budget does not change and nothing is copied.
	completeUpload(t, ts, a, pa.Header.Get("ETag"))
	assert.Equal(t, int64(300<<10), uploadsUsed(ts))
	f := ts.do(t, "GET", "/files/"+a, "")
	require.Equal(t, 200, f.StatusCode)
	assert.Len(t, f.body, 300<<10)

	// Files make room for parts, oldest first.
	pb := part(b, 1, 800<<10)
	require.Equal(t, 200, pb.StatusCode, "body: %s", pb.body)
	assert.Equal(t, int64(800<<10), uploadsUsed(ts))
	assert.Equal(t, 404, ts.do(t, "GET", "/files/"+a, "").StatusCode, "the file was evicted")

	// A part of unknown length (chunked) reserves the largest part while
	// it is read, and keeps only what it used.
	c := newUpload(t, ts)
	res, err := ts.client.Do(mustChunked(t, ts.URL+"/uploads/"+c+"/parts/1", "abc"))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 503, res.StatusCode, "224 KiB are free, the largest part is 1 MiB")

	// Abandoned uploads give their bytes back.
	ts.srv.uploads.mu.Lock()
	ts.srv.uploads.sweep(time.Now().Add(uploadIdle + time.Minute))
	ts.srv.uploads.mu.Unlock()
	assert.Equal(t, int64(0), uploadsUsed(ts))
	res, err = ts.client.Do(mustChunked(t, ts.URL+"/uploads/"+newUpload(t, ts)+"/parts/1", "abc"))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, int64(3), uploadsUsed(ts))
}

func mustChunked(t *testing.T, url, body string) *http.Request {
	t.Helper()
	// A reader of unknown length makes the transport send it chunked.
	req, err := http.NewRequest("PUT", url, io.MultiReader(strings.NewReader(body)))
	require.NoError(t, err)
	return req
}

func TestUploads_BudgetOption(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{UploadMemory: -1})
	assert.ErrorContains(t, err, "-upload-memory")
	ts := startServer(t, config{})
	assert.Equal(t, int64(defaultUploadMemory), ts.srv.uploads.budget)
	assert.LessOrEqual(t, defaultUploadMemory, 256<<20, "issue 12: at most 256 MiB")
}

// TestUploads_AssemblyDoesNotHoldTheStore: while a file is being assembled,
// other uploads are created, written and read. The assembly is paused in
// the middle; if it held the store's lock, these requests would wait for it
// and the test would time out.
func TestUploads_AssemblyDoesNotHoldTheStore(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	id := newUpload(t, ts)
	var tags []string
	for n := 1; n <= 3; n++ {
		res := ts.do(t, "PUT", "/uploads/"+id+"/parts/"+strconv.Itoa(n), strings.Repeat(strconv.Itoa(n), 1<<20))
		require.Equal(t, 200, res.StatusCode)
		tags = append(tags, res.Header.Get("ETag"))
	}
	paused, resume := make(chan struct{}), make(chan struct{})
	ts.srv.uploads.mu.Lock()
	ts.srv.uploads.onAssemble = func() {
		close(paused)
		<-resume
	}
	ts.srv.uploads.mu.Unlock()

	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.NoError(t, finishUpload(ts, id, tags...)) // not require: off the test's goroutine
	}()
	select {
	case <-paused:
	case <-time.After(20 * time.Second):
		require.Fail(t, "the assembly did not start")
	}
	other := newUpload(t, ts)
	assert.Equal(t, 200, ts.do(t, "PUT", "/uploads/"+other+"/parts/1", "during").StatusCode)
	assert.Equal(t, 200, ts.do(t, "GET", "/uploads/"+other, "").StatusCode)
	st := ts.do(t, "GET", "/uploads/"+id, "")
	assert.Equal(t, "completing", st.json(t)["state"])
	close(resume)
	<-done

	f := ts.do(t, "GET", "/files/"+id, "")
	require.Equal(t, 200, f.StatusCode)
	want := strings.Repeat("1", 1<<20) + strings.Repeat("2", 1<<20) + strings.Repeat("3", 1<<20)
	assert.True(t, string(f.body) == want, "the file is the parts in order")
	rg := ts.do(t, "GET", "/files/"+id, "", "Range", "bytes=1048575-1048576")
	assert.Equal(t, 206, rg.StatusCode)
	assert.Equal(t, "12", string(rg.body), "a range across two parts")
}

// TestFile_ReadAt compares the file's view of its parts with the joined
// bytes, for every offset and length, including empty parts.
func TestFile_ReadAt(t *testing.T) {
	t.Parallel()
	layouts := map[string][]string{
		"none":        {},
		"one":         {"abcdef"},
		"several":     {"ab", "cde", "f"},
		"empty parts": {"", "ab", "", "", "cd", ""},
	}
	for name, parts := range layouts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			chunks := make([][]byte, len(parts))
			for i, p := range parts {
				chunks[i] = []byte(p)
			}
			f := newFile(chunks)
			joined := []byte(strings.Join(parts, ""))
			require.Equal(t, int64(len(joined)), f.size)
			want := bytes.NewReader(joined)
			for off := int64(0); off <= int64(len(joined))+1; off++ {
				for n := 0; n <= len(joined)+1; n++ {
					got, wantBuf := make([]byte, n), make([]byte, n)
					gn, gerr := f.ReadAt(got, off)
					wn, werr := want.ReadAt(wantBuf, off)
					assert.Equal(t, wn, gn, "off %d len %d", off, n)
					assert.Equal(t, wantBuf[:wn], got[:gn], "off %d len %d", off, n)
					assert.Equal(t, werr, gerr, "off %d len %d", off, n)
				}
			}
			_, err := f.ReadAt(make([]byte, 1), -1)
			assert.Error(t, err)
		})
	}
}

// TestReadPart: parts of known and unknown length, at and over the limit,
// and a body that ends early.
func TestReadPart(t *testing.T) {
	t.Parallel()
	const limit = 100 << 10
	tests := []struct {
		name    string
		body    int   // bytes the client sends
		size    int64 // Content-Length; -1 chunked
		wantErr bool
	}{
		{"known", 1000, 1000, false},
		{"known, empty", 0, 0, false},
		{"known, at the limit", limit, limit, false},
		{"known, body ends early", 10, 1000, true},
		{"chunked", 1000, -1, false},
		{"chunked, empty", 0, -1, false},
		{"chunked, at the limit", limit, -1, false},
		{"chunked, a byte over", limit + 1, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := bytes.Repeat([]byte{'x'}, tc.body)
			rd := http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), limit)
			got, err := readPart(rd, tc.size, limit)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, body, got)
			assert.LessOrEqual(t, cap(got), limit+limit/8, "the capacity stays near the reservation")
		})
	}
}
