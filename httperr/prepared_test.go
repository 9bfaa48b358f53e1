package httperr

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/internal/testenv"
)

// TestWritePreparedMatchesWriteWith pins WritePrepared to WriteWith (and so
// to Write): the same status, header and body for every writer, key and
// value, on the fast path or not.
func TestWritePreparedMatchesWriteWith(t *testing.T) {
	t.Parallel()
	custom := WriterFunc(func(w http.ResponseWriter, r *http.Request, e *Error) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(e.StatusCode())
		v, _ := e.Extra["current_etag"].(string)
		_, _ = w.Write([]byte(e.Code + " " + e.Message + " " + v + " " + string(rune('0'+len(e.Extra)))))
	})
	writers := []struct {
		name string
		wr   Writer
	}{
		{"nil", nil}, {"JSON", JSON{}}, {"Problem", Problem{}},
		{"Problem with TypeBase", Problem{TypeBase: "https://example.com/problems/"}},
		{"custom", custom},
	}
	members := []struct {
		name, key string
		value     []byte
	}{
		{"tag", "current_etag", []byte(`"v2"`)},
		{"weak tag", "current_etag", []byte(`W/"a\b<c>"`)},
		{"non-ASCII", "current_etag", []byte("\"é\xff\"")},
		{"empty value", "current_etag", []byte{}},
		{"nil value", "current_etag", nil},
		{"reserved JSON key", "code", []byte("x")},
		{"reserved problem key", "detail", []byte("x")},
		{"no key", "", []byte("x")},
		// Past the bodies whose Content-Length p holds.
		{"long value", "current_etag", []byte(`"` + strings.Repeat("v", 300) + `"`)},
	}
	for _, status := range []int{http.StatusPreconditionFailed, http.StatusOK} {
		for _, wc := range writers {
			for _, m := range members {
				for _, method := range []string{"PUT", "HEAD"} {
					t.Run(http.StatusText(status)+"/"+wc.name+"/"+m.name+"/"+method, func(t *testing.T) {
						t.Parallel()
						p := Prepare(status, CodeConflict, "Stale <now> & \"then\".", m.key)
						key := m.key
						if m.value == nil {
							key = "" // nil leaves the member out
						}
						want := httptest.NewRecorder()
						want.Header().Set("Etag", `"old"`)
						want.Header().Set("Cache-Control", "no-store")
						WriteWith(want, httptest.NewRequest(method, "/", nil), wc.wr, status, CodeConflict, "Stale <now> & \"then\".", key, m.value)
						// No scratch, one too small for the body, one
						// large enough.
						for _, scratch := range [][]byte{nil, make([]byte, 0, 16), make([]byte, 0, 1024)} {
							got := httptest.NewRecorder()
							got.Header().Set("Etag", `"old"`)
							got.Header().Set("Cache-Control", "no-store")
							WritePreparedScratch(got, httptest.NewRequest(method, "/", nil), wc.wr, p, m.value, scratch)
							assert.Equal(t, want.Code, got.Code)
							assert.Equal(t, want.Header(), got.Header())
							assert.Equal(t, want.Body.String(), got.Body.String())
						}
					})
				}
			}
		}
	}
}

// TestWritePreparedAllocations pins the hot-path cost: the response (header
// values and body in one: 208 bytes for the JSON 412, 320 for the longer
// problem document); p holds the Content-Length value. With a scratch
// buffer for the body, only the three header values (48 bytes).
func TestWritePreparedAllocations(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "/", nil)
	w := &discard{h: http.Header{}}
	tag := []byte(`"70bbN1HY6Zk"`)
	p := Prepare(http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.", "current_etag")
	var scratch [256]byte
	for _, tc := range []struct {
		wr    Writer
		bytes uint64
	}{{nil, 208}, {JSON{}, 208}, {Problem{}, 320}} {
		wr := tc.wr
		write := func() {
			clear(w.h)
			WritePrepared(w, r, wr, p, tag)
		}
		assert.Equal(t, 1.0, testing.AllocsPerRun(100, write), "%T", wr)
		assert.Equal(t, tc.bytes, testenv.BytesPerRun(100, write), "%T", wr)
		write = func() {
			clear(w.h)
			WritePreparedScratch(w, r, wr, p, tag, scratch[:0])
		}
		assert.Equal(t, 1.0, testing.AllocsPerRun(100, write), "%T with scratch", wr)
		assert.Equal(t, uint64(48), testenv.BytesPerRun(100, write), "%T with scratch: the header values alone", wr)
	}
}

// BenchmarkWritePrepared is BenchmarkWriteWith with the fixed parts encoded
// once: the 412 of packages conditional and etag.
func BenchmarkWritePrepared(b *testing.B) {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}}
	tag := []byte(`"70bbN1HY6Zk"`)
	p := Prepare(http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.", "current_etag")
	for _, bc := range []struct {
		name string
		wr   Writer
	}{{"json/412", JSON{}}, {"problem/412", Problem{}}} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				WritePrepared(w, r, bc.wr, p, tag)
			}
		})
	}
}
