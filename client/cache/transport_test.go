package cache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cachecontrol "github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/internal/testenv"
)

// origin is a scripted origin server as a RoundTripper: handler answers,
// requests are recorded. It runs in-process so a test controls every
// header (a 304 carrying Content-Length, a wrong ETag).
type origin struct {
	mu      sync.Mutex
	reqs    []*http.Request
	handler http.HandlerFunc
}

func (o *origin) RoundTrip(r *http.Request) (*http.Response, error) {
	o.mu.Lock()
	o.reqs = append(o.reqs, r)
	o.mu.Unlock()
	rec := httptest.NewRecorder()
	o.handler(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

func (o *origin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.reqs)
}

func (o *origin) last() *http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.reqs[len(o.reqs)-1]
}

func newTransport(t testing.TB, o *origin, clock *testenv.Clock, opts Options) *Transport {
	t.Helper()
	opts.Transport = o
	opts.Now = clock.Now
	tr, err := New(opts)
	require.NoError(t, err)
	return tr
}

func do(t testing.TB, tr http.RoundTripper, method, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, url, nil)
	req.RequestURI = ""
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := tr.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res, string(b)
}

// fixed answers with the given Cache-Control and validators, counting
// versions in the body.
func fixed(clock *testenv.Clock, cc, tag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		if cc != "" {
			h.Set("Cache-Control", cc)
		}
		if tag != "" {
			h.Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		h.Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "body of "+r.URL.Path)
	}
}

