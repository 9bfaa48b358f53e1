package cache

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/internal/response"
)

// serve runs one request through Middleware(opts)(h) with a recorder; for
// pure header logic (the wire cases use wire below).
func serve(opts Options, h http.HandlerFunc, req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	Middleware(opts)(h).ServeHTTP(rec, req)
	return rec.Result()
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func TestMiddlewareStatuses(t *testing.T) {
	t.Parallel()
	policy := Options{Control: PublicListing()}
	tests := []struct {
		name string
		opts Options
		h    http.HandlerFunc
		want string // Cache-Control on the wire; "" = none
	}{
		{"200 gets policy", policy, status(200), "public, max-age=60"},
		{"204 gets policy", policy, status(204), "public, max-age=60"},
		{"206 gets policy", policy, status(206), "public, max-age=60"},
		// RFC 9111 §4.3.4: a 304 carries the Cache-Control that updates the stored response.
		{"304 gets policy", policy, status(304), "public, max-age=60"},
		{"handler wrote nothing", policy, func(http.ResponseWriter, *http.Request) {}, "public, max-age=60"},
		{"body without WriteHeader", policy, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "x") }, "public, max-age=60"},
		{"handler's own Cache-Control wins", policy, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
		}, "no-cache"},
		// RFC 9111 §5.3: Expires is a freshness decision of the handler; a
		// max-age next to it would override it.
		{"handler's Expires wins", policy, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
		}, ""},
		{"301 untouched", policy, status(301), ""},
		{"404 untouched", policy, status(404), ""},
		{"500 no-store", policy, status(500), "no-store"},
		{"503 no-store", Options{}, status(503), "no-store"},
		{"5xx replaces handler's policy", policy, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.WriteHeader(502)
		}, "no-store"},
		{"5xx honor handler's policy", Options{HonorServerErrorControl: true}, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Cache-Control", "max-age=5")
			w.WriteHeader(503)
		}, "max-age=5"},
		{"5xx honor, none set", Options{HonorServerErrorControl: true}, status(500), "no-store"},
		{"5xx configured", Options{ServerError: Control{MaxAge: Seconds(5)}}, status(503), "max-age=5"},
		{"zero options 200", Options{}, status(200), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := serve(tt.opts, tt.h, httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tt.want, res.Header.Get("Cache-Control"))
			assert.LessOrEqual(t, len(res.Header.Values("Cache-Control")), 1)
		})
	}
}

func TestMiddlewareAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		control Control
		allow   bool
		auth    bool
		want    string
	}{
		{"no authorization keeps public", PublicListing(), false, false, "public, max-age=60"},
		// RFC 9111 §3.5: public would let a shared cache store it.
		{"public becomes private", PublicListing(), false, true, "private, max-age=60"},
		{"static asset becomes private", StaticAsset(), false, true, "private, max-age=31536000, immutable"},
		// RFC 9111 §3.5: s-maxage and must-revalidate allow shared storage too.
		{"s-maxage dropped", Control{SMaxAge: Seconds(60), MaxAge: Seconds(10), ProxyRevalidate: true}, false, true, "private, max-age=10"},
		{"must-revalidate made private", Control{MaxAge: Seconds(10), MustRevalidate: true}, false, true, "private, max-age=10, must-revalidate"},
		// A field-qualified private still lets shared caches store the rest.
		{"qualified private made unqualified", Control{Public: true, Private: true, PrivateFields: []string{"X-A"}}, false, true, "private"},
		{"opt-in keeps public", PublicListing(), true, true, "public, max-age=60"},
		{"already private unchanged", UserSpecific(), false, true, "private, max-age=300"},
		{"no-store unchanged", Credentials(), false, true, "no-store"},
		// Without public/s-maxage/must-revalidate a shared cache must not store it (§3.5).
		{"plain max-age unchanged", Control{MaxAge: Seconds(5)}, false, true, "max-age=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.auth {
				req.Header.Set("Authorization", "Bearer x")
			}
			res := serve(Options{Control: tt.control, AllowAuthorizedPublic: tt.allow}, status(200), req)
			assert.Equal(t, tt.want, res.Header.Get("Cache-Control"))
		})
	}
}

