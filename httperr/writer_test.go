package httperr

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONEnvelope(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rec.Header().Set("ETag", `"v1"`)
	rec.Header().Set("Content-Encoding", "gzip")
	rec.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	rec.Header().Set("Cache-Control", "no-store")
	e := New(http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.").
		With("current_etag", `"v2"`).With("code", "ignored")
	Write(rec, httptest.NewRequest("PUT", "/", nil), nil, e)

	assert.Equal(t, 412, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Empty(t, rec.Header().Get("ETag"), "success validators never reach an error (CONVENTIONS §15)")
	assert.Empty(t, rec.Header().Get("Content-Encoding"))
	assert.Empty(t, rec.Header().Get("Last-Modified"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "caching headers are the caller's")
	assert.JSONEq(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"v2\""}}`, rec.Body.String())
	assert.Equal(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"v2\""}}`+"\n", rec.Body.String(), "code and message come first")
	assert.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"))
}

// TestJSONExtraOrder checks that several extra members come in key order
// whatever their types, that reserved names are dropped and that an
// unencodable value is left out rather than failing the response.
func TestJSONExtraOrder(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	e := New(http.StatusUnprocessableEntity, CodeUnprocessable, "Bad <input> & more.").
		With("zeta", 1.5).With("alpha", []string{"a"}).With("message", "ignored").With("mid", `m\`).With("bad", make(chan int))
	Write(rec, httptest.NewRequest("POST", "/", nil), nil, e)
	assert.Equal(t, `{"error":{"code":"UNPROCESSABLE_ENTITY","message":"Bad \u003cinput\u003e \u0026 more.","alpha":["a"],"mid":"m\\","zeta":1.5}}`+"\n", rec.Body.String())
}

func TestProblem(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	e := New(http.StatusNotAcceptable, CodeNotAcceptable, "No acceptable representation.").With("available", []string{"application/json"})
	Write(rec, httptest.NewRequest("GET", "/", nil), Problem{TypeBase: "https://example.com/problems/"}, e)
	assert.Equal(t, 406, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	// RFC 9457 §3.1 members plus extension members (§3.2).
	assert.Equal(t, map[string]any{
		"type": "https://example.com/problems/not-acceptable", "title": "Not Acceptable", "status": float64(406),
		"detail": "No acceptable representation.", "code": "NOT_ACCEPTABLE", "available": []any{"application/json"},
	}, got)

	rec = httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/", nil), Problem{}, New(404, CodeNotFound, "gone"))
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "about:blank", got["type"], "RFC 9457 §4.2.1")
}

func TestHeadHasNoBody(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest("HEAD", "/", nil), nil, New(404, CodeNotFound, "not found"))
	assert.Equal(t, 404, rec.Code)
	assert.Empty(t, rec.Body.String())
}

func TestStatusAndCustomWriter(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 500, (&Error{Status: 200}).StatusCode())
	assert.Equal(t, 500, (&Error{}).StatusCode())
	assert.Equal(t, "httperr: 409 CONFLICT: busy", New(409, CodeConflict, "busy").Error())

	rec := httptest.NewRecorder()
	var got *Error
	Write(rec, nil, WriterFunc(func(w http.ResponseWriter, r *http.Request, e *Error) {
		got = e
		w.WriteHeader(e.StatusCode())
	}), New(418, "TEAPOT", "short and stout"))
	require.NotNil(t, got)
	assert.Equal(t, 418, rec.Code)

	rec = httptest.NewRecorder()
	Write(rec, nil, nil, New(400, CodeBadRequest, "x").With("bad", make(chan int)))
	assert.JSONEq(t, `{"error":{"code":"BAD_REQUEST","message":"x"}}`, rec.Body.String(), "unencodable extras are dropped")
}

// TestWriteWithMatchesWrite pins WriteWith to Write: the same status,
// header and body for every writer, whether it takes the fast path or not.
func TestWriteWithMatchesWrite(t *testing.T) {
	t.Parallel()
	custom := WriterFunc(func(w http.ResponseWriter, r *http.Request, e *Error) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(e.StatusCode())
		_, _ = w.Write([]byte(e.Code + " " + e.Message + " " + e.Extra["current_etag"].(string)))
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
		name, key, value string
	}{
		{"tag", "current_etag", `"v2"`},
		{"weak tag", "current_etag", `W/"a\b<c>"`},
		{"non-ASCII", "current_etag", "\"é\xff\""},
		{"reserved key", "code", "x"},
		{"no member", "", ""},
	}
	for _, wc := range writers {
		for _, m := range members {
			if wc.name == "custom" && m.key != "current_etag" {
				continue // the custom writer reads current_etag
			}
			for _, method := range []string{"PUT", "HEAD"} {
				t.Run(wc.name+"/"+m.name+"/"+method, func(t *testing.T) {
					t.Parallel()
					e := New(http.StatusPreconditionFailed, CodeConflict, "Stale.")
					if m.key != "" {
						e = e.With(m.key, m.value)
					}
					want := httptest.NewRecorder()
					want.Header().Set("Etag", `"old"`)
					Write(want, httptest.NewRequest(method, "/", nil), wc.wr, e)
					got := httptest.NewRecorder()
					got.Header().Set("Etag", `"old"`)
					WriteWith(got, httptest.NewRequest(method, "/", nil), wc.wr, http.StatusPreconditionFailed, CodeConflict, "Stale.", m.key, []byte(m.value))
					assert.Equal(t, want.Code, got.Code)
					assert.Equal(t, want.Header(), got.Header())
					assert.Equal(t, want.Body.String(), got.Body.String())
				})
			}
		}
	}
}

func TestWriteWithStatusOutOfRange(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteWith(rec, nil, nil, 200, CodeInternal, "Oops.", "", nil)
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "an error status is 4xx or 5xx, as Error.StatusCode says")
}

// TestWriteWithAllocations pins the hot-path cost: the response (header
// values and body in one) and its Content-Length value.
func TestWriteWithAllocations(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "/", nil)
	w := &discard{h: http.Header{}}
	tag := []byte(`"70bbN1HY6Zk"`)
	for _, wr := range []Writer{nil, JSON{}, Problem{}} {
		allocs := testing.AllocsPerRun(100, func() {
			clear(w.h)
			WriteWith(w, r, wr, http.StatusPreconditionFailed, CodeConflict, "The resource was modified by another client. Please re-fetch and retry.", "current_etag", tag)
		})
		assert.LessOrEqual(t, allocs, 2.0, "%T", wr)
	}
}

// TestErrorHeaderFields checks which fields an error response keeps: the
// success representation's are removed whichever way they are found (a
// pass over a few fields, a clear when they are all the representation's,
// a delete per name for many fields), the caller's others are kept
// (CONVENTIONS §15).
func TestErrorHeaderFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		set      map[string]string
		wantKept []string
	}{
		{"only representation fields", map[string]string{"Content-Type": "text/plain", "Etag": `"a"`, "Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT", "Content-Length": "5"}, nil},
		{"only fields send sets", map[string]string{"Content-Type": "text/plain", "Content-Length": "5"}, nil},
		{"representation and caching fields", map[string]string{"Etag": `"a"`, "Cache-Control": "no-store"}, []string{"Cache-Control"}},
		{"a caching field alone", map[string]string{"Vary": "Accept"}, []string{"Vary"}},
		{"many fields", map[string]string{
			"Etag": `"a"`, "Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT", "Content-Encoding": "gzip", "Content-Range": "bytes 0-1/2",
			"Content-Language": "en", "Content-Location": "/a", "Content-Type": "text/plain", "Content-Length": "5", "Vary": "Accept",
		}, []string{"Vary"}},
		{"none", map[string]string{}, nil},
	}
	for _, tc := range tests {
		for _, fast := range []bool{false, true} {
			t.Run(tc.name+"/"+strconv.FormatBool(fast), func(t *testing.T) {
				t.Parallel()
				rec := httptest.NewRecorder()
				for k, v := range tc.set {
					rec.Header().Set(k, v)
				}
				if fast {
					WriteWith(rec, httptest.NewRequest("GET", "/", nil), nil, http.StatusPreconditionFailed, CodeConflict, "Stale.", "", nil)
				} else {
					Write(rec, httptest.NewRequest("GET", "/", nil), nil, New(http.StatusPreconditionFailed, CodeConflict, "Stale."))
				}
				want := http.Header{
					"Content-Type":           {"application/json"},
					"Content-Length":         {strconv.Itoa(rec.Body.Len())},
					"X-Content-Type-Options": {"nosniff"},
				}
				for _, k := range tc.wantKept {
					want[k] = []string{tc.set[k]}
				}
				assert.Equal(t, want, rec.Header())
			})
		}
	}
}
