package negotiate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/text/language"
)

// BenchmarkSelectType measures parse+choose for the headers a server meets:
// a browser's, a short API client's and a hostile 64 KiB one.
func BenchmarkSelectType(b *testing.B) {
	offers := []string{"application/json", "text/html", "application/xml"}
	for _, bc := range []struct {
		name   string
		accept string
	}{
		{"browser", browserAccept},
		{"api", "application/json"},
		{"params", `text/html;level="1";q=0.5, application/json;q=0.9, */*;q=0.1`},
		{"hostile/4KiB", hostileAccept(4 << 10)},
		{"hostile/64KiB", hostileAccept(64 << 10)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			values := []string{bc.accept}
			b.SetBytes(int64(len(bc.accept)))
			b.ReportAllocs()
			for b.Loop() {
				if SelectType(values, offers) < -1 {
					b.Fatal("impossible")
				}
			}
		})
	}
}

func BenchmarkSelectEncoding(b *testing.B) {
	offers := []string{"zstd", "br", "gzip", Identity}
	for _, bc := range []struct{ name, ae string }{
		{"browser", "gzip, deflate, br, zstd"},
		{"hostile/64KiB", hostileEncoding(64 << 10)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			values := []string{bc.ae}
			b.SetBytes(int64(len(bc.ae)))
			b.ReportAllocs()
			for b.Loop() {
				_ = SelectEncoding(values, offers)
			}
		})
	}
}

func hostileEncoding(n int) string {
	b := make([]byte, 0, n+32)
	for len(b) < n {
		b = append(b, "x-gzip;q=0.001, bogus;q=2, *;q=0.5,,"...)
	}
	return string(b)
}

func BenchmarkLanguage(b *testing.B) {
	l := MustLanguages(language.English, language.German, language.French)
	for _, bc := range []struct{ name, al string }{
		{"browser", "de-CH,de;q=0.9,en;q=0.8"},
		{"refusal", "de;q=0, fr;q=0.5, *;q=0.1"},
		{"hostile/64KiB", string(hostileEncoding(64 << 10))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept-Language", bc.al)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = Language(w, r, l)
			}
		})
	}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// BenchmarkRender compares rendering through the Renderer with a bare handler
// that encodes JSON itself, the baseline.
func BenchmarkRender(b *testing.B) {
	rn, err := NewRenderer(Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", browserAccept)
	r.Header.Set("Accept", "application/json")
	v := user{Name: "Ann"}
	b.Run("baseline", func(b *testing.B) {
		w := discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			w.h.Set("Content-Type", "application/json")
			_ = JSON().EncodeFunc(io.Discard, v)
		}
	})
	b.Run("renderer", func(b *testing.B) {
		w := discard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			_ = rn.Render(w, r, http.StatusOK, v)
		}
	})
}

func BenchmarkMiddleware(b *testing.B) {
	h := Middleware(Options{Consumes: []string{"application/json"}, Produces: []string{"application/json"}})(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodPost, "/", http.NoBody)
	r.ContentLength = 2
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("Accept", browserAccept+", application/json")
	w := discard{h: http.Header{"Vary": {"Accept"}}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