func TestTransport(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		method  string
		headers []string
		want    Outcome
		status  int
	}
	tests := []struct {
		name     string
		cc, tag  string
		steps    []step
		requests int // reaching the origin
	}{
		// RFC 9111 §4.2: fresh responses are reused.
		{"fresh hit", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {30 * time.Second, "GET", nil, Hit, 200}}, 1},
		// RFC 9111 §5.2.2.7: a private cache stores private responses.
		{"private stored", "private, max-age=300", "", []step{{0, "GET", nil, Miss, 200}, {0, "GET", nil, Hit, 200}}, 1},
		// RFC 9111 §5.2.2.5: no-store is never stored.
		{"no-store", "no-store, max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {0, "GET", nil, Miss, 200}}, 2},
		// RFC 9111 §5.2.1.5: no-store on the request.
		{"request no-store", "max-age=60", "", []step{{0, "GET", []string{"Cache-Control", "no-store"}, Miss, 200}, {0, "GET", nil, Miss, 200}}, 2},
		// RFC 9111 §4.3: stale with a validator revalidates; 304 refreshes.
		{"stale revalidates", "max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {61 * time.Second, "GET", nil, Revalidated, 200}, {30 * time.Second, "GET", nil, Hit, 200}}, 2},
		// Stale without a validator is fetched again.
		{"stale refetched", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {61 * time.Second, "GET", nil, Miss, 200}, {0, "GET", nil, Hit, 200}}, 2},
		// RFC 9111 §5.2.2.4: no-cache revalidates every use.
		{"no-cache", "no-cache", `"a"`, []step{{0, "GET", nil, Miss, 200}, {0, "GET", nil, Revalidated, 200}, {0, "GET", nil, Revalidated, 200}}, 3},
		// RFC 9111 §5.2.1.4: the client's no-cache.
		{"request no-cache", "max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {0, "GET", []string{"Cache-Control", "no-cache"}, Revalidated, 200}}, 2},
		// RFC 9111 §5.2.1.1: max-age=0 on the request.
		{"request max-age=0", "max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {time.Second, "GET", []string{"Cache-Control", "max-age=0"}, Revalidated, 200}}, 2},
		// RFC 9111 §5.2.1.2: max-stale accepts a stale response.
		{"max-stale", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {70 * time.Second, "GET", []string{"Cache-Control", "max-stale=20"}, Hit, 200}}, 1},
		// RFC 9111 §5.2.2.2: but never past must-revalidate.
		{"must-revalidate", "max-age=60, must-revalidate", `"a"`, []step{{0, "GET", nil, Miss, 200}, {70 * time.Second, "GET", []string{"Cache-Control", "max-stale"}, Revalidated, 200}}, 2},
		// RFC 9111 §5.2.1.7: only-if-cached with nothing stored is 504.
		{"only-if-cached miss", "max-age=60", "", []step{{0, "GET", []string{"Cache-Control", "only-if-cached"}, Unavailable, 504}}, 0},
		{"only-if-cached hit", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {0, "GET", []string{"Cache-Control", "only-if-cached"}, Hit, 200}}, 1},
		{"only-if-cached stale", "max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {61 * time.Second, "GET", []string{"Cache-Control", "only-if-cached"}, Unavailable, 504}}, 1},
		// RFC 9111 §4.4: unsafe methods invalidate.
		{"POST invalidates", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {0, "POST", nil, Bypass, 200}, {0, "GET", nil, Miss, 200}}, 3},
		{"OPTIONS does not", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {0, "OPTIONS", nil, Bypass, 200}, {0, "GET", nil, Hit, 200}}, 2},
		// A stored GET answers HEAD (RFC 9110 §9.3.2).
		{"HEAD from GET", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {0, "HEAD", nil, Hit, 200}}, 1},
		{"HEAD not stored", "max-age=60", "", []step{{0, "HEAD", nil, Miss, 200}, {0, "GET", nil, Miss, 200}}, 2},
		// The caller's own conditional or range requests pass through.
		{"caller's If-None-Match", "max-age=60", `"a"`, []step{{0, "GET", nil, Miss, 200}, {0, "GET", []string{"If-None-Match", `"a"`}, Bypass, 304}}, 2},
		{"Range", "max-age=60", "", []step{{0, "GET", nil, Miss, 200}, {0, "GET", []string{"Range", "bytes=0-1"}, Bypass, 200}}, 2},
		// RFC 9111 §4.2.2: heuristics are off: without freshness and
		// validators nothing is worth storing.
		{"nothing to store", "", "", []step{{0, "GET", nil, Miss, 200}, {0, "GET", nil, Miss, 200}}, 2},
		// A private cache may store responses to Authorization requests.
		{"Authorization", "private, max-age=60", "", []step{{0, "GET", []string{"Authorization", "Bearer x"}, Miss, 200}, {0, "GET", []string{"Authorization", "Bearer x"}, Hit, 200}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := testenv.NewClock(t0)
			o := &origin{handler: fixed(clock, tc.cc, tc.tag)}
			var got []Outcome
			tr := newTransport(t, o, clock, Options{OutcomeFunc: func(_ *http.Request, oc Outcome) { got = append(got, oc) }})
			var want []Outcome
			for i, s := range tc.steps {
				clock.Add(s.advance)
				res, body := do(t, tr, s.method, "http://example.com/r", s.headers...)
				assert.Equal(t, s.status, res.StatusCode, "step %d", i)
				assert.Equal(t, s.want, OutcomeOf(res), "step %d", i)
				if s.status == 200 && s.method == "GET" {
					assert.Equal(t, "body of /r", body, "step %d", i)
				}
				want = append(want, s.want)
			}
			assert.Equal(t, tc.requests, o.count(), "requests reaching the origin")
			assert.Equal(t, want, got, "OutcomeFunc")
		})
	}
}

// RFC 9111 §4.3.1: a revalidation carries the stored validators.
func TestRevalidationHeaders(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	lm := date(-time.Hour)
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=10")
		w.Header().Set("ETag", `W/"w1"`)
		w.Header().Set("Last-Modified", lm)
		if r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(304)
			return
		}
		_, _ = io.WriteString(w, "x")
	}}
	tr := newTransport(t, o, clock, Options{})
	do(t, tr, "GET", "http://example.com/r")
	clock.Add(time.Minute)
	res, body := do(t, tr, "GET", "http://example.com/r")
	assert.Equal(t, Revalidated, OutcomeOf(res))
	assert.Equal(t, "x", body)
	last := o.last()
	assert.Equal(t, `W/"w1"`, last.Header.Get("If-None-Match"))
	assert.Equal(t, lm, last.Header.Get("If-Modified-Since"))
}

