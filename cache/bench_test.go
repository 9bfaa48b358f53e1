package cache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, in string }{
		{"static", "public, max-age=31536000, immutable"},
		{"private", "private, max-age=300"},
		{"no-store", "no-store"},
		{"cdn", "public, max-age=60, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400"},
		{"request", "max-age=0"},
		{"fields", `private="Set-Cookie", no-cache="Authorization, X-User"`},
		// Adversarial: 64 KiB of directives; cost must stay linear.
		{"hostile-64KiB", strings.Repeat("max-age=1, x=\"y\", ", 64<<10/17)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				_ = Parse(c.in)
			}
		})
	}
}

func BenchmarkString(b *testing.B) {
	cases := []struct {
		name string
		c    Control
	}{
		{"static", StaticAsset()},
		{"no-store", RealTime()},
		{"cdn", Control{Public: true, MaxAge: Seconds(60), SMaxAge: Seconds(300), StaleWhileRevalidate: Seconds(30), StaleIfError: Seconds(86400)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.c.String()
			}
		})
		b.Run(c.name+"/append", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 128)
			for b.Loop() {
				buf, _ = c.c.AppendText(buf[:0])
			}
		})
	}
}

// nopWriter is a minimal ResponseWriter so the benchmark measures the
// middleware, not httptest.ResponseRecorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func BenchmarkMiddleware(b *testing.B) {
	body := []byte("hello")
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(body)
	})
	cases := []struct {
		name string
		h    http.Handler
		auth bool
	}{
		{"baseline", handler, false},
		{"policy", Middleware(Options{Control: PublicListing()})(handler), false},
		{"policy+vary", Middleware(Options{Control: PublicListing(), Vary: []string{"Accept"}})(handler), false},
		{"policy/authorization", Middleware(Options{Control: PublicListing()})(handler), true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if c.auth {
				req.Header.Set("Authorization", "Bearer x")
			}
			w := &nopWriter{h: make(http.Header, 4)}
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
