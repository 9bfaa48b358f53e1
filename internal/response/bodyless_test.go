package response

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStrip304 checks Strip304 against RFC 9110 §15.4.5, on a header of
// the usual size and on a large one.
func TestStrip304(t *testing.T) {
	for _, extra := range []int{0, 20} {
		t.Run(strconv.Itoa(extra)+" extra fields", func(t *testing.T) {
			h := http.Header{
				"Etag": {`"a"`}, "Cache-Control": {"max-age=60"}, "Vary": {"Accept"}, "Content-Location": {"/x"},
				"Expires": {"Thu, 01 Jan 2026 00:00:00 GMT"}, "Date": {"Thu, 01 Jan 2026 00:00:00 GMT"},
				"Last-Modified": {"Thu, 01 Jan 2026 00:00:00 GMT"},
			}
			for _, k := range notModifiedDrop {
				h[k] = []string{"x"}
			}
			for i := range extra {
				h["X-Extra-"+strconv.Itoa(i)] = []string{"kept"}
			}
			Strip304(h)
			for _, k := range notModifiedDrop {
				assert.NotContains(t, h, k)
			}
			// Last-Modified goes when an ETag is there to guide the update.
			assert.NotContains(t, h, "Last-Modified")
			for _, k := range []string{"Etag", "Cache-Control", "Vary", "Content-Location", "Expires", "Date"} {
				assert.Contains(t, h, k)
			}
			assert.Len(t, h, 6+extra)
		})
	}
	t.Run("Last-Modified kept without ETag", func(t *testing.T) {
		h := http.Header{"Last-Modified": {"Thu, 01 Jan 2026 00:00:00 GMT"}, "Content-Type": {"text/plain"}}
		Strip304(h)
		assert.Equal(t, http.Header{"Last-Modified": {"Thu, 01 Jan 2026 00:00:00 GMT"}}, h)
	})
}

func BenchmarkStrip304(b *testing.B) {
	src := http.Header{"Etag": {`"a"`}, "Cache-Control": {"max-age=60"}, "Vary": {"Accept"}, "Content-Type": {"application/json"}, "Content-Length": {"113"}}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		for k, v := range src {
			h[k] = v
		}
		Strip304(h)
	}
}