func TestMiddlewareVary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		vary    []string
		handler []string // Vary lines the handler sets
		code    int
		want    []string
	}{
		{"adds canonical names", []string{"accept", " Accept-Encoding "}, nil, 200, []string{"Accept, Accept-Encoding"}},
		// RFC 9110 §5.1: field names are case-insensitive, no duplicates.
		{"merges with handler", []string{"Accept", "Origin"}, []string{"accept, Cookie"}, 200, []string{"accept, Cookie, Origin"}},
		// RFC 9110 §12.5.5: "*" varies on everything already.
		{"star kept", []string{"Accept"}, []string{"*"}, 200, []string{"*"}},
		{"304 too", []string{"Accept"}, nil, 304, []string{"Accept"}},
		{"4xx untouched", []string{"Accept"}, nil, 404, nil},
		{"empty names ignored", []string{"", " "}, nil, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := func(w http.ResponseWriter, _ *http.Request) {
				for _, v := range tt.handler {
					w.Header().Add("Vary", v)
				}
				w.WriteHeader(tt.code)
			}
			res := serve(Options{Vary: tt.vary}, h, httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tt.want, res.Header.Values("Vary"))
		})
	}
}

func TestMiddlewareCopiesVary(t *testing.T) {
	t.Parallel()
	vary := []string{"Accept"}
	mw := Middleware(Options{Vary: vary})
	vary[0] = "Cookie"
	rec := httptest.NewRecorder()
	mw(status(200)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, "Accept", rec.Header().Get("Vary"))
}

func TestAddVary(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	AddVary(h, "accept")
	AddVary(h, "Accept", "Accept-Language")
	assert.Equal(t, []string{"Accept, Accept-Language"}, h.Values("Vary"))
	assert.True(t, VaryHas(h, "ACCEPT"))
	assert.False(t, VaryHas(h, "Cookie"))
	AddVary(h, "*")
	assert.Equal(t, []string{"*"}, h.Values("Vary"))
	assert.True(t, VaryHas(h, "Cookie"), "* varies on everything")
}

// A panicking handler must not be turned into a committed 200 carrying the
// policy: the panic propagates to net/http, which aborts the response.
func TestMiddlewarePanicPropagates(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	h := Middleware(Options{Control: PublicListing()})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	})
	assert.Empty(t, rec.Header().Get("Cache-Control"))
	assert.False(t, rec.Flushed)
}

// wire runs handler behind a real server over HTTP/1.1 and HTTP/2 and calls
// check with each response (304 bodies and header stripping are only real on
// the wire).
func wire(t *testing.T, h http.Handler, req func(url string) *http.Request, check func(t *testing.T, res *http.Response, body string)) {
	t.Helper()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(h)
			if proto == "HTTP/2" {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			res, err := srv.Client().Do(req(srv.URL))
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, proto, res.Proto[:len(proto)])
			check(t, res, string(b))
		})
	}
}

func TestMiddlewareWire304(t *testing.T) {
	t.Parallel()
	// A handler answering If-None-Match by hand; the policy and Vary must
	// reach the 304 and the representation headers must not (RFC 9110 §15.4.5).
	h := Middleware(Options{Control: PublicListing(), Vary: []string{"Accept"}})(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "text/plain")
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				_, _ = io.WriteString(w, "must not be sent")
				return
			}
			_, _ = io.WriteString(w, "hello")
		}))
	wire(t, h, func(url string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, url, nil)
		r.Header.Set("If-None-Match", `"v1"`)
		return r
	}, func(t *testing.T, res *http.Response, body string) {
		assert.Equal(t, http.StatusNotModified, res.StatusCode)
		assert.Empty(t, body)
		assert.Equal(t, "public, max-age=60", res.Header.Get("Cache-Control"))
		assert.Equal(t, "Accept", res.Header.Get("Vary"))
		assert.Equal(t, `"v1"`, res.Header.Get("ETag"))
		assert.Empty(t, res.Header.Get("Content-Type"))
	})
}

