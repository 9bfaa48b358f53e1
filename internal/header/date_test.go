package header

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHTTPDate(t *testing.T) {
	t.Parallel()
	ref := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC).Unix()
	clock := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		// RFC 9110 §5.6.7: the three formats a recipient must accept.
		{"IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", ref, true},
		{"rfc850-date", "Sunday, 06-Nov-94 08:49:37 GMT", ref, true},
		{"asctime-date", "Sun Nov  6 08:49:37 1994", ref, true},
		{"asctime two-digit day", "Thu Nov 10 08:49:37 1994", ref + 4*86400, true},
		{"leap day", "Thu, 29 Feb 2024 00:00:00 GMT", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"leap second", "Sat, 31 Dec 2016 23:59:60 GMT", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		// §5.6.7: a two-digit year more than 50 years ahead is in the past century.
		{"rfc850 year 76 is 2076", "Monday, 01-Jan-76 00:00:00 GMT", time.Date(2076, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"rfc850 year 77 is 1977", "Monday, 01-Jan-77 00:00:00 GMT", time.Date(1977, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"weekday not checked against date", "Mon, 06 Nov 1994 08:49:37 GMT", ref, true},

		{"empty", "", 0, false},
		{"lower case (HTTP-date is case-sensitive)", "sun, 06 nov 1994 08:49:37 gmt", 0, false},
		{"other zone", "Sun, 06 Nov 1994 08:49:37 UTC", 0, false},
		{"rfc850 other zone", "Sunday, 06-Nov-94 08:49:37 PST", 0, false},
		{"one-digit hour", "Sun, 06 Nov 1994 8:49:37 GMT", 0, false},
		{"fractional seconds", "Sun, 06 Nov 1994 08:49:37.5 GMT", 0, false},
		{"bad day name", "Sux, 06 Nov 1994 08:49:37 GMT", 0, false},
		{"bad month", "Sun, 06 Nox 1994 08:49:37 GMT", 0, false},
		{"day 0", "Sun, 00 Nov 1994 08:49:37 GMT", 0, false},
		{"Feb 29 in common year", "Tue, 29 Feb 2022 00:00:00 GMT", 0, false},
		{"Feb 29 1900", "Thu, 29 Feb 1900 00:00:00 GMT", 0, false},
		{"Feb 29 2000", "Tue, 29 Feb 2000 00:00:00 GMT", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"April 31", "Sun, 31 Apr 1994 08:49:37 GMT", 0, false},
		{"hour 24", "Sun, 06 Nov 1994 24:00:00 GMT", 0, false},
		{"minute 60", "Sun, 06 Nov 1994 08:60:00 GMT", 0, false},
		{"second 61", "Sun, 06 Nov 1994 08:49:61 GMT", 0, false},
		{"bad separators", "Sun, 06 Nov 1994 08-49-37 GMT", 0, false},
		{"non-digit year", "Sun, 06 Nov 19x4 08:49:37 GMT", 0, false},
		{"non-digit day", "Sun, 0x Nov 1994 08:49:37 GMT", 0, false},
		{"list of dates", "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT", 0, false},
		{"trailing text", "Sun, 06 Nov 1994 08:49:37 GMTX", 0, false},
		{"asctime bad day", "Sun Nov  x 08:49:37 1994", 0, false},
		{"asctime bad two-digit day", "Sun Nov x6 08:49:37 1994", 0, false},
		{"asctime bad month", "Sun Nox  6 08:49:37 1994", 0, false},
		{"asctime bad year", "Sun Nov  6 08:49:37 199x", 0, false},
		{"asctime bad separators", "Sun Nov  6_08:49:37 1994", 0, false},
		{"rfc850 short day name", "Sun, 06-Nov-94 08:49:37 GMT", 0, false},
		{"rfc850 bad digits", "Sunday, 06-Nov-9x 08:49:37 GMT", 0, false},
		{"rfc850 bad layout", "Sunday, 06 Nov 94 08:49:37 GMT", 0, false},
		{"no comma", "Sunday 06-Nov-94 08:49:37 GMT", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseHTTPDate(tc.in, clock)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
			if ok {
				// Everything accepted in IMF-fixdate form must also be
				// what net/http reads.
				std, err := http.ParseTime(FormatHTTPDate(got))
				if assert.NoError(t, err) {
					assert.Equal(t, got, std.Unix())
				}
			}
		})
	}
}

func TestParseRFC850Century(t *testing.T) {
	t.Parallel()
	// Late in a century, a small two-digit year lands in the next century
	// when it is at most 50 years ahead.
	clock := time.Date(2090, time.June, 1, 0, 0, 0, 0, time.UTC)
	got, ok := ParseHTTPDate("Friday, 01-Jan-10 00:00:00 GMT", clock)
	assert.True(t, ok)
	assert.Equal(t, time.Date(2110, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), got)
	// 2140 is not more than 50 years ahead of 2090, so "40" is 2140.
	got, ok = ParseHTTPDate("Sunday, 01-Jan-40 00:00:00 GMT", clock)
	assert.True(t, ok)
	assert.Equal(t, time.Date(2140, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), got)
	got, ok = ParseHTTPDate("Sunday, 01-Jan-41 00:00:00 GMT", clock)
	assert.True(t, ok)
	assert.Equal(t, time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), got)
}

// TestDaysSinceEpoch checks the calendar arithmetic against package time over
// every day from year 1 to 9999, the range an HTTP-date can state.
func TestDaysSinceEpoch(t *testing.T) {
	t.Parallel()
	first := time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	last := time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
	for day := first; day <= last; day++ {
		y, m, d := time.Unix(day*86400, 0).UTC().Date()
		if got := daysSinceEpoch(int64(y), int64(m), int64(d)); got != day {
			require.Equalf(t, day, got, "%04d-%02d-%02d: %d, want %d", y, m, d, got, day)
		}
	}
}

// TestParseHTTPDateUses pins the inputs the client packages meet: the three
// formats, and an invalid Expires such as "0".
func TestParseHTTPDateUses(t *testing.T) {
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
	for _, s := range []string{
		"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Thu, 29 Feb 2024 23:59:60 GMT", "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
		"", "0", "Wednesday, 31-Dec-99 23:59:59 GMT", "Mon Jan 12 00:00:00 0000",
	} {
		f.Add(s)
	}
	// The clock of package conditional's tests, which places two-digit years.
	now := time.Date(2024, time.May, 1, 13, 0, 0, 500_000_000, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := ParseHTTPDate(s, now)
		if !ok {
			require.Zerof(t, sec, "failed parse returned %d", sec)
			return
		}
		// What we accept, we also write back in the preferred format and
		// read again to the same instant.
		back, ok := ParseHTTPDate(FormatHTTPDate(sec), now)
		require.Falsef(t, !ok || back != sec, "%q → %d → %q → %d, %v", s, sec, FormatHTTPDate(sec), back, ok)
		// An accepted IMF-fixdate without a leap second is read the same
		// by net/http.
		if len(s) == 29 && s[23:25] != "60" {
			std, err := http.ParseTime(s)
			require.Falsef(t, err != nil || std.Unix() != sec, "%q: ours %d, net/http %v %v", s, sec, std, err)
		}
	})
}
