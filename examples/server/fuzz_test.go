package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzRequests sends arbitrary requests to the whole service: whatever the
// method, path, headers and body, the answer is never a 5xx other than a 503
// with Retry-After (a full job queue), and every error is the JSON envelope.
func FuzzRequests(f *testing.F) {
	seeds := []struct{ method, path, ctype, accept, cond, body string }{
		{"GET", "/events", "", "application/xml;q=0.9, */*;q=0.1", "", ""},
		{"GET", "/events/1", "", "text/html", `W/"x", "y"`, ""},
		{"HEAD", "/users/2", "", "", "*", ""},
		{"PATCH", "/users/1", "application/merge-patch+json", "", `"1"`, `{"email":42}`},
		{"PATCH", "/users/1", "application/json-patch+json", "", "", `[{"op":"move","from":"/address","path":"/address/city"}]`},
		{"POST", "/documents", "application/json", "", "", `{"title":"a","content":"b"}`},
		{"PUT", "/documents/x", "application/json", "", "*", `{"title":"a","content":"b"}`},
		{"PATCH", "/documents/1", "application/merge-patch+json", "", `"1"`, `{"title":null}`},
		{"DELETE", "/documents/1", "", "", `"1"`, ""},
		{"POST", "/reports", "application/json", "", "", `{"type":"sales_summary","date_range":{"from":"2024-02-30","to":"2024-01-01"}}`},
		{"GET", "/jobs/AAAAAAAAAAAAAAAAAAAAAA", "", "text/event-stream", "", ""},
		{"POST", "/uploads", "application/json", "", "", `{"filename":"a","content_type":"text/plain; charset=\"x"}`},
		{"PUT", "/uploads/x/parts/1", "", "", "", "data"},
		{"POST", "/uploads/x/complete", "application/json", "", "", `{"parts":[{"part_number":1,"etag":"W/\"x\""}]}`},
		{"GET", "/static/app.js", "", "", "", ""},
		{"OPTIONS", "/users/1", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.ctype, s.accept, s.cond, s.body)
	}
	srv, err := newServer(config{ReportDuration: time.Millisecond})
	require.NoError(f, err)
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(f, srv.Shutdown(ctx))
	})
	f.Fuzz(func(t *testing.T, method, path, ctype, accept, cond, body string) {
		req, err := http.NewRequest(method, "http://example.test"+path, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || !strings.HasPrefix(req.URL.Path, "/") {
			return // not a request a server can receive
		}
		if accept != "" && validHeader(accept) {
			req.Header.Set("Accept", accept)
		}
		if ctype != "" && validHeader(ctype) {
			req.Header.Set("Content-Type", ctype)
		}
		if cond != "" && validHeader(cond) {
			req.Header.Set("If-Match", cond)
			req.Header.Set("If-None-Match", cond)
		}
		// An event stream of a running job would not end on its own.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req = req.WithContext(ctx)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		res := rec.Result()
		require.Falsef(t, res.StatusCode >= 500 && !(res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != ""), "%s %s → %d: %s", method, path, res.StatusCode, rec.Body.Bytes())
		if res.StatusCode >= 400 && method != http.MethodHead {
			var env struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			err := json.Unmarshal(rec.Body.Bytes(), &env)
			require.Falsef(t, err != nil || env.Error.Code == "" || env.Error.Message == "", "%s %s → %d without the error envelope: %q", method, path, res.StatusCode, rec.Body.Bytes())
		}
	})
}

// validHeader reports whether v could arrive as a header field value.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
