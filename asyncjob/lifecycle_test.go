package asyncjob_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

func TestLifecycleCompleted(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("ok")
	s.result = asyncjob.Result{URL: "/reports/files/1.pdf"}

	resp, body := l.do("POST", "/reports", nil, `{"name":"ok"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	doc := parseDoc(t, body)
	assert.True(t, asyncjob.ValidID(doc.JobID))
	assert.Equal(t, "accepted", doc.Status)
	assert.Equal(t, "/jobs/"+doc.JobID, doc.StatusURL)
	// RFC 9110 §15.3.3: 202 with the status monitor in Location.
	assert.Equal(t, "/jobs/"+doc.JobID, resp.Header.Get("Location"))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Empty(t, doc.Estimated, "no hint and no history: unknown")

	<-s.started
	resp, doc = l.waitState(doc.JobID, nil, "processing")
	require.Eventually(t, func() bool {
		resp, body = l.do("GET", "/jobs/"+doc.JobID, nil, "")
		return parseDoc(t, body).Progress == 50
	}, 5*time.Second, time.Millisecond)
	doc = parseDoc(t, body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "half way", doc.Message)
	assert.Equal(t, 1, doc.Attempt)
	assert.NotEmpty(t, doc.StartedAt)
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "Accept", resp.Header.Get("Vary"))
	tag := resp.Header.Get("ETag")
	require.NotEmpty(t, tag)

	// RFC 9110 §13.1.2: a matching If-None-Match costs a 304 that keeps the
	// validator, Cache-Control and Retry-After, and has no body.
	resp, body = l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-None-Match": `"nope", ` + tag}, "")
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	assert.Empty(t, body)
	assert.Equal(t, tag, resp.Header.Get("ETag"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	// Weak comparison: W/"x" matches "x".
	resp, _ = l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-None-Match": "W/" + tag}, "")
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	resp, _ = l.do("HEAD", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	// RFC 9110 §13.1.1: the status goes through the one precondition
	// evaluator, so an If-Match that does not match is a 412 with the
	// envelope and the current tag, and a malformed one fails closed.
	for _, im := range []string{`"stale"`, "abc"} {
		resp, body = l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-Match": im}, "")
		assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "If-Match: %s", im)
		assert.Contains(t, string(body), `"current_etag"`)
	}
	resp, _ = l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-Match": tag}, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	close(s.release)
	resp, doc = l.waitState(doc.JobID, nil, "completed")
	// RFC 9110 §15.4.4: 303 to the result.
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/reports/files/1.pdf", resp.Header.Get("Location"))
	assert.Equal(t, "/reports/files/1.pdf", doc.ResultURL)
	assert.Equal(t, 100, doc.Progress)
	assert.Empty(t, doc.Message, "a progress note does not outlive the work it described")
	// Preconditions are not evaluated for a 303 (RFC 9110 §13.2.1).
	resp, _ = l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-None-Match": "*"}, "")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestEmbeddedResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		embed bool
		res   asyncjob.Result
		want  int
	}{
		{"value only is always embedded", false, asyncjob.Result{Value: json.RawMessage("{\n  \"rows\": 3\n}")}, http.StatusOK},
		{"EmbedResult with URL", true, asyncjob.Result{URL: "/r/1", Value: json.RawMessage(`{"rows":3}`)}, http.StatusOK},
		{"URL without embedding redirects", false, asyncjob.Result{URL: "/r/1"}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLab(t, asyncjob.Options{EmbedResult: tc.embed})
			s := l.script("e")
			s.result = tc.res
			close(s.release)
			doc := l.submit("e", nil)
			resp, doc := l.waitState(doc.JobID, nil, "completed")
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want == http.StatusOK {
				assert.JSONEq(t, `{"rows":3}`, string(doc.Result))
				assert.NotEmpty(t, resp.Header.Get("ETag"))
				assert.Empty(t, resp.Header.Get("Retry-After"), "nothing left to poll for")
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		err       error
		panic     any
		code, msg string
		retryable bool
	}{
		{"typed error", &asyncjob.Error{Code: "QUOTA", Message: "quota exceeded", Retryable: true}, nil, "QUOTA", "quota exceeded", true},
		{"wrapped typed error", fmtWrap(&asyncjob.Error{Code: "BAD_INPUT", Message: "no rows"}), nil, "BAD_INPUT", "no rows", false},
		// Internal error text never reaches the client (CONVENTIONS 15).
		{"untyped error", errors.New("pq: password authentication failed"), nil, "INTERNAL", "the job failed", false},
		{"panic", nil, "boom", "INTERNAL", "the job failed", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			l := newLab(t, asyncjob.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			s := l.script("f")
			s.err, s.panic = tc.err, tc.panic
			close(s.release)
			doc := l.submit("f", nil)
			resp, doc := l.waitState(doc.JobID, nil, "failed")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			require.NotNil(t, doc.Error)
			assert.Equal(t, tc.code, doc.Error.Code)
			assert.Equal(t, tc.msg, doc.Error.Message)
			assert.Equal(t, tc.retryable, doc.Error.Retryable)
			if tc.panic != nil {
				out := logs.String()
				assert.Contains(t, out, "job panicked")
				assert.Contains(t, out, "goroutine", "the stack is logged")
			}
		})
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestTimeout(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	resp, body := l.do("POST", "/reports", nil, `{"name":"slow","timeout":"20ms"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	doc := parseDoc(t, body)
	_, doc = l.waitState(doc.JobID, nil, "failed")
	require.NotNil(t, doc.Error)
	assert.Equal(t, "TIMEOUT", doc.Error.Code)
	assert.True(t, doc.Error.Retryable)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{Workers: 1})
	run := l.script("run")
	doc := l.submit("run", nil)
	<-run.started
	queued := l.submit("queued", nil)

	// A queued job is canceled and never runs.
	resp, body := l.do("DELETE", "/jobs/"+queued.JobID, nil, "")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "canceled", parseDoc(t, body).Status)

	// A running job sees its context canceled.
	resp, body = l.do("DELETE", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "canceled", parseDoc(t, body).Status)
	select {
	case err := <-run.ctxErr:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		require.Fail(t, "job context not canceled")
	}
	// DELETE is idempotent (RFC 9110 §9.2.2).
	resp, body = l.do("DELETE", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "canceled", parseDoc(t, body).Status)
	resp, body = l.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "canceled", parseDoc(t, body).Status)

	// The worker is free again, and the canceled queued job never ran.
	done := l.script("done")
	close(done.release)
	fin := l.submit("done", nil)
	l.waitState(fin.JobID, nil, "completed")
	l.mu.Lock()
	_, ranQueued := l.scripts["queued"]
	l.mu.Unlock()
	assert.False(t, ranQueued)

	// A finished job cannot be canceled: 409 with the envelope.
	resp, body = l.do("DELETE", "/jobs/"+fin.JobID, nil, "")
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.JSONEq(t, `{"error":{"code":"CONFLICT","message":"the job has already finished","status":"completed"}}`, body)
}

