package conditional

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/response"
	"github.com/httpsem/httpsem/internal/testenv"
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

// writers are the two kinds of writer Check may get: net/http's own (here a
// recorder, which strips nothing), and the writer of internal/response that
// every httpsem middleware hands its handler, which strips a 304 itself
// when it commits it (Check then leaves the stripping to it). done completes
// the response, as the middleware does once the handler returns.
var writers = []struct {
	name string
	wrap func(w http.ResponseWriter, r *http.Request) (_ http.ResponseWriter, done func())
}{
	{"plain writer", func(w http.ResponseWriter, _ *http.Request) (http.ResponseWriter, func()) { return w, func() {} }},
	{"behind an httpsem writer", func(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func()) {
		rw := response.New(w, r, response.Options{})
		return rw.ResponseWriter(), func() { _ = rw.Finish() }
	}},
}

func TestCheckNotModifiedHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		v        Validators
		h        http.Header
		preset   string // the ETag the handler set before Check
		wantTag  string
		wantDate string
	}{
		// RFC 9110 §15.4.5: ETag is sent; Last-Modified only guides a cache
		// when there is no ETag.
		{"with ETag", Validators{ETag: tagA, LastModified: lm}, hdr("If-None-Match", `"a"`), "", `"a"`, ""},
		{"with ETag the handler set", Validators{ETag: tagA, LastModified: lm}, hdr("If-None-Match", `"a"`), `"a"`, `"a"`, ""},
		{"handler's stale ETag replaced", Validators{ETag: tagA, LastModified: lm}, hdr("If-None-Match", `"a"`), `"old"`, `"a"`, ""},
		{"Last-Modified only", Validators{LastModified: lm}, hdr("If-Modified-Since", httpDate(lm)), "", "", httpDate(lm)},
		{"future Last-Modified sent clamped (§8.8.2.1)", Validators{LastModified: now.Add(time.Hour)}, hdr("If-Modified-Since", httpDate(now)), "", "", httpDate(now)},
	}
	for _, wr := range writers {
		for _, tc := range tests {
			t.Run(wr.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				rec := httptest.NewRecorder()
				r := newRequest("GET", tc.h)
				w, done := wr.wrap(rec, r)
				setRepresentationHeaders(w.Header())
				w.Header().Set("Last-Modified", "stale")
				if tc.preset != "" {
					w.Header().Set("Etag", tc.preset)
				}
				ok := Check(w, r, tc.v, Options{Now: fixedNow})
				require.False(t, ok)
				done()
				require.Equal(t, http.StatusNotModified, rec.Code)
				h := rec.Result().Header
				assert.Equal(t, tc.wantTag, h.Get("Etag"))
				assert.Equal(t, tc.wantDate, h.Get("Last-Modified"))
				for _, k := range []string{"Cache-Control", "Vary", "Expires", "Content-Location", "Date"} {
					assert.NotEmpty(t, h.Get(k), k)
				}
				for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "Content-Language"} {
					assert.Empty(t, h.Get(k), k)
				}
				assert.Empty(t, rec.Body.String())
			})
		}
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

// TestCheckProceedSetsValidators: a GET or HEAD that proceeds gets the
// validators of the representation it is about to receive (issue 14), an
// unsafe method none (its write changes them), and the opt-out none.
func TestCheckProceedSetsValidators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		method   string
		v        Validators
		opts     Options
		wantTag  string
		wantDate string
		preset   string // the ETag the handler set before Check
	}{
		// RFC 9110 §8.8.1: send both validators when both are known.
		{"GET both", "GET", Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow}, `"a"`, httpDate(lm), ""},
		{"GET both, the handler set the tag", "GET", Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow}, `"a"`, httpDate(lm), `"a"`},
		{"GET tag only, the handler set it", "GET", Validators{ETag: weakTagA}, Options{Now: fixedNow}, `W/"a"`, "", `W/"a"`},
		{"GET, the handler's stale tag replaced", "GET", Validators{ETag: tagA}, Options{Now: fixedNow}, `"a"`, "", `"old"`},
		{"GET, the handler's strong tag for a weak one replaced", "GET", Validators{ETag: weakTagA}, Options{Now: fixedNow}, `W/"a"`, "", `"a"`},
		{"HEAD both", "HEAD", Validators{ETag: weakTagA, LastModified: lm}, Options{Now: fixedNow}, `W/"a"`, httpDate(lm), ""},
		{"GET tag only", "GET", Validators{ETag: tagA}, Options{Now: fixedNow}, `"a"`, "", ""},
		{"GET date only", "GET", Validators{LastModified: lm}, Options{Now: fixedNow}, "", httpDate(lm), ""},
		// RFC 9110 §8.8.2.1: never a Last-Modified later than now.
		{"GET future date clamped", "GET", Validators{LastModified: now.Add(time.Hour)}, Options{Now: fixedNow}, "", httpDate(now), ""},
		{"GET no validators", "GET", Validators{Exists: true}, Options{Now: fixedNow}, "", "", ""},
		{"GET opt-out", "GET", Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow, OmitProceedValidators: true}, "", "", ""},
		{"PUT sets none", "PUT", Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow}, "", "", ""},
		{"DELETE sets none", "DELETE", Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			if tc.preset != "" {
				w.Header().Set("Etag", tc.preset)
			}
			require.True(t, Check(w, newRequest(tc.method, hdr("If-None-Match", `"other"`)), tc.v, tc.opts))
			assert.Equal(t, tc.wantTag, w.Header().Get("Etag"))
			assert.Equal(t, tc.wantDate, w.Header().Get("Last-Modified"))
			assert.Len(t, w.Header().Values("Etag"), min(1, len(tc.wantTag)))
			assert.False(t, w.Flushed)
			assert.Zero(t, w.Body.Len())
		})
	}
}

