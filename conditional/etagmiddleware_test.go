package conditional

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/etag"
)

// TestOneEvaluatorBothEntryPoints runs one table through every entry point
// of the one precondition evaluator (internal/precond): Check, this
// package's Middleware, and etag.Middleware, which used to keep a copy of
// the entity-tag steps. For a representation whose only validator is its
// tag, all three must give the row's status.
func TestOneEvaluatorBothEntryPoints(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":1,"title":"GopherCon"}`)
	cur := etag.FromBytes(body)
	tag, weak := cur.String(), etag.Weak(cur).String()
	date := httpDate(lm)
	tests := []struct {
		name   string
		method string
		h      http.Header
		want   int
	}{
		{"no precondition", "GET", hdr(), 200},
		// RFC 9110 §13.2.2 step 1, §13.1.1: strong comparison.
		{"If-Match matches", "GET", hdr("If-Match", tag), 200},
		{"If-Match weak form never matches", "GET", hdr("If-Match", weak), 412},
		{"If-Match other", "HEAD", hdr("If-Match", `"other"`), 412},
		{"If-Match *", "GET", hdr("If-Match", `*`), 200},
		{"If-Match list containing the tag", "GET", hdr("If-Match", `"other", `+tag), 200},
		{"If-Match malformed then valid", "GET", hdr("If-Match", `bad, `+tag), 200},
		// An unterminated quote swallows the rest of the field (the comma is
		// inside it), so nothing can match: false.
		{"If-Match unterminated quote before the tag", "GET", hdr("If-Match", `"unterminated, `+tag), 412},
		// §13.1.1: a present If-Match with no member that can match is false.
		{"If-Match garbage", "GET", hdr("If-Match", `garbage`), 412},
		{"If-Match single-quoted", "GET", hdr("If-Match", `'`+cur.Opaque+`'`), 412},
		{"If-Match unterminated", "HEAD", hdr("If-Match", `"`+cur.Opaque), 412},
		{"If-Match unquoted weak", "GET", hdr("If-Match", `W/`+cur.Opaque), 412},
		{"If-Match empty", "GET", hdr("If-Match", ``), 412},
		{"If-Match garbage beats matching If-None-Match", "GET", hdr("If-Match", `garbage`, "If-None-Match", tag), 412},
		// Step 3, §13.1.2: weak comparison; false on GET/HEAD is 304.
		{"If-None-Match matches", "GET", hdr("If-None-Match", tag), 304},
		{"If-None-Match weak form matches", "HEAD", hdr("If-None-Match", weak), 304},
		{"If-None-Match *", "GET", hdr("If-None-Match", `*`), 304},
		{"If-None-Match other", "GET", hdr("If-None-Match", `"other"`), 200},
		{"If-None-Match empty elements", "GET", hdr("If-None-Match", `,,`+tag+`,,`), 304},
		{"If-Match true then If-None-Match false", "GET", hdr("If-Match", tag, "If-None-Match", tag), 304},
		// An unparsable If-None-Match is true on GET/HEAD: the full response.
		{"If-None-Match garbage", "GET", hdr("If-None-Match", `garbage`), 200},
		{"If-None-Match garbage on HEAD", "HEAD", hdr("If-None-Match", `W/x`), 200},
		// §13.1.3: If-None-Match present, parsable or not, makes
		// If-Modified-Since ignored (no entry point has a Last-Modified
		// here, so the date never decides).
		{"If-None-Match garbage with If-Modified-Since", "GET", hdr("If-None-Match", `garbage`, "If-Modified-Since", date), 200},
	}
	etagMW := etag.Middleware(etag.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	}))
	condMW := Middleware(Options{Now: fixedNow})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", tag)
		_, _ = w.Write(body)
	}))
	check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Check(w, r, Validators{ETag: cur, Exists: true}, Options{Now: fixedNow}) {
			_, _ = w.Write(body)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, ep := range []struct {
				name string
				h    http.Handler
			}{{"Check", check}, {"conditional.Middleware", condMW}, {"etag.Middleware", etagMW}} {
				rec := httptest.NewRecorder()
				ep.h.ServeHTTP(rec, newRequest(tc.method, tc.h))
				require.Equal(t, tc.want, rec.Code, ep.name)
				if tc.want == http.StatusPreconditionFailed && tc.method != http.MethodHead {
					assert.Equal(t, `{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":`+
						jsonString(tag)+`}}`+"\n", rec.Body.String(), ep.name+": one 412 envelope")
				}
				if tc.want == http.StatusNotModified {
					assert.Equal(t, tag, rec.Header().Get("Etag"), ep.name)
					assert.Zero(t, rec.Body.Len(), ep.name)
				}
			}
		})
	}
}

// jsonString quotes a tag in header form as the envelope does.
func jsonString(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
