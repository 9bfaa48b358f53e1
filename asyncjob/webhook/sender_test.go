package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// receiver is an httptest server that verifies every delivery and answers
// with the statuses in script, then 200 once the script runs out.
type receiver struct {
	srv    *httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	ids    []string
	stamps []string
	errs   []error // Verify results, one per hit
}

func newReceiver(t *testing.T, secret []byte, now func() time.Time, script ...int) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(rc.hits.Add(1))
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		err := webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{Now: now})
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			err = errors.New("wrong method or content type")
		}
		rc.mu.Lock()
		rc.ids = append(rc.ids, r.Header.Get(webhook.HeaderID))
		rc.stamps = append(rc.stamps, r.Header.Get(webhook.HeaderTimestamp))
		rc.errs = append(rc.errs, err)
		rc.mu.Unlock()
		if n <= len(script) {
			w.WriteHeader(script[n-1])
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func newSender(t *testing.T, opts webhook.Options) *webhook.Sender {
	t.Helper()
	if opts.Secret == nil {
		opts.Secret = testSecret()
	}
	if opts.InitialBackoff == 0 {
		// Tiny backoffs keep retry tests fast; the schedule itself is
		// checked in backoff_test.go with a fixed random source.
		opts.InitialBackoff = time.Microsecond
		opts.MaxBackoff = 10 * time.Microsecond
	}
	s, err := webhook.NewSender(opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	rc := newReceiver(t, secret, nil)
	s := newSender(t, webhook.Options{Secret: secret, AllowLoopback: true})

	body := []byte(`{"job_id":"j1","status":"completed"}`)
	d := s.Send(t.Context(), rc.srv.URL+"/hook", "msg_1", body)
	require.True(t, d.Delivered, "delivery failed: %v", d.Err)
	assert.Equal(t, 1, d.Attempts)
	assert.Equal(t, http.StatusOK, d.StatusCode)
	assert.Empty(t, d.Error)
	assert.NoError(t, d.Err)
	assert.False(t, d.FinishedAt.IsZero())
	require.Len(t, rc.errs, 1)
	assert.NoError(t, rc.errs[0], "the receiver must verify the signature")
	assert.Equal(t, []string{"msg_1"}, rc.ids)
}

func TestSendRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	// The clock advances a second per call, so each attempt carries its own
	// timestamp (the specification's "timestamp of the attempt").
	var tick atomic.Int64
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }
	rc := newReceiver(t, secret, now, 503, 500, 429)
	s := newSender(t, webhook.Options{Secret: secret, AllowLoopback: true, Now: now})

	d := s.Send(t.Context(), rc.srv.URL, "msg_retry", []byte(`{}`))
	require.True(t, d.Delivered, "delivery failed: %v", d.Err)
	assert.Equal(t, 4, d.Attempts)
	assert.Equal(t, int32(4), rc.hits.Load())
	assert.Equal(t, http.StatusOK, d.StatusCode)
	for i, err := range rc.errs {
		assert.NoError(t, err, "attempt %d must verify", i+1)
	}
	// Same id on every attempt, so the receiver can deduplicate.
	assert.Equal(t, []string{"msg_retry", "msg_retry", "msg_retry", "msg_retry"}, rc.ids)
	assert.Len(t, uniq(rc.stamps), 4, "each attempt is signed with a fresh timestamp")
}

func uniq(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, testSecret(), nil, 500, 502, 503, 504, 500)
	s := newSender(t, webhook.Options{AllowLoopback: true, MaxAttempts: 3})
	d := s.Send(t.Context(), rc.srv.URL, "msg_1", nil)
	assert.False(t, d.Delivered)
	assert.Equal(t, 3, d.Attempts)
	assert.Equal(t, int32(3), rc.hits.Load())
	assert.Equal(t, http.StatusServiceUnavailable, d.StatusCode, "status of the last attempt")
	assert.ErrorIs(t, d.Err, webhook.ErrStatus)
	assert.Equal(t, "webhook: receiver answered 503", d.Error)
}

func TestSendDoesNotRetry(t *testing.T) {
	t.Parallel()
	// Standard Webhooks "Delivery success and failure": only 2xx succeeds;
	// 4xx other than 429 will not get better by repeating; 3xx is a failure
	// because redirects are not followed.
	for _, status := range []int{400, 401, 403, 404, 409, 410, 413, 422, 301, 302, 304, 307, 308} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, testSecret(), nil, status, status)
			s := newSender(t, webhook.Options{AllowLoopback: true})
			d := s.Send(t.Context(), rc.srv.URL, "msg_1", []byte(`{}`))
			assert.False(t, d.Delivered)
			assert.Equal(t, 1, d.Attempts)
			assert.Equal(t, int32(1), rc.hits.Load())
			assert.Equal(t, status, d.StatusCode)
			assert.ErrorIs(t, d.Err, webhook.ErrStatus)
		})
	}
}

func TestSendOtherSuccessStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{201, 202, 204, 299} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, testSecret(), nil, status)
			s := newSender(t, webhook.Options{AllowLoopback: true})
			d := s.Send(t.Context(), rc.srv.URL, "msg_1", nil)
			assert.True(t, d.Delivered)
			assert.Equal(t, status, d.StatusCode)
		})
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var target atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(http.ResponseWriter, *http.Request) { target.Add(1) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true})

	d := s.Send(t.Context(), srv.URL+"/hook", "msg_1", []byte(`{}`))
	assert.False(t, d.Delivered)
	assert.Equal(t, http.StatusTemporaryRedirect, d.StatusCode)
	assert.Equal(t, 1, d.Attempts)
	assert.Contains(t, d.Error, "redirects are not followed")
	assert.Zero(t, target.Load(), "the redirect target must never be contacted")
}

func TestSendRetriesNetworkErrors(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			// Drop the connection without an answer: a network error.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true})

	d := s.Send(t.Context(), srv.URL, "msg_1", []byte(`{}`))
	require.True(t, d.Delivered, "delivery failed: %v", d.Err)
	assert.Equal(t, 3, d.Attempts)
	assert.Equal(t, int32(3), hits.Load())
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens on u any more
	s := newSender(t, webhook.Options{AllowLoopback: true, MaxAttempts: 2})

	d := s.Send(t.Context(), u, "msg_1", nil)
	assert.False(t, d.Delivered)
	assert.Equal(t, 2, d.Attempts)
	assert.Zero(t, d.StatusCode)
	assert.Equal(t, "webhook: connection failed", d.Error)
	assert.NotContains(t, d.Error, "127.0.0.1", "Outcome.Error carries no internal detail")
	assert.Error(t, d.Err)
}

func TestSendAttemptTimeout(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done() // answer only when the client gives up
	}))
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true, MaxAttempts: 2, Timeout: 20 * time.Millisecond})

	d := s.Send(t.Context(), srv.URL, "msg_1", nil)
	assert.False(t, d.Delivered)
	assert.Equal(t, 2, d.Attempts, "a timed-out attempt is retried")
	assert.Equal(t, "webhook: request timed out", d.Error)
	assert.ErrorIs(t, d.Err, context.DeadlineExceeded)
}

func TestSendCancelStopsRetries(t *testing.T) {
	t.Parallel()
	first := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			defer close(first)
		}
		// An hour's Retry-After, within MaxBackoff: the sender would wait
		// that long if cancellation did not end the wait.
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Hour})

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan webhook.Outcome, 1)
	go func() { done <- s.Send(ctx, srv.URL, "msg_1", nil) }()
	<-first
	cancel()
	select {
	case d := <-done:
		assert.False(t, d.Delivered)
		assert.Equal(t, 1, d.Attempts)
		assert.Equal(t, "webhook: delivery canceled", d.Error)
		assert.ErrorIs(t, d.Err, context.Canceled)
	case <-time.After(30 * time.Second):
		require.Fail(t, "Send did not return after its context was canceled")
	}
	assert.Equal(t, int32(1), hits.Load())
}

func TestSendCanceledContext(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, testSecret(), nil)
	s := newSender(t, webhook.Options{AllowLoopback: true})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	d := s.Send(ctx, rc.srv.URL, "msg_1", nil)
	assert.False(t, d.Delivered)
	assert.Zero(t, d.Attempts)
	assert.ErrorIs(t, d.Err, context.Canceled)
	assert.Zero(t, rc.hits.Load())
}

func TestSendRefusesLoopbackByDefault(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, testSecret(), nil)
	s := newSender(t, webhook.Options{}) // AllowLoopback false: the default

	for _, u := range []string{
		rc.srv.URL,
		"http://localhost:" + port(t, rc.srv.URL),
		"http://[::ffff:127.0.0.1]:" + port(t, rc.srv.URL),
	} {
		d := s.Send(t.Context(), u, "msg_1", nil)
		assert.False(t, d.Delivered, u)
		assert.Zero(t, d.Attempts, "%s: refused before any request", u)
		assert.ErrorIs(t, d.Err, webhook.ErrForbiddenAddress, u)
	}
	assert.Zero(t, rc.hits.Load())
}

func port(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Port()
}

func TestSendRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	s := newSender(t, webhook.Options{AllowLoopback: true})
	tests := []struct {
		name, url, id string
		want          error
	}{
		{name: "scheme", url: "ftp://example.com/", id: "msg_1", want: webhook.ErrInvalidURL},
		{name: "private", url: "http://10.0.0.1/", id: "msg_1", want: webhook.ErrForbiddenAddress},
		{name: "empty id", url: "http://127.0.0.1:1/", id: "", want: webhook.ErrInvalidMessageID},
		{name: "dot in id", url: "http://127.0.0.1:1/", id: "msg.1", want: webhook.ErrInvalidMessageID},
		{name: "space in id", url: "http://127.0.0.1:1/", id: "msg 1", want: webhook.ErrInvalidMessageID},
		{name: "control in id", url: "http://127.0.0.1:1/", id: "msg\n1", want: webhook.ErrInvalidMessageID},
		{name: "long id", url: "http://127.0.0.1:1/", id: string(bytes.Repeat([]byte("a"), 257)), want: webhook.ErrInvalidMessageID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := s.Send(t.Context(), tc.url, tc.id, nil)
			assert.False(t, d.Delivered)
			assert.Zero(t, d.Attempts)
			assert.ErrorIs(t, d.Err, tc.want)
			assert.NotEmpty(t, d.Error)
			assert.False(t, d.FinishedAt.IsZero())
		})
	}
}

func TestNewSenderErrors(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewSender(webhook.Options{})
	assert.ErrorIs(t, err, webhook.ErrSecretLength, "a secret is required")
	_, err = webhook.NewSender(webhook.Options{Secret: []byte("short")})
	assert.ErrorIs(t, err, webhook.ErrSecretLength)
	_, err = webhook.NewSender(webhook.Options{Secret: testSecret(), Client: &http.Client{Transport: roundTripFunc(nil)}})
	assert.ErrorIs(t, err, webhook.ErrUnsupportedTransport)
	// The Options rule: negative counts and durations are rejected.
	for _, tc := range []struct {
		field string
		opts  webhook.Options
	}{
		{"MaxAttempts", webhook.Options{MaxAttempts: -1}},
		{"InitialBackoff", webhook.Options{InitialBackoff: -1}},
		{"MaxBackoff", webhook.Options{MaxBackoff: -1}},
		{"Timeout", webhook.Options{Timeout: -1}},
	} {
		tc.opts.Secret = testSecret()
		_, err = webhook.NewSender(tc.opts)
		assert.EqualError(t, err, "webhook: Options."+tc.field+": must not be negative")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSendWithTLSClient(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	var verr atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{}); err != nil {
			verr.Store(err)
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	client := srv.Client()
	// A proxy that does not exist: the Sender must drop it and dial the
	// receiver itself, or the guard would judge the proxy's address.
	client.Transport.(*http.Transport).Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: "10.255.255.1:1"})
	s := newSender(t, webhook.Options{Secret: secret, AllowLoopback: true, Client: client})
	d := s.Send(t.Context(), srv.URL, "msg_tls", []byte(`{"a":1}`))
	require.True(t, d.Delivered, "delivery failed: %v", d.Err)
	assert.Nil(t, verr.Load())

	// The caller's client must be left as it was.
	assert.NotNil(t, client.Transport.(*http.Transport).Proxy)
}

func TestSendReusesConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A body the sender does not need: drained (within the limit) so the
		// connection stays reusable.
		_, _ = w.Write(bytes.Repeat([]byte("x"), 4096))
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true})
	for range 3 {
		d := s.Send(t.Context(), srv.URL, "msg_1", nil)
		require.True(t, d.Delivered, "delivery failed: %v", d.Err)
	}
	assert.Equal(t, int32(1), conns.Load())
}

func TestSendLargeResponseBody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		// Far more than MaxResponseDrain; the write fails once the sender
		// stops reading and closes, which ends this handler.
		for range 1024 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	s := newSender(t, webhook.Options{AllowLoopback: true})
	d := s.Send(t.Context(), srv.URL, "msg_1", nil)
	assert.True(t, d.Delivered)
}

func TestSendLogsWithoutURLSecrets(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, testSecret(), nil, 500)
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSender(t, webhook.Options{AllowLoopback: true, Logger: log})
	d := s.Send(t.Context(), rc.srv.URL+"/cb?token=s3cret", "msg_1", nil)
	require.True(t, d.Delivered)
	out := buf.String()
	assert.Contains(t, out, "retrying")
	assert.Contains(t, out, "webhook delivered")
	assert.NotContains(t, out, "s3cret")
}

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

func TestOutcomeJSON(t *testing.T) {
	t.Parallel()
	d := webhook.Outcome{
		Attempts: 2, StatusCode: 503, Error: "webhook: receiver answered 503",
		FinishedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Err: errors.New("internal"),
	}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.JSONEq(t, `{"delivered":false,"attempts":2,"status_code":503,
		"error":"webhook: receiver answered 503","finished_at":"2026-01-02T03:04:05Z"}`, string(b))
}
