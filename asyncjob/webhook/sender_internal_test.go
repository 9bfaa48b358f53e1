package webhook

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rebind makes the sender's transport connect to target whenever it dials
// host, the way a DNS answer would, while still going through the guarded
// dialer: the situation of a name that passed ValidateURL and then resolved
// to a forbidden address (DNS rebinding).
func rebind(s *Sender, host, target string) {
	guarded := s.transport.DialContext
	s.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, _, _ := net.SplitHostPort(addr); h == host {
			addr = target
		}
		return guarded(ctx, network, addr)
	}
}

func TestSendRefusesAtDialTime(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	target := srv.Listener.Addr().String() // 127.0.0.1:port
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	cb := "http://rebind.example:" + u.Port() + "/hook"
	require.NoError(t, ValidateURL(cb, false), "the name must pass the literal check")

	for _, tc := range []struct {
		name     string
		loopback bool
	}{{"refused", false}, {"control: loopback allowed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSender(Options{Secret: make([]byte, 32), AllowLoopback: tc.loopback, MaxAttempts: 3,
				InitialBackoff: time.Microsecond, MaxBackoff: time.Microsecond})
			require.NoError(t, err)
			t.Cleanup(s.Close)
			rebind(s, "rebind.example", target)
			before := hits.Load()

			d := s.Send(t.Context(), cb, "msg_1", []byte(`{}`))
			if tc.loopback {
				// Proves the rewrite reaches the server, so the refusal
				// above is the guard's doing.
				assert.True(t, d.Delivered, "delivery failed: %v", d.Err)
				assert.Equal(t, before+1, hits.Load())
				return
			}
			assert.False(t, d.Delivered)
			assert.Equal(t, 1, d.Attempts, "a refused destination is not retried")
			assert.ErrorIs(t, d.Err, ErrForbiddenAddress)
			var ae *AddressError
			require.ErrorAs(t, d.Err, &ae)
			assert.Equal(t, "127.0.0.1", ae.Addr.String())
			assert.Equal(t, ErrForbiddenAddress.Error(), d.Error, "no address in the public error")
			assert.Equal(t, before, hits.Load(), "the receiver must not be reached")
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	maxRand := func(n int64) int64 { return n - 1 }
	zeroRand := func(int64) int64 { return 0 }
	s := &Sender{initial: time.Second, max: 10 * time.Second, randN: maxRand}
	var got []time.Duration
	for attempt := 1; attempt <= 6; attempt++ {
		got = append(got, s.backoff(attempt, 0))
	}
	ns := time.Nanosecond
	assert.Equal(t, []time.Duration{time.Second - ns, 2*time.Second - ns, 4*time.Second - ns,
		8*time.Second - ns, 10*time.Second - ns, 10*time.Second - ns}, got, "ceilings double up to max")

	s.randN = zeroRand
	assert.Zero(t, s.backoff(3, 0), "full jitter reaches zero")
	assert.Equal(t, 3*time.Second, s.backoff(1, 3*time.Second), "Retry-After lengthens the wait")
	assert.Equal(t, 10*time.Second, s.backoff(1, time.Hour), "Retry-After is capped at MaxBackoff")

	var seen int64
	s = &Sender{initial: 1 << 62, max: 1<<63 - 1, randN: func(n int64) int64 { seen = n; return 0 }}
	s.backoff(60, 0)
	assert.Equal(t, int64(1<<63-1), seen, "the ceiling saturates at max instead of overflowing")
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute}, // RFC 9110 §10.2.3 delay-seconds
		{"Thu, 01 Jan 2026 00:00:30 GMT", 30 * time.Second}, // HTTP-date
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0},                // in the past
		{"-5", 0},
		{"+5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999", 0}, // beyond 32 bits: ignored rather than overflowed
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, parseRetryAfter(tc.in, now), "%q", tc.in)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	assert.NoError(t, sleep(t.Context(), 0))
	assert.NoError(t, sleep(t.Context(), time.Microsecond))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, sleep(ctx, time.Hour), context.Canceled)
	assert.ErrorIs(t, sleep(ctx, 0), context.Canceled)
}
