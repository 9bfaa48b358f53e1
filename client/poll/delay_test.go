package poll

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	at := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"delay-seconds", http.Header{"Retry-After": {"5"}}, 5 * time.Second, true},               // RFC 9110 §10.2.3
		{"zero", http.Header{"Retry-After": {"0"}}, 0, true},                                      // RFC 9110 §10.2.3
		{"HTTP-date", http.Header{"Retry-After": {at(30 * time.Second)}}, 30 * time.Second, true}, // RFC 9110 §10.2.3
		// The date is measured against the response's Date: a client clock
		// that is off does not change the wait.
		{"HTTP-date against Date", http.Header{"Retry-After": {at(time.Hour + 10*time.Second)}, "Date": {at(time.Hour)}}, 10 * time.Second, true},
		{"HTTP-date in the past", http.Header{"Retry-After": {at(-time.Minute)}}, -time.Minute, true},
		{"rfc850 date", http.Header{"Retry-After": {"Thursday, 01-Jan-26 12:00:07 GMT"}}, 7 * time.Second, true}, // RFC 9110 §5.6.7
		{"OWS", http.Header{"Retry-After": {" 3 "}}, 3 * time.Second, true},
		{"saturates", http.Header{"Retry-After": {"99999999999999999999"}}, 1 << 31 * time.Second, true}, // RFC 9111 §1.2.2
		{"far date", http.Header{"Retry-After": {"Fri, 31 Dec 9999 23:59:59 GMT"}}, 1 << 31 * time.Second, true},
		{"ancient date", http.Header{"Retry-After": {"Mon, 01 Jan 0001 00:00:00 GMT"}}, -(1 << 31) * time.Second, true},
		{"absent", http.Header{}, 0, false},
		{"negative", http.Header{"Retry-After": {"-1"}}, 0, false},
		{"fraction", http.Header{"Retry-After": {"1.5"}}, 0, false},
		{"junk", http.Header{"Retry-After": {"soon"}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := retryAfter(tc.header, now)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDelayClamped(t *testing.T) {
	t.Parallel()
	p, err := New(Options{MinInterval: time.Second, MaxInterval: time.Minute, Interval: 7 * time.Second, Now: func() time.Time { return now }})
	require.NoError(t, err)
	assert.Equal(t, time.Second, p.delay(http.Header{"Retry-After": {"0"}}), "floor")
	assert.Equal(t, time.Minute, p.delay(http.Header{"Retry-After": {"86400"}}), "ceiling")
	assert.Equal(t, 7*time.Second, p.delay(nil), "no Retry-After: Interval")
	assert.Equal(t, 3*time.Second, p.delay(http.Header{"Retry-After": {"3"}}))
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Interval: -1}, {MaxInterval: -1}, {MaxStatusBytes: -1}, {CancelTimeout: -1}} {
		_, err := New(o)
		assert.ErrorContains(t, err, "poll: Options.")
	}
	p, err := New(Options{MinInterval: -1, MaxErrors: -1})
	require.NoError(t, err)
	assert.Zero(t, p.opts.MinInterval)
	assert.Zero(t, p.opts.MaxErrors)
	assert.Equal(t, DefaultMaxInterval, p.opts.MaxInterval)
	p, err = New(Options{MaxInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Millisecond, p.opts.MinInterval, "the floor is lowered to the ceiling")
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"5", "0", "Sun, 06 Nov 1994 08:49:37 GMT", "-1", "99999999999999999999", ""} {
		f.Add(s, "Sun, 06 Nov 1994 08:49:37 GMT")
	}
	p, err := New(Options{Now: func() time.Time { return now }})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, ra, date string) {
		d := p.delay(http.Header{"Retry-After": {ra}, "Date": {date}})
		require.Falsef(t, d < DefaultMinInterval || d > DefaultMaxInterval, "%q -> %v outside the clamp", ra, d)
	})
}
