package etag

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var sizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

func BenchmarkFromBytes(b *testing.B) {
	for _, size := range sizes {
		data := []byte(body(size.n))
		b.Run(size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_ = FromBytes(data)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"strong", `"70bbN1HY6Zk"`},
		{"weak", `W/"70bbN1HY6Zk"`},
		{"invalid", `"70bb N1HY6Zk"`},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(in.s)
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	cur := Tag{Opaque: "70bbN1HY6Zk"}
	cases := []struct{ name, s string }{
		{"one", `"70bbN1HY6Zk"`},
		{"ten-last", strings.Repeat(`"xxxxxxxxxxx", `, 9) + `"70bbN1HY6Zk"`},
		{"star", `*`},
	}
	for name, v := range hostileLists() {
		cases = append(cases, struct{ name, s string }{"hostile-64KiB/" + strings.ReplaceAll(name, " ", "-"), v})
	}
	for _, c := range cases {
		values := []string{c.s}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				Match(values, cur, true)
			}
		})
	}
}

// discardWriter is a reusable ResponseWriter, so that the benchmarks measure
// the middleware and not a server or a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkMiddleware compares a handler serving a body of each size bare,
// behind the middleware (200: buffer, hash, tag) and revalidated (304).
func BenchmarkMiddleware(b *testing.B) {
	for _, size := range sizes {
		data := []byte(body(size.n))
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Written in 4 KiB pieces, as io.Copy or an encoder would.
			for p := data; len(p) > 0; {
				n := min(len(p), 4096)
				_, _ = w.Write(p[:n])
				p = p[n:]
			}
		})
		wrapped := Middleware(Options{})(handler)
		tag := FromBytes(data).String()
		run := func(name string, h http.Handler, hdr http.Header, wantStatus int) {
			b.Run(size.name+"/"+name, func(b *testing.B) {
				r := &http.Request{Method: "GET", URL: &url.URL{Path: "/"}, Header: hdr}
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					clear(w.h)
					w.status = 0
					h.ServeHTTP(w, r)
				}
				if w.status != wantStatus && !(wantStatus == 200 && w.status == 0) {
					b.Fatalf("status %d, want %d", w.status, wantStatus)
				}
			})
		}
		run("bare", handler, http.Header{}, 200)
		run("200", wrapped, http.Header{}, 200)
		run("304", wrapped, http.Header{"If-None-Match": {tag}}, 304)
	}
}

var _ io.Writer = (*discardWriter)(nil)
