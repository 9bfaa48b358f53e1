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
