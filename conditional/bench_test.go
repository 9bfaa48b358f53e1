package conditional

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func BenchmarkEvaluate(b *testing.B) {
	v := Validators{ETag: tagA, LastModified: lm}
	hostileList := strings.Repeat(`"xxxxxxxxxxxxxxxx", `, 500) + `W/"zz"` // ~10 KB, no match
	cases := []struct {
		name   string
		method string
		h      http.Header
	}{
		{"none", "GET", hdr()},
		{"typical/If-None-Match", "GET", hdr("If-None-Match", `"a"`)},
		{"typical/If-Modified-Since", "GET", hdr("If-Modified-Since", httpDate(lm))},
		{"typical/If-Match", "PUT", hdr("If-Match", `"a"`)},
		{"typical/all", "GET", hdr("If-Match", `"a"`, "If-None-Match", `"b", "c"`, "If-Range", `"a"`, "Range", "bytes=0-")},
		{"hostile/long-list", "GET", hdr("If-None-Match", hostileList, "If-Match", hostileList)},
		{"hostile/commas", "GET", hdr("If-None-Match", strings.Repeat(",", 10000))},
		{"hostile/bad-members", "PUT", hdr("If-Match", strings.Repeat(`bogus"x, `, 1000))},
		{"hostile/dates", "PUT", hdr("If-Unmodified-Since", strings.Repeat("Sun, 06 Nov 1994 08:49:37 GMT, ", 300), "If-Range", strings.Repeat("W/x", 1000), "Range", "bytes=0-")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := newRequest(c.method, c.h)
			opts := Options{Now: fixedNow}
			b.ReportAllocs()
			for b.Loop() {
				if Evaluate(r, v, opts) == Proceed {
					_ = RangeApplies(r, v, opts)
				}
			}
		})
	}
}

// nopWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures Check, not a recorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func BenchmarkCheck(b *testing.B) {
	v := Validators{ETag: tagA, LastModified: lm}
	cases := []struct {
		name   string
		method string
		h      http.Header
	}{
		{"proceed", "PUT", hdr("If-Match", `"a"`)},
		{"304", "GET", hdr("If-None-Match", `"a"`)},
		{"412", "PUT", hdr("If-Match", `"b"`)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := newRequest(c.method, c.h)
			w := &nopWriter{h: http.Header{}}
			opts := Options{Now: fixedNow}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				Check(w, r, v, opts)
			}
		})
	}
}

func BenchmarkMiddleware(b *testing.B) {
	body := strings.Repeat("x", 1024)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"a"`)
		_, _ = io.WriteString(w, body)
	})
	cases := []struct {
		name string
		h    http.Handler
		inm  string
	}{
		{"1KiB/bare", handler, `"a"`},
		{"1KiB/200", Middleware(Options{})(handler), `"b"`},
		{"1KiB/304", Middleware(Options{})(handler), `"a"`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := newRequest("GET", hdr("If-None-Match", c.inm))
			w := &nopWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, r)
			}
		})
	}
}

// TestEvaluateZeroAlloc pins the zero-allocation guarantee of Evaluate and
// RangeApplies, typical and hostile input alike.
func TestEvaluateZeroAlloc(t *testing.T) {
	v := Validators{ETag: tagA, LastModified: lm}
	for _, h := range []http.Header{
		hdr("If-None-Match", `"a"`, "If-Modified-Since", httpDate(lm)),
		hdr("If-Match", `W/"a", bogus, "b"`, "If-Unmodified-Since", "garbage", "If-Range", `bad"`, "Range", "bytes=0-"),
		hdr("If-Unmodified-Since", rfc850(lm), "If-Range", asctime(lm), "Range", "bytes=0-"),
	} {
		r := newRequest("GET", h)
		opts := Options{Now: fixedNow}
		allocs := testing.AllocsPerRun(100, func() {
			_ = Evaluate(r, v, opts)
			_ = RangeApplies(r, v, opts)
		})
		assert.Zerof(t, allocs, "%q: %v allocs", h, allocs)
	}
}
