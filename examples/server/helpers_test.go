package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/internal/testenv"
)

// newTestClock returns the settable test clock of internal/testenv, started at
// a fixed time, for tests of Last-Modified and If-(Un)Modified-Since.
func newTestClock() *testenv.Clock {
	return testenv.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
}

// testServer is the service behind a real HTTP server (httptest.NewServer),
// since 304, HEAD and Content-Length are only observable on the wire.
type testServer struct {
	*httptest.Server
	srv    *server
	client *http.Client
}

// startServer starts the service with cfg; reports default to 200ms per year
// so that tests run fast.
func startServer(t *testing.T, cfg config) *testServer {
	t.Helper()
	if cfg.ReportDuration == 0 {
		cfg.ReportDuration = 200 * time.Millisecond
	}
	srv, err := newServer(cfg)
	require.NoError(t, err)
	// The connection limits of main's server, so that every test runs
	// under them.
	ts := httptest.NewUnstartedServer(srv)
	srv.timeouts.configure(ts.Config)
	ts.Start()
	client := ts.Client()
	// Every response a test receives is validated against openapi.json.
	client.Transport = newOpenAPIChecker(t, ts.URL, client.Transport)
	// Tests look at 303s themselves.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx)) // ends SSE streams first
		ts.Close()
		ts.Client().CloseIdleConnections()
	})
	return &testServer{Server: ts, srv: srv, client: client}
}

// response is a response with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errorCode returns error.code of the JSON envelope, checking its shape.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	require.True(t, ok, "no error envelope: %s", r.body)
	assert.NotEmpty(t, e["message"])
	code, _ := e["code"].(string)
	return code
}

// do sends one request; headers alternate name, value.
func (ts *testServer) do(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	r, err := ts.send(method, path, body, headers...)
	require.NoError(t, err)
	return r
}

// send is do without assertions, for goroutines other than the test's,
// where require must not be called.
func (ts *testServer) send(method, path, body string, headers ...string) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := ts.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{Response: res, body: b}, nil
}

// waitJob polls a job's status URL until it leaves accepted/processing and
// returns the last response and the progress values seen on the way.
func (ts *testServer) waitJob(t *testing.T, statusURL string) (response, []int) {
	t.Helper()
	last, progress, err := ts.pollJob(statusURL)
	require.NoError(t, err)
	return last, progress
}

// pollJob is waitJob without assertions, for goroutines other than the
// test's: it fails with an error where waitJob fails the test.
func (ts *testServer) pollJob(statusURL string) (response, []int, error) {
	var (
		last     response
		progress []int
		err      error
	)
	// A manual poll rather than require.Eventually: the condition uses
	// require, which must run on the test goroutine.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		last, err = ts.send(http.MethodGet, statusURL, "")
		if err != nil {
			return last, progress, err
		}
		if last.StatusCode != http.StatusOK {
			break
		}
		var m map[string]any
		if err := json.Unmarshal(last.body, &m); err != nil {
			return last, progress, fmt.Errorf("%w; body: %s", err, last.body)
		}
		if p, ok := m["progress"].(float64); ok {
			progress = append(progress, int(p))
		}
		if m["status"] != "accepted" && m["status"] != "processing" {
			break
		}
		if !time.Now().Before(deadline) {
			return last, progress, fmt.Errorf("job %s did not finish: %s", statusURL, last.body)
		}
		<-tick.C
	}
	return last, progress, nil
}
