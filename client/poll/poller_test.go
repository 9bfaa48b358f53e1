package poll_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/client/poll"
	"github.com/httpsem/httpsem/httperr"
)

func newPoller(t *testing.T, srv *httptest.Server, opts poll.Options) *poll.Poller {
	t.Helper()
	opts.Client = srv.Client()
	opts.MinInterval = -1
	opts.MaxInterval = time.Millisecond
	p, err := poll.New(opts)
	require.NoError(t, err)
	return p
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func status(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// RFC 9110 §15.3.3: a 202 must say where the status is.
func TestNoStatusURL(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { status(w, 202, `{"status":"accepted"}`) })
	req, _ := http.NewRequest("POST", srv.URL, nil)
	_, err := newPoller(t, srv, poll.Options{}).Submit(t.Context(), req)
	assert.ErrorIs(t, err, poll.ErrNoStatusURL)
}

// 503 with Retry-After is transient (retried); 404 is not; both decode the
// envelope into *httperr.Error.
func TestTransientAndFatalErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 2:
			w.Header().Set("Retry-After", "0")
			httperr.Write(w, r, nil, httperr.New(503, httperr.CodeUnavailable, "busy"))
		case 3:
			status(w, 200, `{"status":"processing","progress":50}`)
		default:
			httperr.Write(w, r, nil, httperr.New(404, httperr.CodeNotFound, "job not found"))
		}
	})
	res, err := newPoller(t, srv, poll.Options{}).Wait(t.Context(), srv.URL+"/jobs/1")
	var he *httperr.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 404, he.Status)
	assert.Equal(t, httperr.CodeNotFound, he.Code)
	assert.Equal(t, "job not found", he.Message)
	assert.Equal(t, 50, res.Status.Progress)
	assert.Equal(t, 4, res.Requests)

	// MaxErrors bounds the transient ones.
	srv2 := serve(t, func(w http.ResponseWriter, r *http.Request) {
		httperr.Write(w, r, nil, httperr.New(503, httperr.CodeUnavailable, "busy"))
	})
	res, err = newPoller(t, srv2, poll.Options{MaxErrors: 2}).Wait(t.Context(), srv2.URL)
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 503, he.Status)
	assert.Equal(t, 3, res.Requests)
}

// RFC 9110 §13.1.2: the ETag of the last status goes back as
// If-None-Match; a 304 is no progress report.
func TestIfNoneMatch(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var seen []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("If-None-Match"))
		switch n.Add(1) {
		case 1:
			w.Header().Set("ETag", `"1"`)
			status(w, 200, `{"status":"processing"}`)
		case 2, 3:
			w.WriteHeader(304)
		default:
			w.Header().Set("Location", "/result")
			status(w, 303, `{"status":"completed","progress":100}`)
		}
	})
	reports := 0
	res, err := newPoller(t, srv, poll.Options{ProgressFunc: func(poll.Status) { reports++ }}).Wait(t.Context(), srv.URL+"/jobs/1")
	require.NoError(t, err)
	assert.Equal(t, []string{"", `"1"`, `"1"`, `"1"`}, seen)
	assert.Equal(t, 2, res.NotModified)
	assert.Equal(t, 2, reports)
	assert.Equal(t, srv.URL+"/result", res.URL)
}

// A failed or canceled terminal status is the typed error.
func TestTerminalErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want error
	}{
		{`{"status":"failed","error":{"code":"DATA_TOO_LARGE","message":"narrow it","retryable":true}}`, &asyncjob.Error{Code: "DATA_TOO_LARGE", Message: "narrow it", Retryable: true}},
		{`{"status":"failed"}`, &asyncjob.Error{Code: asyncjob.CodeInternal, Message: "the job failed"}},
		{`{"status":"canceled"}`, poll.ErrCanceled},
		{`{"status":"exploded"}`, poll.ErrUnexpected},
		{`not json`, poll.ErrUnexpected},
	} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { status(w, 200, tc.body) })
		_, err := newPoller(t, srv, poll.Options{}).Wait(t.Context(), srv.URL)
		if je, ok := tc.want.(*asyncjob.Error); ok {
			var got *asyncjob.Error
			require.ErrorAs(t, err, &got, tc.body)
			assert.Equal(t, je, got)
		} else {
			assert.ErrorIs(t, err, tc.want, tc.body)
		}
	}
}

// RFC 7240 §4.3: Prefer: wait=N, rounded up to whole seconds, on the
// submission only; an answer that is final ends at once.
func TestPreferWait(t *testing.T) {
	t.Parallel()
	var prefer string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		prefer = r.Header.Get("Prefer")
		w.Header().Set("Content-Location", "/jobs/1")
		w.Header().Set("Preference-Applied", "wait=3")
		w.Header().Set("Location", "/done")
		status(w, 303, `{"status":"completed"}`)
	})
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("{}"))
	res, err := newPoller(t, srv, poll.Options{Wait: 2500 * time.Millisecond}).Submit(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "wait=3", prefer)
	assert.Empty(t, req.Header.Get("Prefer"), "the caller's request is not modified")
	assert.Equal(t, 1, res.Requests)
	assert.Equal(t, srv.URL+"/done", res.URL)
}