// RFC 9111 §3.2, §4.3.4: a 304's fields replace the stored ones, except
// Content-Length; the refreshed response is what later hits return.
func TestNotModifiedMerge(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	n := 0
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		n++
		h := w.Header()
		h.Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		h.Set("ETag", `"v1"`)
		if n == 1 {
			h.Set("Cache-Control", "max-age=10")
			h.Set("X-Version", "1")
			h.Set("Content-Length", "5")
			_, _ = io.WriteString(w, "hello")
			return
		}
		h.Set("Cache-Control", "max-age=100")
		h.Set("X-Version", "2")
		h.Set("Content-Length", "999") // must not replace the stored length
		w.WriteHeader(304)
	}}
	tr := newTransport(t, o, clock, Options{})
	do(t, tr, "GET", "http://example.com/r")
	clock.Add(20 * time.Second)
	res, body := do(t, tr, "GET", "http://example.com/r")
	require.Equal(t, Revalidated, OutcomeOf(res))
	assert.Equal(t, "hello", body)
	assert.Equal(t, "2", res.Header.Get("X-Version"))
	assert.Equal(t, "max-age=100", res.Header.Get("Cache-Control"))
	assert.Equal(t, "5", res.Header.Get("Content-Length"))
	clock.Add(50 * time.Second) // fresh under the new max-age only
	res, _ = do(t, tr, "GET", "http://example.com/r")
	assert.Equal(t, Hit, OutcomeOf(res))
	assert.Equal(t, "50", res.Header.Get("Age"), "RFC 9111 §5.1: Age of the refreshed response")
}

// RFC 9111 §4.3.3: a 304 whose tag is not the stored one cannot complete
// the response: ask again unconditionally.
func TestNotModifiedOtherTag(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	n := 0
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Cache-Control", "max-age=1")
		if n == 2 {
			w.Header().Set("ETag", `"other"`)
			w.WriteHeader(304)
			return
		}
		w.Header().Set("ETag", `"v`+strconv.Itoa(n)+`"`)
		_, _ = io.WriteString(w, "v"+strconv.Itoa(n))
	}}
	tr := newTransport(t, o, clock, Options{})
	do(t, tr, "GET", "http://example.com/r")
	clock.Add(time.Minute)
	res, body := do(t, tr, "GET", "http://example.com/r")
	assert.Equal(t, Miss, OutcomeOf(res))
	assert.Equal(t, "v3", body)
	assert.Empty(t, o.last().Header.Get("If-None-Match"))
}

// RFC 9111 §4.1: variants are kept apart and both stay stored.
func TestVariants(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language")
		_, _ = io.WriteString(w, "lang="+r.Header.Get("Accept-Language"))
	}}
	tr := newTransport(t, o, clock, Options{MaxVariants: 2})
	for _, lang := range []string{"en", "fr", "en", "fr"} {
		_, body := do(t, tr, "GET", "http://example.com/r", "Accept-Language", lang)
		assert.Equal(t, "lang="+lang, body)
	}
	assert.Equal(t, 2, o.count())
	res, _ := do(t, tr, "GET", "http://example.com/r", "Accept-Language", "de")
	assert.Equal(t, Miss, OutcomeOf(res))
	assert.Contains(t, res.Header.Get("Cache-Status"), "fwd=vary-miss")
	// MaxVariants 2: "de" pushed out the oldest ("en").
	res, _ = do(t, tr, "GET", "http://example.com/r", "Accept-Language", "en")
	assert.Equal(t, Miss, OutcomeOf(res))
	res, _ = do(t, tr, "GET", "http://example.com/r", "Vary-Not", "x", "Accept-Language", "de")
	assert.Equal(t, Hit, OutcomeOf(res))
}

// RFC 9111 §4.1: Vary: * is never matched, so it is not stored.
func TestVaryStarNotStored(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "*")
	}}
	tr := newTransport(t, o, clock, Options{})
	do(t, tr, "GET", "http://example.com/r")
	do(t, tr, "GET", "http://example.com/r")
	assert.Equal(t, 2, o.count())
}

