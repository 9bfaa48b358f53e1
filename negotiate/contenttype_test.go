package negotiate

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckContentType(t *testing.T) {
	t.Parallel()
	jsonOnly := []string{"application/json"}
	tests := []struct {
		name     string
		method   string
		consumes []string
		suffix   bool
		ct       []string // Content-Type lines; nil: none
		body     string
		chunked  bool
		ok       bool
	}{
		{"exact", "POST", jsonOnly, false, []string{"application/json"}, "{}", false, true},
		// RFC 9110 §8.3.1: type and subtype are case-insensitive.
		{"case", "POST", jsonOnly, false, []string{"Application/JSON"}, "{}", false, true},
		// Parameters such as charset are ignored.
		{"charset ignored", "POST", jsonOnly, false, []string{"application/json; charset=utf-8"}, "{}", false, true},
		{"consumes params ignored", "POST", []string{"application/json;charset=utf-8"}, false, []string{"application/json"}, "{}", false, true},
		{"other type", "POST", jsonOnly, false, []string{"text/plain"}, "x", false, false},
		{"malformed", "POST", jsonOnly, false, []string{"application/json garbage"}, "x", false, false},
		{"malformed params", "POST", jsonOnly, false, []string{"application/json; charset"}, "x", false, false},
		{"wildcard content type", "POST", []string{"*/*"}, false, []string{"*/*"}, "x", false, false},
		// RFC 9110 §8.3: content without a Content-Type would have to be guessed.
		{"missing with body", "POST", jsonOnly, false, nil, "{}", false, false},
		{"missing with chunked body", "PUT", jsonOnly, false, nil, "{}", true, false},
		{"missing without body", "POST", jsonOnly, false, nil, "", false, true},
		{"wrong type without body", "DELETE", jsonOnly, false, []string{"text/plain"}, "", false, true},
		// Content-Type is a singleton (RFC 9110 §8.3).
		{"two lines", "POST", jsonOnly, false, []string{"application/json", "application/json"}, "{}", false, false},
		// RFC 6838 §4.2.8 suffixes only when opted in.
		{"suffix refused by default", "POST", jsonOnly, false, []string{"application/vnd.acme+json"}, "{}", false, false},
		{"suffix opt-in", "POST", jsonOnly, true, []string{"application/vnd.acme+json; v=2"}, "{}", false, true},
		{"suffix wrong type", "POST", jsonOnly, true, []string{"text/vnd.acme+json"}, "{}", false, false},
		{"suffix wrong syntax", "POST", jsonOnly, true, []string{"application/vnd.acme+xml"}, "{}", false, false},
		{"suffix needs name", "POST", jsonOnly, true, []string{"application/+json"}, "{}", false, false},
		{"type wildcard", "POST", []string{"image/*"}, false, []string{"image/png"}, "x", false, true},
		{"type wildcard other", "POST", []string{"image/*"}, false, []string{"text/png"}, "x", false, false},
		{"any", "POST", []string{"*/*"}, false, []string{"text/plain"}, "x", false, true},
		{"empty consumes allows all", "POST", nil, false, nil, "x", false, true},
		{"invalid consumes refuses", "POST", []string{"json", "*/json"}, false, []string{"application/json"}, "{}", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
			if tt.chunked {
				r.ContentLength = -1
			}
			for _, v := range tt.ct {
				r.Header.Add("Content-Type", v)
			}
			w := httptest.NewRecorder()
			ok := CheckContentType(w, r, Options{Consumes: tt.consumes, MatchSuffix: tt.suffix})
			assert.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, http.StatusOK, w.Code, "nothing written")
				assert.Empty(t, w.Header())
				return
			}
			assert.Equal(t, http.StatusUnsupportedMediaType, w.Code)
			var env struct {
				Error struct {
					Code      string   `json:"code"`
					Supported []string `json:"supported"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &env))
			assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", env.Error.Code)
		})
	}
}

func TestCheckContentTypeAcceptHeaders(t *testing.T) {
	t.Parallel()
	opts := Options{Consumes: []string{"application/json; charset=utf-8", " application/merge-patch+json", "bogus"}}
	for _, tt := range []struct {
		method, field string
	}{
		{http.MethodPost, "Accept-Post"},   // W3C LDP §7.1
		{http.MethodPatch, "Accept-Patch"}, // RFC 5789 §3.1
		{http.MethodPut, ""},
	} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/", strings.NewReader("x"))
			r.Header.Set("Content-Type", "text/plain")
			w := httptest.NewRecorder()
			require.False(t, CheckContentType(w, r, opts))
			assert.Equal(t, http.StatusUnsupportedMediaType, w.Code)
			for _, f := range []string{"Accept-Post", "Accept-Patch"} {
				if f == tt.field {
					assert.Equal(t, "application/json, application/merge-patch+json", w.Header().Get(f))
				} else {
					assert.Empty(t, w.Header().Get(f))
				}
			}
			assert.JSONEq(t, `{"error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"the request content type is not supported",
				"supported":["application/json","application/merge-patch+json"]}}`, w.Body.String())
		})
	}
}

// On the wire a request without content reaches the handler with
// http.NoBody; a chunked one with ContentLength -1.
func TestCheckContentTypeOnTheWire(t *testing.T) {
	t.Parallel()
	h := Middleware(Options{Consumes: []string{"application/json"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	do := func(body io.Reader, ct string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL, body)
		require.NoError(t, err)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp
	}
	assert.Equal(t, http.StatusNoContent, do(nil, "").StatusCode)
	assert.Equal(t, http.StatusNoContent, do(strings.NewReader("{}"), "application/json").StatusCode)
	resp := do(strings.NewReader("{}"), "")
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Accept-Post"))
	// io.MultiReader hides the length, so the client sends it chunked.
	assert.Equal(t, http.StatusUnsupportedMediaType, do(io.MultiReader(strings.NewReader("{}")), "text/plain").StatusCode)
	assert.Equal(t, http.StatusNoContent, do(io.MultiReader(strings.NewReader("{}")), "application/json").StatusCode)
}
