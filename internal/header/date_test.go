package header

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The full grammar table lives in conditional/date_test.go, the first user;
// these rows pin the exported entry points.
func TestParseHTTPDate(t *testing.T) {
	t.Parallel()
	ref := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC).Unix()
	now := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", ref, true},  // RFC 9110 §5.6.7 IMF-fixdate
		{"Sunday, 06-Nov-94 08:49:37 GMT", ref, true}, // RFC 9110 §5.6.7 rfc850-date
		{"Sun Nov  6 08:49:37 1994", ref, true},       // RFC 9110 §5.6.7 asctime-date
		{"0", 0, false},                               // RFC 9111 §5.3: an invalid Expires
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseHTTPDate(tc.in, now)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
	assert.Equal(t, "Sun, 06 Nov 1994 08:49:37 GMT", FormatHTTPDate(ref))
}

func FuzzParseHTTPDate(f *testing.F) {
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "0", ""} {
		f.Add(s)
	}
	now := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := ParseHTTPDate(s, now)
		if !ok {
			return
		}
		std, err := http.ParseTime(FormatHTTPDate(sec))
		if err != nil || std.Unix() != sec {
			t.Fatalf("%q -> %d does not round-trip: %v", s, sec, err)
		}
	})
}
