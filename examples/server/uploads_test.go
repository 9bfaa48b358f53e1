package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUploads(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	created := ts.do(t, "POST", "/uploads", `{"filename":"data.txt","content_type":"text/plain"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	up := created.json(t)
	id, _ := up["upload_id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, "/uploads/"+id, created.Header.Get("Location"))

	part := func(n, data string) response {
		return ts.do(t, "PUT", "/uploads/"+id+"/parts/"+n, data, "Content-Type", "application/octet-stream")
	}
	p1 := part("1", "hello, ")
	require.Equal(t, 200, p1.StatusCode, "body: %s", p1.body)
	tag1 := p1.Header.Get("ETag")
	require.NotEmpty(t, tag1)
	assert.Equal(t, tag1, p1.json(t)["etag"])
	p2 := part("2", "wrold")
	require.Equal(t, 200, p2.StatusCode)
	// A part is retried on its own: replacing it changes its ETag.
	p2b := part("2", "world")
	require.Equal(t, 200, p2b.StatusCode)
	tag2 := p2b.Header.Get("ETag")
	assert.NotEqual(t, p2.Header.Get("ETag"), tag2)
	assert.Equal(t, 400, part("0", "x").StatusCode)
	assert.Equal(t, 400, part("01", "x").StatusCode)
	assert.Equal(t, 400, part("1001", "x").StatusCode)
	assert.Equal(t, 404, ts.do(t, "PUT", "/uploads/nope/parts/1", "x").StatusCode)

	// The server says which parts it holds, for a client resuming.
	st := ts.do(t, "GET", "/uploads/"+id, "")
	require.Equal(t, 200, st.StatusCode)
	assert.Len(t, st.json(t)["parts"], 2)

	complete := func(body string, headers ...string) response {
		return ts.do(t, "POST", "/uploads/"+id+"/complete", body, append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	list := func(entries ...string) string { return `{"parts":[` + strings.Join(entries, ",") + `]}` }
	entry := func(n int, tag string) string {
		b, _ := json.Marshal(map[string]any{"part_number": n, "etag": tag})
		return string(b)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"stale part ETag", list(entry(1, tag1), entry(2, p2.Header.Get("ETag"))), 400, "INVALID_PART"},
		{"missing part", list(entry(1, tag1), entry(2, tag2), entry(3, tag2)), 409, "MISSING_PART"},
		{"out of order", list(entry(2, tag2), entry(1, tag1)), 400, "BAD_REQUEST"},
		{"repeated", list(entry(1, tag1), entry(1, tag1)), 400, "BAD_REQUEST"},
		{"not an ETag", list(entry(1, "abc")), 400, "BAD_REQUEST"},
		{"empty", list(), 400, "BAD_REQUEST"},
		{"malformed", `{"parts":`, 400, "BAD_REQUEST"},
	}
	for _, tc := range tests {
		res := complete(tc.body)
		assert.Equal(t, tc.status, res.StatusCode, "%s: %s", tc.name, res.body)
		assert.Equal(t, tc.code, res.errorCode(t), tc.name)
	}

	good := list(entry(1, tag1), entry(2, tag2))
	acc := complete(good, "Idempotency-Key", "upload-"+id)
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	again := complete(good, "Idempotency-Key", "upload-"+id)
	require.Equal(t, 202, again.StatusCode, "body: %s", again.body)
	assert.Equal(t, acc.json(t)["job_id"], again.json(t)["job_id"])

	final, _ := ts.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	assert.Equal(t, "/files/"+id, final.Header.Get("Location"))

	f := ts.do(t, "GET", "/files/"+id, "")
	require.Equal(t, 200, f.StatusCode)
	assert.Equal(t, "hello, world", string(f.body))
	assert.Equal(t, "text/plain", f.Header.Get("Content-Type"))
	assert.Equal(t, "private, max-age=31536000, immutable", f.Header.Get("Cache-Control"))
	assert.Equal(t, 304, ts.do(t, "GET", "/files/"+id, "", "If-None-Match", f.Header.Get("ETag")).StatusCode)
	rg := ts.do(t, "GET", "/files/"+id, "", "Range", "bytes=7-")
	assert.Equal(t, 206, rg.StatusCode)
	assert.Equal(t, "world", string(rg.body))

	// The parts are fixed once completed.
	assert.Equal(t, 409, part("3", "late").StatusCode)
	assert.Equal(t, 409, complete(list(entry(1, tag1))).StatusCode)
	assert.Equal(t, 404, ts.do(t, "GET", "/files/nope", "").StatusCode)

	bad := ts.do(t, "POST", "/uploads", `{"content_type":"text/plain"}`, "Content-Type", "application/json")
	assert.Equal(t, 422, bad.StatusCode)
	bad = ts.do(t, "POST", "/uploads", `{"filename":"a","content_type":"not a type"}`, "Content-Type", "application/json")
	assert.Equal(t, 422, bad.StatusCode)
}