// RFC 9111 §4.4: Location and Content-Location of the same origin are
// invalidated too; another origin's are not.
func TestInvalidateLocations(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Header().Set("Location", "/a")
			w.Header().Set("Content-Location", "http://other.example/b")
			w.WriteHeader(201)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
	}}
	tr := newTransport(t, o, clock, Options{})
	for _, u := range []string{"http://example.com/a", "http://other.example/b"} {
		do(t, tr, "GET", u)
	}
	do(t, tr, "POST", "http://example.com/list")
	res, _ := do(t, tr, "GET", "http://example.com/a")
	assert.Equal(t, Miss, OutcomeOf(res))
	res, _ = do(t, tr, "GET", "http://other.example/b")
	assert.Equal(t, Hit, OutcomeOf(res))
	// An error response invalidates nothing.
	o.handler = func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(409)
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
	}
	do(t, tr, "DELETE", "http://example.com/a")
	res, _ = do(t, tr, "GET", "http://example.com/a")
	assert.Equal(t, Hit, OutcomeOf(res))
}

// A body over MaxEntryBytes streams through whole and is not stored.
func TestLargeBodyStreams(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(t0)
	big := strings.Repeat("x", 3000)
	for _, cl := range []bool{true, false} {
		o := &origin{handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60")
			if cl {
				w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			}
			_, _ = io.WriteString(w, big)
		}}
		tr := newTransport(t, o, clock, Options{MaxEntryBytes: 1000})
		_, body := do(t, tr, "GET", "http://example.com/r")
		assert.Equal(t, big, body)
		res, body := do(t, tr, "GET", "http://example.com/r")
		assert.Equal(t, Miss, OutcomeOf(res))
		assert.Equal(t, big, body)
	}
}

