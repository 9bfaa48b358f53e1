package conditional

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const conflictBody = `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"a\""}}` + "\n"

// setRepresentationHeaders is what a handler typically set before calling
// Check: the 304 must keep the cache-guiding fields and drop the rest.
func setRepresentationHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", "42")
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Range", "bytes 0-1/2")
	h.Set("Content-Language", "en")
	h.Set("Cache-Control", "max-age=60")
	h.Set("Vary", "Accept")
	h.Set("Expires", "Thu, 01 Dec 2044 16:00:00 GMT")
	h.Set("Content-Location", "/r.json")
	h.Set("Date", httpDate(now))
}

func TestCheckNotModifiedHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		v        Validators
		h        http.Header
		wantTag  string
		wantDate string
	}{
		// RFC 9110 §15.4.5: ETag is sent; Last-Modified only guides a cache
		// when there is no ETag.
		{"with ETag", Validators{ETag: tagA, LastModified: lm}, hdr("If-None-Match", `"a"`), `"a"`, ""},
		{"Last-Modified only", Validators{LastModified: lm}, hdr("If-Modified-Since", httpDate(lm)), "", httpDate(lm)},
		{"future Last-Modified sent clamped (§8.8.2.1)", Validators{LastModified: now.Add(time.Hour)}, hdr("If-Modified-Since", httpDate(now)), "", httpDate(now)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			setRepresentationHeaders(w.Header())
			w.Header().Set("Last-Modified", "stale")
			ok := Check(w, newRequest("GET", tc.h), tc.v, Options{Now: fixedNow})
			require.False(t, ok)
			require.Equal(t, http.StatusNotModified, w.Code)
			h := w.Result().Header
			assert.Equal(t, tc.wantTag, h.Get("Etag"))
			assert.Equal(t, tc.wantDate, h.Get("Last-Modified"))
			for _, k := range []string{"Cache-Control", "Vary", "Expires", "Content-Location", "Date"} {
				assert.NotEmpty(t, h.Get(k), k)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "Content-Language"} {
				assert.Empty(t, h.Get(k), k)
			}
			assert.Empty(t, w.Body.String())
		})
	}
}

