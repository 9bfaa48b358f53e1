package asyncjob

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLastEventID: the one reading of the resume point, shared by the SSE
// handler and wsfeed through Manager.Feed.
func TestLastEventID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, query string
		want                uint64
	}{
		{"absent", "", "", 0},
		// WHATWG HTML §9.2.4: the id a feed wrote comes back verbatim.
		{"header", "17", "", 17},
		{"query for clients that cannot set headers", "", "17", 17},
		{"header wins", "5", "9", 5},
		{"not a feed id", "abc", "", 0},
		{"signed", "+5", "", 0},
		{"negative", "-1", "", 0},
		{"space", " 5", "", 0},
		{"too long", "123456789012345678901", "", 0},
		{"largest", "18446744073709551615", "", 18446744073709551615},
		{"overflow", "18446744073709551616", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := "/jobs/1"
			if tc.query != "" {
				target += "?last_event_id=" + tc.query
			}
			r := httptest.NewRequest("GET", target, nil)
			if tc.header != "" {
				r.Header.Set("Last-Event-ID", tc.header)
			}
			assert.Equal(t, tc.want, lastEventID(r))
		})
	}
}

func FuzzLastEventID(f *testing.F) {
	for _, s := range []string{"", "17", "abc", "+5", "-1", "18446744073709551615", "18446744073709551616", "007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := httptest.NewRequest("GET", "/jobs/1", nil)
		r.Header.Set("Last-Event-ID", s)
		got := lastEventID(r)
		if got == 0 {
			return
		}
		// A resume point is only ever a decimal the feed could have written.
		n, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
		require.NoError(t, err)
		require.Equal(t, n, got)
	})
}