// The 504 of only-if-cached is the library's error envelope.
func TestOnlyIfCachedEnvelope(t *testing.T) {
	t.Parallel()
	tr := newTransport(t, &origin{handler: fixed(testenv.NewClock(t0), "", "")}, testenv.NewClock(t0), Options{})
	res, body := do(t, tr, "GET", "http://example.com/r", "Cache-Control", "only-if-cached")
	assert.Equal(t, http.StatusGatewayTimeout, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"error":{"code":"NOT_CACHED","message":"only-if-cached: no stored response can answer this request"}}`, body)
	assert.True(t, FromCache(res))
}

func TestMemoryLRU(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := func(n int) []*Entry { return []*Entry{{Header: http.Header{}, Body: make([]byte, n)}} }
	size := e(100)[0].Size() + 1
	m := NewMemory(3 * size)
	m.Set(ctx, "a", e(100))
	m.Set(ctx, "b", e(100))
	m.Set(ctx, "c", e(100))
	require.NotNil(t, m.Get(ctx, "a")) // a is now the most recent
	m.Set(ctx, "d", e(100))            // evicts b, the least recently used
	assert.Nil(t, m.Get(ctx, "b"))
	assert.NotNil(t, m.Get(ctx, "a"))
	assert.NotNil(t, m.Get(ctx, "c"))
	assert.NotNil(t, m.Get(ctx, "d"))
	n, bytes := m.Len()
	assert.Equal(t, 3, n)
	assert.LessOrEqual(t, bytes, 3*size)
	m.Set(ctx, "huge", e(10000)) // over the whole bound: not kept, evicts nothing
	assert.Nil(t, m.Get(ctx, "huge"))
	n, _ = m.Len()
	assert.Equal(t, 3, n)
	m.Delete(ctx, "a")
	m.Set(ctx, "c", nil)
	n, _ = m.Len()
	assert.Equal(t, 1, n)
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{MaxBytes: -1}, {MaxEntryBytes: -1}, {MaxVariants: -1}, {HeuristicMax: -1}} {
		_, err := New(o)
		assert.ErrorContains(t, err, "cache: Options.")
	}
	tr, err := New(Options{})
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultMaxEntryBytes), tr.opts.MaxEntryBytes)
}

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		values []string
		want   Outcome
	}{
		{nil, 0},
		{[]string{"httpsem; hit; ttl=3"}, Hit},
		{[]string{"httpsem; fwd=stale; fwd-status=304"}, Revalidated},
		{[]string{"httpsem; fwd=uri-miss; stored"}, Miss},
		{[]string{"httpsem; fwd=bypass"}, Bypass},
		{[]string{"httpsem; detail=only-if-cached"}, Unavailable},
		// RFC 9211 §2: the member nearest the client is the last.
		{[]string{"httpsem; hit", "Origin-CDN; hit, httpsem; fwd=uri-miss"}, Miss},
		{[]string{"other; hit"}, 0},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, OutcomeOf(&http.Response{Header: http.Header{"Cache-Status": tc.values}}), "%q", tc.values)
	}
	assert.Equal(t, "revalidated", Revalidated.String())
	assert.Equal(t, "Outcome(9)", Outcome(9).String())
}

// The presets of package cache, set by its middleware, on the wire.
func TestPresetsOnTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		preset cachecontrol.Control
		second Outcome
	}{
		{"PublicListing", cachecontrol.PublicListing(), Hit}, // RFC 9111 §5.2.2.1
		{"UserSpecific", cachecontrol.UserSpecific(), Hit},   // RFC 9111 §5.2.2.7
		{"StaticAsset", cachecontrol.StaticAsset(), Hit},
		{"RealTime", cachecontrol.RealTime(), Miss},       // RFC 9111 §5.2.2.5
		{"Credentials", cachecontrol.Credentials(), Miss}, // RFC 9111 §5.2.2.5
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hits := 0
			srv := httptest.NewServer(cachecontrol.Middleware(cachecontrol.Options{Control: tc.preset})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits++
				_, _ = io.WriteString(w, "ok")
			})))
			t.Cleanup(srv.Close)
			tr, err := New(Options{Transport: srv.Client().Transport})
			require.NoError(t, err)
			c := &http.Client{Transport: tr}
			for i, want := range []Outcome{Miss, tc.second} {
				res, err := c.Get(srv.URL)
				require.NoError(t, err)
				b, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				assert.Equal(t, "ok", string(b))
				assert.Equal(t, want, OutcomeOf(res), "request %d", i)
			}
			if tc.second == Hit {
				assert.Equal(t, 1, hits)
			} else {
				assert.Equal(t, 2, hits)
			}
		})
	}
}

func BenchmarkTransportHit(b *testing.B) {
	clock := testenv.NewClock(t0)
	o := &origin{handler: fixed(clock, "public, max-age=600", `"v1"`)}
	tr := newTransport(b, o, clock, Options{})
	req := httptest.NewRequest("GET", "http://example.com/r", nil)
	req.RequestURI = ""
	res, err := tr.RoundTrip(req)
	require.NoError(b, err)
	_ = res.Body.Close()
	b.ReportAllocs()
	for b.Loop() {
		res, _ := tr.RoundTrip(req)
		_ = res.Body.Close()
	}
	if o.count() != 1 {
		b.Fatalf("%d origin requests", o.count())
	}
}

// Revalidation on the wire, once over HTTP/2: the real server strips the
// 304's body headers, and the stored body and length survive (RFC 9111
// §4.3.4, RFC 9110 §15.4.5).
func TestHTTP2Revalidation(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-cache")
		w.Header().Set("ETag", `"doc-1"`)
		if r.Header.Get("If-None-Match") == `"doc-1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"title":"t"}`)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr, err := New(Options{Transport: srv.Client().Transport})
	require.NoError(t, err)
	c := &http.Client{Transport: tr}
	t.Cleanup(c.CloseIdleConnections)
	for i, want := range []Outcome{Miss, Revalidated, Revalidated} {
		res, err := c.Get(srv.URL + "/documents/1")
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		_ = res.Body.Close()
		if i == 0 {
			assert.Equal(t, 2, res.ProtoMajor, "HTTP/2 on the wire")
		}
		assert.Equal(t, want, OutcomeOf(res), "request %d", i)
		assert.Equal(t, 200, res.StatusCode)
		assert.Equal(t, `{"title":"t"}`, string(b))
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	}
}

// BenchmarkOrigin is the baseline: the same request answered by the
// in-process origin without the cache.
func BenchmarkOrigin(b *testing.B) {
	clock := testenv.NewClock(t0)
	o := &origin{handler: fixed(clock, "public, max-age=600", `"v1"`)}
	req := httptest.NewRequest("GET", "http://example.com/r", nil)
	req.RequestURI = ""
	b.ReportAllocs()
	for b.Loop() {
		res, _ := o.RoundTrip(req)
		_ = res.Body.Close()
		o.reqs = o.reqs[:0]
	}
}
