package conditional

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/httpsem/httpsem/httperr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resource is a handler that serves "hello" with the given validators.
func resource(etagValue, lastModified string, status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if etagValue != "" {
			h.Set("Etag", etagValue)
		}
		if lastModified != "" {
			h.Set("Last-Modified", lastModified)
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Length", "5")
		h.Set("Cache-Control", "max-age=60")
		h.Set("Vary", "Accept-Encoding")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "hello")
	})
}

func TestMiddlewareOnTheWire(t *testing.T) {
	t.Parallel()
	lmDate := httpDate(lm)
	tests := []struct {
		name       string
		handler    http.Handler
		method     string
		h          http.Header
		wantStatus int
		wantBody   string
	}{
		{"no precondition passes", resource(`"a"`, "", 200), "GET", hdr(), 200, "hello"},
		// RFC 9110 §13.2.2 step 3.
		{"If-None-Match matches", resource(`"a"`, "", 200), "GET", hdr("If-None-Match", `"a"`), 304, ""},
		{"If-None-Match weak match", resource(`W/"a"`, "", 200), "GET", hdr("If-None-Match", `"a"`), 304, ""},
		{"If-None-Match on HEAD", resource(`"a"`, "", 200), "HEAD", hdr("If-None-Match", `"a"`), 304, ""},
		{"If-None-Match differs", resource(`"a"`, "", 200), "GET", hdr("If-None-Match", `"b"`), 200, "hello"},
		{"If-None-Match * on existing", resource("", "", 200), "GET", hdr("If-None-Match", `*`), 304, ""},
		// RFC 9110 §13.2.2 step 4.
		{"If-Modified-Since not modified", resource("", lmDate, 200), "GET", hdr("If-Modified-Since", lmDate), 304, ""},
		{"If-Modified-Since modified", resource("", lmDate, 200), "GET", hdr("If-Modified-Since", httpDate(lm.Add(-time.Second))), 200, "hello"},
		// RFC 9110 §13.2.2 step 1.
		{"If-Match fails", resource(`"a"`, "", 200), "GET", hdr("If-Match", `"b"`), 412,
			`{"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"a\""}}` + "\n"},
		{"If-Match passes", resource(`"a"`, "", 200), "GET", hdr("If-Match", `"a"`), 200, "hello"},
		// RFC 9110 §13.2.1: only a response that would be 2xx is affected.
		{"404 untouched", resource(`"a"`, "", 404), "GET", hdr("If-None-Match", `*`), 404, "hello"},
		{"2xx other than 200", resource(`"a"`, "", 203), "GET", hdr("If-None-Match", `"a"`), 304, ""},
		{"unsafe method untouched", resource(`"a"`, "", 200), "POST", hdr("If-None-Match", `"a"`), 200, "hello"},
		{"malformed handler ETag counts as absent", resource(`a`, "", 200), "GET", hdr("If-None-Match", `"a"`), 200, "hello"},
		{"malformed handler Last-Modified counts as absent", resource("", "yesterday", 200), "GET", hdr("If-Modified-Since", lmDate), 200, "hello"},
	}
	for _, p := range protocols {
		for _, tc := range tests {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := serve(t, Middleware(Options{Now: fixedNow})(tc.handler), p.h2)
				got := do(t, srv, tc.method, tc.h, nil)
				require.Equal(t, tc.wantStatus, got.Status)
				if tc.method != "HEAD" {
					assert.Equal(t, tc.wantBody, got.Body)
				}
				if tc.wantStatus == http.StatusNotModified {
					// RFC 9110 §15.4.5.
					assert.Empty(t, got.Header.Values("Content-Type"))
					assert.Empty(t, got.Header.Values("Content-Length"))
					assert.Equal(t, "max-age=60", got.Header.Get("Cache-Control"))
					assert.Equal(t, "Accept-Encoding", got.Header.Get("Vary"))
				}
			})
		}
	}
}

func TestMiddleware304KeepsValidators(t *testing.T) {
	t.Parallel()
	srv := serve(t, Middleware(Options{})(resource(`"a"`, httpDate(lm), 200)), false)
	got := do(t, srv, "GET", hdr("If-None-Match", `"a"`), nil)
	require.Equal(t, http.StatusNotModified, got.Status)
	assert.Equal(t, `"a"`, got.Header.Get("Etag"))
	// Last-Modified only guides a cache when there is no ETag (§15.4.5).
	assert.Empty(t, got.Header.Get("Last-Modified"))

	srv = serve(t, Middleware(Options{})(resource("", httpDate(lm), 200)), false)
	got = do(t, srv, "GET", hdr("If-Modified-Since", httpDate(lm)), nil)
	require.Equal(t, http.StatusNotModified, got.Status)
	assert.Equal(t, httpDate(lm), got.Header.Get("Last-Modified"))
}