// TestCheckVaryOnEveryOutcome: Validators.Vary reaches the response whatever
// Check answers, merged with what the handler set (RFC 9110 §12.5.5,
// §15.4.5).
func TestCheckVaryOnEveryOutcome(t *testing.T) {
	t.Parallel()
	both := Validators{ETag: tagA, LastModified: lm, Vary: "Accept, accept-language"}
	applied := func(*http.Request, Validators) bool { return true }
	tests := []struct {
		name   string
		method string
		h      http.Header
		opts   Options
		status int
	}{
		{"proceed", "GET", hdr(), Options{}, 0},
		{"304", "GET", hdr("If-None-Match", `"a"`), Options{}, http.StatusNotModified},
		{"412", "PUT", hdr("If-Match", `"b"`), Options{}, http.StatusPreconditionFailed},
		{"428", "PUT", hdr(), Options{RequirePrecondition: true}, http.StatusPreconditionRequired},
		{"204 already applied", "PUT", hdr("If-Match", `"b"`), Options{AlreadyAppliedFunc: applied}, http.StatusNoContent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			w.Header().Set("Vary", "Accept-Encoding")
			tc.opts.Now = fixedNow
			proceed := Check(w, newRequest(tc.method, tc.h), both, tc.opts)
			assert.Equal(t, tc.status == 0, proceed)
			if tc.status != 0 {
				assert.Equal(t, tc.status, w.Code)
			}
			assert.Equal(t, []string{"Accept-Encoding, Accept, Accept-Language"}, w.Header().Values("Vary"))
		})
	}
	t.Run("no Vary given keeps the handler's", func(t *testing.T) {
		t.Parallel()
		w := httptest.NewRecorder()
		w.Header().Set("Vary", "Accept")
		Check(w, newRequest("GET", hdr("If-None-Match", `"a"`)), Validators{ETag: tagA}, Options{})
		assert.Equal(t, []string{"Accept"}, w.Header().Values("Vary"))
	})
}

// TestCheckNotModifiedTagValue: the 304's ETag is the current tag in header
// form, taken from the client's If-None-Match when it sent it back as is
// (no formatting), formatted otherwise (a weak match of a different form).
//
// Not parallel: the rows count allocations.
func TestCheckNotModifiedTagValue(t *testing.T) {
	tests := []struct {
		name   string
		inm    []string
		cur    etag.Tag
		want   string
		allocs float64
	}{
		{"echoed", []string{`"a"`}, tagA, `"a"`, 1},
		{"echoed with OWS", []string{` "a" `}, tagA, `"a"`, 1},
		{"in a list", []string{`"x", "a"`}, tagA, `"a"`, 1},
		{"second line", []string{`"x"`, `"y", W/"a"`}, weakTagA, `W/"a"`, 1},
		// RFC 9110 §8.8.3.2: weak comparison; the 304 names the current tag.
		{"weak member, strong current", []string{`W/"a"`}, tagA, `"a"`, 1}, // the form is inside the member
		{"opaque elsewhere first", []string{`"ab", "a"`}, tagA, `"a"`, 1},
		{"opaque only inside other tags", []string{`"xa", "ab", *`}, tagA, `"a"`, 2},
		{"strong member, weak current", []string{`"a"`}, weakTagA, `W/"a"`, 2},
		{"star", []string{`*`}, tagA, `"a"`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest("GET", http.Header{"If-None-Match": tc.inm})
			w := &nopWriter{h: http.Header{}}
			require.False(t, Check(w, r, Validators{ETag: tc.cur}, Options{}))
			assert.Equal(t, []string{tc.want}, w.h["Etag"])
			if !raceEnabled {
				assert.Equal(t, tc.allocs, testing.AllocsPerRun(50, func() {
					clear(w.h)
					Check(w, r, Validators{ETag: tc.cur}, Options{})
				}))
			}
		})
	}
}

