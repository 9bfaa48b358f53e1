package poll

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzEvents feeds arbitrary event streams to the SSE reader: no panic,
// records over the limit refused, Last-Event-ID never holds NUL.
func FuzzEvents(f *testing.F) {
	for _, s := range []string{
		"id: 1\nevent: processing\ndata: {\"status\":\"processing\"}\n\n",
		"retry: 10\n: c\n\ndata: {\"status\":\"completed\",\"result_url\":\"/r\"}\r\n\r\n",
		"data\ndata:\n\n", "id: \x00\n\n", "data: " + strings.Repeat("x", 300) + "\n\n", "retry: 99999999999999999999\n\n",
	} {
		f.Add(s)
	}
	p, err := New(Options{MaxStatusBytes: 256})
	require.NoError(f, err)
	u, _ := url.Parse("http://example.com/jobs/1")
	f.Fuzz(func(t *testing.T, s string) {
		res := &http.Response{Body: io.NopCloser(strings.NewReader(s)), Header: http.Header{}}
		var r Result
		lastID := ""
		_, retry, _, _ := p.read(t.Context(), res, u, &r, &lastID)
		require.NotContainsf(t, lastID, "\x00", "Last-Event-ID %q holds NUL", lastID)
		require.Falsef(t, retry < 0 || retry > 24*60*60*1e9, "retry %v", retry)
	})
}
