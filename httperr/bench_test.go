package httperr

import (
	"net/http"
	"net/url"
	"testing"
)

// discard is a reusable ResponseWriter, so the benchmark measures the
// envelope, not a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkWrite measures the errors the library writes most: a 412 with the
// current tag (one extra member) and a 406 listing the available types.
func BenchmarkWrite(b *testing.B) {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}}
	for _, bc := range []struct {
		name string
		wr   Writer
		e    *Error
	}{
		{"json/412", JSON{}, New(http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.").With("current_etag", `"70bbN1HY6Zk"`)},
		{"json/406", JSON{}, New(http.StatusNotAcceptable, CodeNotAcceptable, "No acceptable representation.").With("available", []string{"application/json", "application/xml"})},
		{"problem/412", Problem{}, New(http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.").With("current_etag", `"70bbN1HY6Zk"`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				Write(w, r, bc.wr, bc.e)
			}
		})
	}
}

// BenchmarkWriteWith is the 412 of package conditional: the fast path that
// builds no Error.
func BenchmarkWriteWith(b *testing.B) {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}}
	tag := []byte(`"70bbN1HY6Zk"`)
	for _, bc := range []struct {
		name string
		wr   Writer
	}{{"json/412", JSON{}}, {"problem/412", Problem{}}} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				WriteWith(w, r, bc.wr, http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.", "current_etag", tag)
			}
		})
	}
}