// TestCheckNotModifiedAllocations pins issue 16's validator-first 304: a
// handler that set the current tag's ETag field before Check (from a value
// kept with its record) gets its 304 without an allocation, from a plain
// writer and behind an httpsem writer alike.
//
// Not parallel: it counts allocations.
func TestCheckNotModifiedAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; the counts hold without it")
	}
	r := newRequest("GET", hdr("If-None-Match", `"x", "a"`))
	v := Validators{ETag: tagA}
	preset, vary := []string{`"a"`}, []string{"Accept"}
	inner := &nopWriter{h: http.Header{}}
	rw := response.New(inner, r, response.Options{})
	for _, tc := range []struct {
		name string
		w    func() http.ResponseWriter
		done func()
	}{
		{"plain writer", func() http.ResponseWriter { return inner }, func() {}},
		{"behind an httpsem writer", func() http.ResponseWriter {
			rw.Reset(inner, r, response.Options{})
			return rw.ResponseWriter()
		}, func() { _ = rw.Finish() }},
	} {
		assert.Zero(t, testing.AllocsPerRun(100, func() {
			clear(inner.h)
			w := tc.w()
			w.Header()["Vary"] = vary
			w.Header()["Etag"] = preset
			if Check(w, r, v, Options{}) {
				t.Fatal("Check let a matching If-None-Match proceed")
			}
			tc.done()
		}), tc.name)
	}
}

// TestCheckProceedAllocations: a GET that proceeds costs no allocation for
// an ETag the handler has already set to the current tag (issue 16's
// validator-first 200), and one formatted value otherwise.
//
// Not parallel: it counts allocations.
func TestCheckProceedAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; the counts hold without it")
	}
	r := newRequest("GET", hdr("If-None-Match", `"other"`))
	w := &nopWriter{h: http.Header{}}
	preset := []string{`"a"`}
	for _, tc := range []struct {
		name   string
		preset []string
		want   float64
	}{
		{"the handler set the tag", preset, 0},
		{"Check formats it", nil, 2},
	} {
		assert.Equal(t, tc.want, testing.AllocsPerRun(100, func() {
			clear(w.h)
			if tc.preset != nil {
				w.h["Etag"] = tc.preset
			}
			if !Check(w, r, Validators{ETag: tagA}, Options{}) {
				t.Fatal("Check refused a GET whose If-None-Match does not match")
			}
		}), tc.name)
	}
}

// TestPreconditionFailedAllocations pins issue 16's budget (at most two): a
// 412 with the full envelope and current_etag in one allocation (the
// response: header values and body; the Content-Length value is prepared),
// from Check and from the middleware, whose guard lends the body its
// scratch space so that only the three header values are allocated.
func TestPreconditionFailedAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race; the counts hold without it")
	}
	r := newRequest("GET", hdr("If-Match", `"b"`))
	v := Validators{ETag: tagA, LastModified: lm}
	w := &nopWriter{h: http.Header{}}
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() {
		clear(w.h)
		Check(w, r, v, Options{Now: fixedNow})
	}), "Check")

	tagValue, body := []string{`"a"`}, []byte("hello")
	mw := Middleware(Options{Now: fixedNow})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Etag"] = tagValue
		_, _ = w.Write(body)
	}))
	serve := func() {
		clear(w.h)
		mw.ServeHTTP(w, r)
	}
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, serve), "Middleware")
	assert.Equal(t, uint64(48), testenv.BytesPerRun(100, serve), "Middleware: the header values alone")
}

// TestCheckVaryOnTheWire: a handler that only adds Vary while rendering
// (after Check) still sends it on the 304, over HTTP/1.1 and HTTP/2, when it
// names it in Validators.Vary (RFC 9110 §15.4.5).
func TestCheckVaryOnTheWire(t *testing.T) {
	t.Parallel()
	v := Validators{ETag: etag.Variant{MediaType: "application/json"}.Tag(etag.FromVersion(7)), LastModified: lm, Vary: "Accept"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		if !Check(w, r, v, Options{}) {
			return
		}
		// What a renderer does: Vary and Content-Type while writing.
		header := w.Header()
		header.Set("Vary", "Accept")
		header.Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"v":7}`))
	})
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, h, p.h2)
			ok := do(t, srv, "GET", nil, nil)
			require.Equal(t, http.StatusOK, ok.Status)
			assert.Equal(t, v.ETag.String(), ok.Header.Get("Etag"), "Check set the validators of the 200")
			assert.Equal(t, httpDate(lm), ok.Header.Get("Last-Modified"))
			assert.Equal(t, []string{"Accept"}, ok.Header.Values("Vary"))
			for _, method := range []string{"GET", "HEAD"} {
				got := do(t, srv, method, hdr("If-None-Match", ok.Header.Get("Etag")), nil)
				require.Equal(t, http.StatusNotModified, got.Status, method)
				assert.Equal(t, ok.Header.Values("Vary"), got.Header.Values("Vary"), method)
				assert.Equal(t, ok.Header.Get("Etag"), got.Header.Get("Etag"), method)
				assert.Equal(t, "max-age=60", got.Header.Get("Cache-Control"), method)
				assert.Empty(t, got.Body)
			}
		})
	}
}