func TestCheckPreconditionFailed(t *testing.T) {
	t.Parallel()
	t.Run("body names the current tag", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		w.Header().Set("Etag", `"stale"`)
		w.Header().Set("Last-Modified", httpDate(lm))
		ok := Check(w, newRequest("PUT", hdr("If-Match", `"b"`)), Validators{ETag: tagA, LastModified: lm}, Options{})
		require.False(t, ok)
		require.Equal(t, http.StatusPreconditionFailed, w.Code)
		assert.Equal(t, conflictBody, w.Body.String())
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		// The error body is not the representation: no validators.
		assert.Empty(t, w.Header().Get("Etag"))
		assert.Empty(t, w.Header().Get("Last-Modified"))
	})
	t.Run("no current_etag without a tag", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		ok := Check(w, newRequest("DELETE", hdr("If-Match", `*`)), Validators{}, Options{})
		require.False(t, ok)
		require.Equal(t, http.StatusPreconditionFailed, w.Code)
		assert.JSONEq(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry."}}`, w.Body.String())
	})
	t.Run("weak current tag in header form", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		Check(w, newRequest("PUT", hdr("If-Match", `"a"`)), Validators{ETag: weakTagA}, Options{})
		assert.JSONEq(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"W/\"a\""}}`, w.Body.String())
	})
	t.Run("HEAD gets no body", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		Check(w, newRequest("HEAD", hdr("If-Match", `"b"`)), Validators{ETag: tagA}, Options{})
		assert.Equal(t, http.StatusPreconditionFailed, w.Code)
		assert.Empty(t, w.Body.String())
	})
	t.Run("custom ErrorWriter", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		Check(w, newRequest("PUT", hdr("If-Match", `"b"`)), Validators{ETag: tagA}, Options{ErrorWriter: httperr.Problem{}})
		assert.Equal(t, http.StatusPreconditionFailed, w.Code)
		assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
		assert.JSONEq(t, `{"type":"about:blank","title":"Precondition Failed","status":412,"detail":"The resource was modified by another client. Please re-fetch and retry.","code":"CONFLICT","current_etag":"\"a\""}`, w.Body.String())
	})
}

func TestCheckPreconditionRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    Validators
		msg  string
	}{
		{"resource with ETag", Validators{ETag: tagA, LastModified: lm}, msgRequireETag},
		{"resource with Last-Modified only", Validators{LastModified: lm}, msgRequireDate},
		{"missing resource", Validators{}, msgRequireMissing},
		{"resource without validators", Validators{Exists: true}, msgRequireAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			ok := Check(w, newRequest("PUT", hdr()), tc.v, Options{RequirePrecondition: true})
			require.False(t, ok)
			require.Equal(t, http.StatusPreconditionRequired, w.Code)
			want := `{"error":{"code":"PRECONDITION_REQUIRED","message":"` + tc.msg + `"}}`
			assert.JSONEq(t, want, w.Body.String())
		})
	}
	// The message names the header field to send.
	assert.Contains(t, msgRequireETag, "If-Match")
	assert.Contains(t, msgRequireDate, "If-Unmodified-Since")
	assert.Contains(t, msgRequireMissing, "If-None-Match: *")
}

func TestCheckAlreadyApplied(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", "3")
	opts := Options{Now: fixedNow, AlreadyAppliedFunc: func(*http.Request, Validators) bool { return true }}
	ok := Check(w, newRequest("PUT", hdr("If-Match", `"old"`)), Validators{ETag: tagA, LastModified: lm}, opts)
	require.False(t, ok)
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, `"a"`, w.Header().Get("Etag"))
	assert.Equal(t, httpDate(lm), w.Header().Get("Last-Modified"))
	assert.Empty(t, w.Header().Get("Content-Type"))
	assert.Empty(t, w.Header().Get("Content-Length"))
}

func TestCheckProceedWritesNothing(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	ok := Check(w, newRequest("PUT", hdr("If-Match", `"a"`)), Validators{ETag: tagA}, Options{RequirePrecondition: true})
	require.True(t, ok)
	assert.False(t, w.Flushed)
	assert.Empty(t, w.Header())
	assert.Zero(t, w.Body.Len())
}

// TestCheckOnTheWire checks the 304 and 412 that net/http really sends, over
// HTTP/1.1 and HTTP/2.
func TestCheckOnTheWire(t *testing.T) {
	t.Parallel()
	v := Validators{ETag: etag.Tag{Opaque: "v7"}, LastModified: lm}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRepresentationHeaders(w.Header())
		if !Check(w, r, v, Options{}) {
			return
		}
		// The test headers claim gzip and a range; the real 200 is neither.
		w.Header().Del("Content-Encoding")
		w.Header().Del("Content-Range")
		w.Header().Set("Etag", v.ETag.String())
		w.Header().Set("Content-Length", "5")
		_, _ = w.Write([]byte("hello"))
	})
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, h, p.h2)
			for _, method := range []string{"GET", "HEAD"} {
				got := do(t, srv, method, hdr("If-None-Match", `W/"v7"`), nil)
				require.Equal(t, http.StatusNotModified, got.Status, method)
				if p.h2 {
					assert.Equal(t, 2, got.Proto)
				}
				assert.Empty(t, got.Body)
				assert.Equal(t, `"v7"`, got.Header.Get("Etag"))
				assert.Empty(t, got.Header.Get("Last-Modified"))
				assert.Equal(t, "max-age=60", got.Header.Get("Cache-Control"))
				assert.Equal(t, "Accept", got.Header.Get("Vary"))
				assert.Equal(t, "/r.json", got.Header.Get("Content-Location"))
				assert.NotEmpty(t, got.Header.Get("Expires"))
				assert.NotEmpty(t, got.Header.Get("Date"))
				for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "Content-Language"} {
					assert.Empty(t, got.Header.Values(k), k)
				}
			}

			got := do(t, srv, "GET", hdr("If-None-Match", `"v6"`), nil)
			assert.Equal(t, http.StatusOK, got.Status)
			assert.Equal(t, "hello", got.Body)

			got = do(t, srv, "PUT", hdr("If-Match", `"v6"`), nil)
			assert.Equal(t, http.StatusPreconditionFailed, got.Status)
			assert.Equal(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"v7\""}}`+"\n", got.Body)
			assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			assert.Empty(t, got.Header.Get("Etag"))
		})
	}
}
