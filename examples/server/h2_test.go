package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTP2 repeats the wire-sensitive answers over HTTP/2: 304 without a
// body, HEAD, and an event stream that is flushed record by record.
func TestHTTP2(t *testing.T) {
	t.Parallel()
	srv, err := newServer(config{ReportDuration: 500 * time.Millisecond})
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(srv)
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		ts.Close()
	})
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	do := func(method, path string, headers ...string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, ts.URL+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, 2, res.ProtoMajor)
		return res, b
	}

	res, body := do("GET", "/events")
	require.Equal(t, 200, res.StatusCode)
	tag := res.Header.Get("ETag")
	res, body304 := do("GET", "/events", "If-None-Match", tag)
	assert.Equal(t, 304, res.StatusCode)
	assert.Empty(t, body304)
	assert.Equal(t, "public, max-age=60", res.Header.Get("Cache-Control"))
	res, bodyHead := do("HEAD", "/events")
	assert.Equal(t, 200, res.StatusCode)
	assert.Empty(t, bodyHead)
	assert.Equal(t, int64(len(body)), res.ContentLength)

	sub, err := client.Post(ts.URL+"/reports", "application/json",
		strings.NewReader(`{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`))
	require.NoError(t, err)
	sub.Body.Close()
	require.Equal(t, 202, sub.StatusCode)
	req, err := http.NewRequest("GET", ts.URL+sub.Header.Get("Location"), nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	stream, err := client.Do(req)
	require.NoError(t, err)
	defer stream.Body.Close()
	require.Equal(t, 2, stream.ProtoMajor)
	var events []string
	sc := bufio.NewScanner(stream.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, ev)
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, events)
	assert.Equal(t, "completed", events[len(events)-1])
	assert.Greater(t, len(events), 1, "records arrive as they happen: %v", events)
}