func TestOwnership(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	alice := map[string]string{"X-User": "alice"}
	bob := map[string]string{"X-User": "bob"}
	doc := l.submit("own", alice)
	l.waitState(doc.JobID, alice, "processing")
	for _, tc := range []struct {
		method string
		hdr    map[string]string
	}{
		{"GET", bob},
		{"HEAD", bob},
		{"DELETE", bob},
		{"GET", map[string]string{"X-User": "bob", "Accept": "text/event-stream"}},
		{"GET", nil},
	} {
		resp, _ := l.do(tc.method, "/jobs/"+doc.JobID, tc.hdr, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %v", tc.method, tc.hdr)
	}
	resp, _ := l.do("GET", "/jobs/"+doc.JobID, alice, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	for _, path := range []string{"/jobs/nope", "/jobs/" + asyncjob.NewID(), "/jobs/" + strings.Repeat("a", 22)} {
		resp, body := l.do("GET", path, nil, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.JSONEq(t, `{"error":{"code":"NOT_FOUND","message":"job not found"}}`, body)
	}
	resp, _ := l.do("PUT", "/jobs/"+asyncjob.NewID(), nil, "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD, DELETE", resp.Header.Get("Allow"))
}

func TestSubmitErrors(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{MaxBodyBytes: 64})
	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		body   string
		status int
	}{
		{"undecodable body", nil, `{`, http.StatusBadRequest},
		{"payload refused by the kind", nil, `{"name":""}`, http.StatusUnprocessableEntity},
		{"body over MaxBodyBytes", nil, `{"name":"` + strings.Repeat("x", 100) + `"}`, http.StatusRequestEntityTooLarge},
		{"malformed Idempotency-Key", map[string]string{"Idempotency-Key": `"open`}, `{"name":"k"}`, http.StatusBadRequest},
		{"callbacks not enabled", nil, `{"name":"c","callback_url":"https://example.com/hook"}`, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := l.do("POST", "/reports", tc.hdr, tc.body)
			assert.Equal(t, tc.status, resp.StatusCode, body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, `"error":{"code":`)
		})
	}
}

func TestQueueFull(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{Workers: 1, QueueSize: 1, BusyRetryAfter: 7 * time.Second})
	first := l.script("a")
	l.submit("a", nil)
	<-first.started
	l.submit("b", nil) // waits in the queue
	resp, body := l.do("POST", "/reports", nil, `{"name":"c"}`)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.JSONEq(t, `{"error":{"code":"SERVICE_UNAVAILABLE","message":"the job queue is full"}}`, body)
	close(first.release)
	// Once the queue drains, submissions are accepted again.
	require.Eventually(t, func() bool {
		resp, _ := l.do("POST", "/reports", nil, `{"name":"d"}`)
		return resp.StatusCode == http.StatusAccepted
	}, 5*time.Second, time.Millisecond)
}

func TestRetention(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l := newLab(t, asyncjob.Options{Now: clk.Now, Retention: time.Hour})
	close(l.script("r").release)
	key := map[string]string{"Idempotency-Key": `"r-1"`}
	doc := l.submit("r", key)
	l.waitState(doc.JobID, nil, "completed")
	clk.Add(59 * time.Minute)
	resp, _ := l.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	clk.Add(time.Minute)
	resp, _ = l.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "forgotten after the retention")
	// The key expired with its job: the same request makes a new job.
	again := l.submit("r", key)
	assert.NotEqual(t, doc.JobID, again.JobID)
}

func TestEstimate(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l := newLab(t, asyncjob.Options{Now: clk.Now})
	// With a run time observed, the next submission carries an estimate.
	s := l.script("first")
	doc := l.submit("first", nil)
	<-s.started
	clk.Add(10 * time.Second)
	close(s.release)
	l.waitState(doc.JobID, nil, "completed")
	next := l.submit("second", nil)
	want := clk.Now().Add(10 * time.Second).Format(time.RFC3339Nano)
	assert.Equal(t, want, next.Estimated)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
