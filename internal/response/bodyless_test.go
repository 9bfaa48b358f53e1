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

// TestStrip304Kept checks that Strip304Kept strips as Strip304 does and
// reports exactly the fields of its set that a lookup finds, for every
// subset of them next to droppable and other fields.
func TestStrip304Kept(t *testing.T) {
	fields := []struct {
		name string
		bit  Kept
	}{{"Vary", KeptVary}, {"Cache-Control", KeptCacheControl}, {"Expires", KeptExpires}}
	for set := range 1 << len(fields) {
		h := http.Header{"Etag": {`"a"`}, "Content-Type": {"text/plain"}, "Content-Length": {"3"}, "X-Other": {"kept"}}
		var want Kept
		for i, f := range fields {
			if set&(1<<i) != 0 {
				h[f.name] = []string{"x"}
				want |= f.bit
			}
		}
		plain := h.Clone()
		Strip304(plain)
		assert.Equal(t, want, Strip304Kept(h), "fields %03b", set)
		assert.Equal(t, plain, h, "fields %03b: Strip304Kept strips as Strip304", set)
	}
}