func TestMiddlewareClampsFutureLastModified(t *testing.T) {
	t.Parallel()
	// RFC 9110 §8.8.2.1: a Last-Modified later than now is replaced by now.
	h := Middleware(Options{Now: fixedNow})(resource("", httpDate(now.Add(time.Hour)), 200))
	srv := serve(t, h, false)
	got := do(t, srv, "GET", hdr("If-Modified-Since", httpDate(now)), nil)
	require.Equal(t, http.StatusNotModified, got.Status)
	assert.Equal(t, httpDate(now), got.Header.Get("Last-Modified"))

	got = do(t, srv, "GET", hdr("If-Modified-Since", httpDate(now.Add(-time.Second))), nil)
	require.Equal(t, http.StatusOK, got.Status)
	assert.Equal(t, httpDate(now), got.Header.Get("Last-Modified"))
}

func TestMiddlewarePassThroughKeepsWriter(t *testing.T) {
	t.Parallel()
	var seen http.ResponseWriter
	h := Middleware(Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = w }))
	for _, tc := range []struct {
		method string
		h      http.Header
	}{
		{"GET", hdr()},
		{"GET", hdr("If-Range", `"a"`, "Range", "bytes=0-1")},
		{"PUT", hdr("If-Match", `"a"`)},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, newRequest(tc.method, tc.h))
		assert.Same(t, w, seen, "%s %v must see the original writer", tc.method, tc.h)
	}
}

func TestMiddlewareErrorWriter(t *testing.T) {
	t.Parallel()
	h := Middleware(Options{ErrorWriter: httperr.Problem{}})(resource(`"a"`, "", 200))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newRequest("GET", hdr("If-Match", `"b"`)))
	assert.Equal(t, http.StatusPreconditionFailed, w.Code)
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.NotContains(t, w.Body.String(), "hello")
}

func TestMiddlewareHandlerWithoutWrite(t *testing.T) {
	t.Parallel()
	// A handler that only sets headers is a 200 with no body; the 304 is
	// decided at Finish.
	h := Middleware(Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"a"`)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, newRequest("GET", hdr("If-None-Match", `"a"`)))
	assert.Equal(t, http.StatusNotModified, w.Code)
}

// TestMiddlewareStreams shows that the middleware holds nothing back: the
// first flushed chunk reaches the client while the handler is still running.
func TestMiddlewareStreams(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			h := Middleware(Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Etag", `"a"`)
				_, _ = io.WriteString(w, "first\n")
				err := http.NewResponseController(w).Flush()
				assert.NoErrorf(t, err, "flush: %v", err)
				<-release
				_, _ = io.WriteString(w, "second\n")
			}))
			srv := serve(t, h, p.h2)
			req, err := http.NewRequest("GET", srv.URL, nil)
			require.NoError(t, err)
			req.Header.Set("If-None-Match", `"b"`)
			resp, err := srv.Client().Do(req)
			if err != nil {
				close(release)
				require.NoError(t, err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			line, err := br.ReadString('\n')
			close(release)
			require.NoError(t, err)
			assert.Equal(t, "first\n", line)
			rest, err := io.ReadAll(br)
			require.NoError(t, err)
			assert.Equal(t, "second\n", string(rest))
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

// TestMiddlewareAgreesWithEvaluate: for every combination of the four
// precondition fields on GET and HEAD, the middleware answers what Evaluate
// decides for the handler's validators. The middleware skips the lookups of
// fields that cannot matter (If-Unmodified-Since beside If-Match,
// If-Modified-Since beside If-None-Match, If-Modified-Since until If-Match
// held), so this pins that the skipping never changes an outcome: RFC 9110
// §13.2.2 steps 1 to 4, §13.1.3 and §13.1.4 (a field beside its overriding
// one is ignored, valid or not).
func TestMiddlewareAgreesWithEvaluate(t *testing.T) {
	t.Parallel()
	older, newer := httpDate(lm.Add(-time.Second)), httpDate(lm.Add(time.Second))
	ifMatch := []string{"", `"a"`, `"b"`, "*", "bogus"}
	ifNoneMatch := []string{"", `"a"`, `"b"`, "*"}
	dates := []string{"", httpDate(lm), older, newer, "garbage"}
	for _, lmValue := range []string{"", httpDate(lm)} {
		handler := resource(`"a"`, lmValue, 200)
		mw := Middleware(Options{Now: fixedNow})(handler)
		v := Validators{ETag: tagA, Exists: true}
		if lmValue != "" {
			v.LastModified = lm
		}
		for _, method := range []string{"GET", "HEAD"} {
			for _, im := range ifMatch {
				for _, inm := range ifNoneMatch {
					for _, ims := range dates {
						for _, ius := range dates {
							var kv []string
							for _, f := range [][2]string{{"If-Match", im}, {"If-None-Match", inm}, {"If-Modified-Since", ims}, {"If-Unmodified-Since", ius}} {
								if f[1] != "" {
									kv = append(kv, f[0], f[1])
								}
							}
							want := http.StatusOK
							switch Evaluate(newRequest(method, hdr(kv...)), v, Options{Now: fixedNow}) {
							case NotModified:
								want = http.StatusNotModified
							case PreconditionFailed:
								want = http.StatusPreconditionFailed
							}
							rec := httptest.NewRecorder()
							mw.ServeHTTP(rec, newRequest(method, hdr(kv...)))
							assert.Equal(t, want, rec.Code, "%s %q, Last-Modified %q", method, kv, lmValue)
						}
					}
				}
			}
		}
	}
}