func TestMiddlewareWireFlush(t *testing.T) {
	t.Parallel()
	// A streaming handler: the policy is applied when the header is
	// committed by Flush, and the body streams through.
	release := make(chan struct{})
	h := Middleware(Options{Control: RealTime()})(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "a")
		assert.NoError(t, http.NewResponseController(w).Flush())
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		_, _ = io.WriteString(w, "b")
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	done := make(chan struct{})
	var res *http.Response
	go func() {
		defer close(done)
		var err error
		res, err = srv.Client().Get(srv.URL)
		assert.NoError(t, err)
	}()
	<-done // headers arrived while the handler is still blocked
	require.NotNil(t, res)
	defer res.Body.Close()
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	close(release)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, "ab", string(b))
}

func TestPrivateIfAuthorized(t *testing.T) {
	t.Parallel()
	plain := httptest.NewRequest(http.MethodGet, "/", nil)
	authorized := httptest.NewRequest(http.MethodGet, "/", nil)
	authorized.Header.Set("Authorization", "Basic YTpi")
	assert.Equal(t, StaticAsset(), PrivateIfAuthorized(plain, StaticAsset()))
	// RFC 9111 §3.5 via §5.2.2.7.
	assert.Equal(t, Control{Private: true, MaxAge: Seconds(31536000), Immutable: true}, PrivateIfAuthorized(authorized, StaticAsset()))
	assert.Equal(t, RealTime(), PrivateIfAuthorized(authorized, RealTime()))
}

// The policy values are shared between responses to keep the middleware
// allocation-free; a handler (or outer middleware) that adds to them after
// the commit must not change what the next response gets.
func TestMiddlewareSharedValuesStayIntact(t *testing.T) {
	t.Parallel()
	h := Middleware(Options{Control: PublicListing(), Vary: []string{"Accept"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Header().Add("Cache-Control", "no-transform")
		w.Header().Add("Vary", "Origin")
	}))
	for i := 0; i < 3; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, []string{"public, max-age=60", "no-transform"}, rec.Header()["Cache-Control"])
		assert.Equal(t, []string{"Accept", "Origin"}, rec.Header()["Vary"])
	}
}

func TestMiddlewareAllocatesNothing(t *testing.T) {
	h := Middleware(Options{Control: PublicListing(), Vary: []string{"Accept"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &headerOnly{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	})
	assert.Zero(t, allocs)
	assert.Equal(t, "public, max-age=60", w.h.Get("Cache-Control"))
}

type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerOnly) WriteHeader(int)             {}

// TestMiddleware304StripsInOnePass checks that the middleware nearest the
// server, which strips a 304 in the pass that finds Vary, Cache-Control and
// Expires, sends what it sends behind another Writer, where it looks them up
// and the outer Writer strips (RFC 9110 §15.4.5, RFC 9111 §4.3.4).
func TestMiddleware304StripsInOnePass(t *testing.T) {
	t.Parallel()
	fields := map[string]string{
		"Vary": "Accept-Language", "Cache-Control": "no-cache", "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
		"Content-Type": "text/plain", "Content-Length": "3", "Last-Modified": "Thu, 01 Jan 1970 00:00:00 GMT",
	}
	names := []string{"Vary", "Cache-Control", "Expires", "Content-Type", "Content-Length", "Last-Modified"}
	mw := Middleware(Options{Control: PublicListing(), Vary: []string{"Accept"}})
	outer := response.NewPool(0)
	for set := range 1 << len(names) {
		for _, auth := range []bool{false, true} {
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Etag"] = []string{`"a"`}
				for i, k := range names {
					if set&(1<<i) != 0 {
						w.Header()[k] = []string{fields[k]}
					}
				}
				w.WriteHeader(http.StatusNotModified)
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if auth {
				req.Header.Set("Authorization", "Bearer x")
			}
			direct := httptest.NewRecorder()
			h.ServeHTTP(direct, req)
			behind := httptest.NewRecorder()
			rw := outer.Get(behind, req, response.Options{})
			h.ServeHTTP(rw.ResponseWriter(), req)
			require.NoError(t, rw.Finish())
			outer.Put(rw)
			assert.Equal(t, http.StatusNotModified, direct.Code)
			assert.Equal(t, behind.Header(), direct.Header(), "fields %06b, Authorization %v", set, auth)
			assert.NotContains(t, direct.Header(), "Content-Type")
		}
	}
}
