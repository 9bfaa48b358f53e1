package etag

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPassthroughSizes checks that the lookup of a header of one field, the
// one-pass reading of a small header and the lookups of a larger one make the
// same decision.
func TestPassthroughSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		h      http.Header
		want   bool
	}{
		{"plain", 200, http.Header{"Content-Type": {"text/plain"}}, false},
		{"plain, empty", 200, http.Header{"Content-Type": {}}, false},
		{"event stream alone", 200, http.Header{"Content-Type": {"text/event-stream"}}, true}, // WHATWG SSE
		{"event stream, two fields", 200, http.Header{"Content-Type": {"text/event-stream"}, "Vary": {"Accept"}}, true},
		{"handler tag and type", 200, http.Header{"Content-Type": {"text/plain"}, "Etag": {`"a"`}}, true}, // RFC 9110 §8.8.3
		{"no header", 200, http.Header{}, false},
		{"206 is not tagged", 206, http.Header{}, true},                                      // RFC 9110 §15.3.7
		{"handler tag", 200, http.Header{"Etag": {`"a"`}}, true},                             // RFC 9110 §8.8.3
		{"handler tag, raw key", 200, http.Header{"ETag": {`"a"`}}, true},                    // RFC 9110 §8.8.3
		{"handler tag, empty", 200, http.Header{"Etag": {}}, true},                           // RFC 9110 §8.8.3
		{"event stream", 200, http.Header{"Content-Type": {"Text/Event-Stream; x=1"}}, true}, // WHATWG SSE
		{"no-store", 200, http.Header{"Cache-Control": {"private, no-store"}}, true},         // RFC 9111 §5.2.2.5
		{"no-store elsewhere", 200, http.Header{"Cache-Control": {"max-age=1"}, "X-No-Store": {"no-store"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, passthrough(tc.status, tc.h), "small header")
			big := http.Header{}
			for k, v := range tc.h {
				big[k] = v
			}
			for i := range 5 {
				big["X-Pad-"+strconv.Itoa(i)] = []string{"1"}
			}
			assert.Equal(t, tc.want, passthrough(tc.status, big), "large header")
		})
	}
}

// TestPassthroughAgrees holds passthrough, whose lookups stop once they have
// found every field of a small header, to the full check (streaming, or a
// handler tag under either key) on every combination of the fields it looks
// up and of fields it does not, for each status class.
func TestPassthroughAgrees(t *testing.T) {
	t.Parallel()
	fields := []struct{ k, v string }{
		{"Content-Type", "text/plain"}, {"Content-Type", "text/event-stream"},
		{"Vary", "Accept"}, {"Content-Length", "3"},
		{"Cache-Control", "max-age=60"}, {"Cache-Control", "no-store"},
		{"Etag", `"a"`}, {"ETag", `"a"`}, {"Last-Modified", "Thu, 01 Jan 1970 00:00:00 GMT"}, {"X-Other", "1"},
	}
	n := 0
	for set := range 1 << len(fields) {
		h := http.Header{}
		for i, f := range fields {
			if set&(1<<i) != 0 {
				h[f.k] = []string{f.v} // a later value of the same key replaces the earlier
			}
		}
		for _, status := range []int{200, 203, 204, 206, 304} {
			_, tagged := handlerTag(h)
			want := !taggable(status) || streaming(h) || tagged
			n++
			if !assert.Equalf(t, want, passthrough(status, h), "status %d, header %v", status, h) {
				return
			}
		}
	}
	t.Logf("%d combinations", n)
}
