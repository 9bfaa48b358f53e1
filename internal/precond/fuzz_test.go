package precond

import (
	"net/http"
	"testing"
	"time"
)

func FuzzParseHTTPDate(f *testing.F) {
	for _, s := range []string{
		"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Thu, 29 Feb 2024 23:59:60 GMT", "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
		"", "Wednesday, 31-Dec-99 23:59:59 GMT", "Mon Jan 12 00:00:00 0000",
	} {
		f.Add(s)
	}
	// The clock of package conditional's tests, which places two-digit years.
	now := time.Date(2024, time.May, 1, 13, 0, 0, 500_000_000, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := ParseHTTPDate(s, now)
		if !ok {
			if sec != 0 {
				t.Fatalf("failed parse returned %d", sec)
			}
			return
		}
		// What we accept, we also write back in the preferred format and
		// read again to the same instant.
		back, ok := ParseHTTPDate(FormatHTTPDate(sec), now)
		if !ok || back != sec {
			t.Fatalf("%q → %d → %q → %d, %v", s, sec, FormatHTTPDate(sec), back, ok)
		}
		// An accepted IMF-fixdate without a leap second is read the same
		// by net/http.
		if len(s) == 29 && s[23:25] != "60" {
			std, err := http.ParseTime(s)
			if err != nil || std.Unix() != sec {
				t.Fatalf("%q: ours %d, net/http %v %v", s, sec, std, err)
			}
		}
	})
}