// HTML §9.2: a dropped stream is resumed with Last-Event-ID; the retry
// field is honoured (clamped).
func TestEventsReconnect(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var lastIDs []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		w.Header().Set("Content-Type", "text/event-stream")
		switch n.Add(1) {
		case 1:
			_, _ = io.WriteString(w, "retry: 1\n: comment\nid: 1\nevent: processing\ndata: {\"status\":\"processing\",\ndata: \"progress\":10}\n\n")
		case 2:
			_, _ = io.WriteString(w, ": heartbeat only\n\n")
		default:
			_, _ = io.WriteString(w, "id: 3\r\nevent: completed\r\ndata: {\"status\":\"completed\",\"progress\":100,\"result_url\":\"/r\"}\r\n\r\n")
		}
	})
	var progress []int
	res, err := newPoller(t, srv, poll.Options{Events: true, ProgressFunc: func(s poll.Status) { progress = append(progress, s.Progress) }}).Wait(t.Context(), srv.URL+"/jobs/1")
	require.NoError(t, err)
	assert.Equal(t, []string{"", "1", "1"}, lastIDs)
	assert.Equal(t, []int{10, 100}, progress)
	assert.Equal(t, srv.URL+"/r", res.URL)
}

// An event stream's 204 means the job ended: ask the status URL.
func TestEvents204(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "text/event-stream" {
			w.WriteHeader(204)
			return
		}
		status(w, 200, `{"status":"canceled"}`)
	})
	_, err := newPoller(t, srv, poll.Options{Events: true}).Wait(t.Context(), srv.URL)
	assert.ErrorIs(t, err, poll.ErrCanceled)
}

// A stream without events is bounded by MaxErrors; an oversized record is
// refused.
func TestEventsBounded(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		if r.URL.Path == "/big" {
			_, _ = io.WriteString(w, "data: "+strings.Repeat("x", 2000)+"\n\n")
		}
	})
	_, err := newPoller(t, srv, poll.Options{Events: true, MaxErrors: 2}).Wait(t.Context(), srv.URL)
	assert.ErrorIs(t, err, poll.ErrUnexpected)
	assert.Equal(t, int32(3), n.Load())
	_, err = newPoller(t, srv, poll.Options{Events: true, MaxStatusBytes: 1000}).Wait(t.Context(), srv.URL+"/big")
	assert.ErrorContains(t, err, "over 1000 bytes")
}

// Context cancellation stops the wait; CancelOnExit sends DELETE.
func TestCancelOnExit(t *testing.T) {
	t.Parallel()
	deleted := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			close(deleted)
			status(w, 202, `{"status":"canceled"}`)
			return
		}
		status(w, 200, `{"status":"processing"}`)
	})
	ctx, cancel := context.WithCancel(t.Context())
	polls := 0
	p := newPoller(t, srv, poll.Options{CancelOnExit: true, ProgressFunc: func(poll.Status) {
		if polls++; polls == 2 {
			cancel()
		}
	}})
	_, err := p.Wait(ctx, srv.URL)
	assert.ErrorIs(t, err, context.Canceled)
	select {
	case <-deleted:
	default:
		require.Fail(t, "no DELETE was sent")
	}
	// Without the option, no DELETE.
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	_, err = newPoller(t, srv, poll.Options{}).Wait(ctx2, srv.URL)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWaitNeedsAbsoluteURL(t *testing.T) {
	t.Parallel()
	p, err := poll.New(poll.Options{})
	require.NoError(t, err)
	_, err = p.Wait(t.Context(), "/jobs/1")
	assert.ErrorContains(t, err, "not absolute")
}

// A response built by hand (no Request) resolves only absolute URLs and
// never panics.
func TestFollowHandBuilt(t *testing.T) {
	t.Parallel()
	p, err := poll.New(poll.Options{})
	require.NoError(t, err)
	for _, res := range []*http.Response{
		{StatusCode: 202, Header: http.Header{"Location": {"/jobs/1"}}, Body: http.NoBody},
		{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"status":"processing"}`))},
	} {
		_, err := p.Follow(t.Context(), res)
		assert.ErrorIs(t, err, poll.ErrNoStatusURL)
	}
	res := &http.Response{StatusCode: 303, Header: http.Header{"Location": {"https://example.com/r"}}, Body: http.NoBody}
	r, err := p.Follow(t.Context(), res)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/r", r.URL)
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&asyncjob.Error{Code: "DATA_TOO_LARGE", Retryable: true}, true},
		{fmt.Errorf("wrapped: %w", &asyncjob.Error{Code: "X"}), false},
		{httperr.New(503, httperr.CodeUnavailable, "busy"), true},  // RFC 9110 §15.6.4
		{httperr.New(429, "TOO_MANY_REQUESTS", "slow down"), true}, // RFC 6585 §4
		{httperr.New(404, httperr.CodeNotFound, "gone"), false},
		{poll.ErrCanceled, false},
		{context.Canceled, false},
		{nil, false},
	} {
		assert.Equal(t, tc.want, poll.Retryable(tc.err), "%v", tc.err)
	}
}
