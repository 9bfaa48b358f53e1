package etag

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpsem/httpsem/httperr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newServer serves h behind Middleware(opts) on a real HTTP/1.1 server: 304
// and HEAD must be checked on the wire, where net/http applies its own rules.
func newServer(t *testing.T, opts Options, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Middleware(opts)(h))
	t.Cleanup(srv.Close)
	return srv
}

// newServerH2 is newServer over HTTP/2 with TLS.
func newServerH2(t *testing.T, opts Options, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(Middleware(opts)(h))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	body   string
	proto  int
}

// do sends one request; hdr is pairs of name, value. An explicit
// Accept-Encoding keeps the Transport from adding gzip and decoding.
func do(t *testing.T, srv *httptest.Server, method, path string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), proto: resp.ProtoMajor}
}

// page serves a fixed body and records the method the handler saw.
type page struct {
	body   string
	ctype  string
	header map[string]string
	status int
	calls  atomic.Int32
	method atomic.Value
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	p.method.Store(r.Method)
	if p.ctype != "" {
		w.Header().Set("Content-Type", p.ctype)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "max-age=60")
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	if p.status != 0 {
		w.WriteHeader(p.status)
	}
	// Several writes, as real handlers do.
	for chunk := range chunks(p.body, 100) {
		_, _ = io.WriteString(w, chunk)
	}
}

func chunks(s string, n int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(s) > n {
			if !yield(s[:n]) {
				return
			}
			s = s[n:]
		}
		if s != "" {
			yield(s)
		}
	}
}

func body(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

// releaser returns a channel a handler waits on and an idempotent func that
// releases it, so a failing test never leaves a handler blocked.
func releaser() (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

func TestMiddlewareWire(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			p := &page{body: body(5000)}
			srv := newServer(t, Options{}, p)
			wantProto := 1
			if proto == "HTTP/2" {
				srv = newServerH2(t, Options{}, p)
				wantProto = 2
			}
			tag := FromBytes([]byte(p.body)).String()
			weakTag := `W/` + tag
			cl := strconv.Itoa(len(p.body))

			tests := []struct {
				name   string
				method string
				hdr    []string
				status int
				body   bool
			}{
				{"GET", "GET", nil, 200, true},
				{"HEAD", "HEAD", nil, 200, false},
				// RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
				{"GET INM match", "GET", []string{"If-None-Match", tag}, 304, false},
				{"GET INM weak form", "GET", []string{"If-None-Match", weakTag}, 304, false},
				{"GET INM in list", "GET", []string{"If-None-Match", `"a", ` + tag}, 304, false},
				{"GET INM second line", "GET", []string{"If-None-Match", `"a"`, "If-None-Match", tag}, 304, false},
				{"GET INM star", "GET", []string{"If-None-Match", "*"}, 304, false},
				{"GET INM other", "GET", []string{"If-None-Match", `"other"`}, 200, true},
				{"GET INM malformed", "GET", []string{"If-None-Match", `xyz`}, 200, true},
				{"HEAD INM match", "HEAD", []string{"If-None-Match", tag}, 304, false},
				// RFC 9110 §13.2.2 step 1: If-Match (strong) comes first.
				{"GET If-Match match", "GET", []string{"If-Match", tag}, 200, true},
				{"GET If-Match weak never matches", "GET", []string{"If-Match", weakTag, "If-None-Match", tag}, 412, true},
				{"GET If-Match star", "GET", []string{"If-Match", "*", "If-None-Match", tag}, 304, false},
				// RFC 9110 §13.1.1: a present If-Match with no member that can
				// match is false, not absent.
				{"GET If-Match malformed", "GET", []string{"If-Match", `abc`}, 412, true},
				{"GET If-Match unterminated", "GET", []string{"If-Match", `"` + tag[1:len(tag)-1]}, 412, true},
				{"GET If-Match unquoted weak", "GET", []string{"If-Match", `W/` + tag[1:len(tag)-1]}, 412, true},
				{"GET INM malformed, IMS ignored", "GET", []string{"If-None-Match", `xyz`, "If-Modified-Since", time.Now().UTC().Format(http.TimeFormat)}, 200, true},
				{"GET If-Match empty", "GET", []string{"If-Match", ``}, 412, true},
				{"GET If-Match malformed beats INM match", "GET", []string{"If-Match", `'x'`, "If-None-Match", tag}, 412, true},
				// Date preconditions need Last-Modified: not this middleware's job.
				{"GET IMS ignored", "GET", []string{"If-Modified-Since", time.Now().UTC().Format(http.TimeFormat)}, 200, true},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res := do(t, srv, tt.method, "/", tt.hdr...)
					require.Equal(t, tt.status, res.status)
					assert.Equal(t, wantProto, res.proto)
					switch tt.status {
					case 200:
						assert.Equal(t, tag, res.header.Get("Etag"))
						assert.Equal(t, cl, res.header.Get("Content-Length"), "HEAD gets GET's length")
						assert.Equal(t, "text/plain; charset=utf-8", res.header.Get("Content-Type"))
					case 304:
						// RFC 9110 §15.4.5: validators and cache fields stay, the
						// representation fields go.
						assert.Equal(t, tag, res.header.Get("Etag"))
						assert.Equal(t, "max-age=60", res.header.Get("Cache-Control"))
						assert.Empty(t, res.header.Get("Content-Type"))
						assert.Empty(t, res.header.Get("Content-Length"))
					case 412:
						assert.Contains(t, res.body, `"code":"CONFLICT"`)
						assert.Contains(t, res.body, `"current_etag":`+strconv.Quote(tag))
						assert.Empty(t, res.header.Get("Etag"))
						return
					}
					if tt.body {
						assert.Equal(t, p.body, res.body)
					} else {
						assert.Empty(t, res.body)
					}
				})
			}
			assert.Equal(t, "GET", p.method.Load(), "HEAD reaches the handler as GET")
		})
	}
}

func TestMiddlewareHandlerETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		etag    string
		inm     string
		status  int
		wantTag string
	}{
		{"kept", `"v1"`, "", 200, `"v1"`},
		{"kept weak", `W/"v1"`, "", 200, `W/"v1"`},
		{"304 on own tag", `"v1"`, `"v1"`, 304, `"v1"`},
		{"304 weak own tag", `W/"v1"`, `"v1"`, 304, `W/"v1"`}, // §13.1.2 weak comparison
		{"no 304 on other", `"v1"`, `"v2"`, 200, `"v1"`},
		{"malformed kept, never 304", `v1`, `*`, 200, `v1`},
		{"empty tag is no tag", `""`, `""`, 200, `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, Options{}, &page{body: "hello", header: map[string]string{"Etag": tt.etag}})
			var hdr []string
			if tt.inm != "" {
				hdr = []string{"If-None-Match", tt.inm}
			}
			res := do(t, srv, "GET", "/", hdr...)
			require.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.wantTag, res.header.Get("Etag"))
			if tt.status == 200 {
				assert.Equal(t, "hello", res.body)
			}
		})
	}
}

func TestMiddlewarePassesThrough(t *testing.T) {
	t.Parallel()
	small := "small body"
	tests := []struct {
		name   string
		opts   Options
		method string
		page   *page
		hdr    []string
		status int
	}{
		// Only GET and HEAD are tagged; an unsafe method is never answered 304
		// after its handler ran (RFC 9110 §13.2.2 step 3 would say 412, and
		// that is conditional's job, before the write).
		{"POST", Options{}, "POST", &page{body: small}, []string{"If-None-Match", "*"}, 200},
		{"PUT", Options{}, "PUT", &page{body: small}, []string{"If-None-Match", "*"}, 200},
		{"DELETE", Options{}, "DELETE", &page{body: small}, nil, 200},
		{"event stream", Options{}, "GET", &page{body: small, ctype: "text/event-stream"}, []string{"If-None-Match", "*"}, 200},
		{"event stream params", Options{}, "GET", &page{body: small, ctype: "Text/Event-Stream; charset=utf-8"}, nil, 200},
		{"no-store", Options{}, "GET", &page{body: small, header: map[string]string{"Cache-Control": "private, No-Store"}}, []string{"If-None-Match", "*"}, 200},
		{"404", Options{}, "GET", &page{body: small, status: 404}, []string{"If-None-Match", "*"}, 404},
		{"204", Options{}, "GET", &page{status: 204}, nil, 204},
		{"206 is part of a representation", Options{}, "GET", &page{body: small, status: 206}, []string{"If-None-Match", "*"}, 206},
		{"skipped", Options{SkipFunc: func(r *http.Request) bool { return r.URL.Path == "/" }}, "GET", &page{body: small}, []string{"If-None-Match", "*"}, 200},
		{"upgrade request", Options{}, "GET", &page{body: small}, []string{"Upgrade", "foo", "Connection", "upgrade"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.opts, tt.page)
			res := do(t, srv, tt.method, "/", tt.hdr...)
			require.Equal(t, tt.status, res.status)
			assert.Empty(t, res.header.Get("Etag"))
			assert.Equal(t, tt.page.body, res.body)
			assert.EqualValues(t, 1, tt.page.calls.Load())
		})
	}

	t.Run("no-store is a whole directive", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, Options{}, &page{body: small, header: map[string]string{"Cache-Control": `no-cache="no-store", x-no-store`}})
		res := do(t, srv, "GET", "/")
		assert.Equal(t, FromBytes([]byte(small)).String(), res.header.Get("Etag"))
	})
	t.Run("not an event stream", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, Options{}, &page{body: small, ctype: "text/event-streams"})
		res := do(t, srv, "GET", "/")
		assert.NotEmpty(t, res.header.Get("Etag"))
	})
}

func TestMiddlewareStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 201, 202, 203} {
		srv := newServer(t, Options{}, &page{body: "x", status: status})
		res := do(t, srv, "GET", "/", "If-None-Match", FromBytes([]byte("x")).String())
		assert.Equal(t, 304, res.status, "RFC 9110 §13.2.1: preconditions apply to a 2xx, here %d", status)
		res = do(t, srv, "GET", "/")
		assert.Equal(t, status, res.status)
		assert.Equal(t, FromBytes([]byte("x")).String(), res.header.Get("Etag"))
	}
}

func TestMiddlewareEmptyBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	res := do(t, srv, "GET", "/")
	require.Equal(t, 200, res.status)
	assert.Equal(t, FromBytes(nil).String(), res.header.Get("Etag"))
	assert.Equal(t, "0", res.header.Get("Content-Length"))
	assert.Equal(t, 304, do(t, srv, "GET", "/", "If-None-Match", FromBytes(nil).String()).status)
}

func TestMiddlewareOversizeStreams(t *testing.T) {
	t.Parallel()
	const limit = 1024
	big := body(256 << 10)
	release, done := releaser()
	srv := newServer(t, Options{MaxBuffer: limit}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big[:len(big)/2])
		// The client must see the first half while the handler is still
		// here: past the limit nothing is held back.
		<-release
		_, _ = io.WriteString(w, big[len(big)/2:])
	}))
	t.Cleanup(done) // runs before srv.Close, even when a require fails
	req, err := http.NewRequest("GET", srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("If-None-Match", FromBytes([]byte(big)).String())
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Etag"), "an untagged stream cannot be revalidated")
	assert.Empty(t, resp.Header.Get("Content-Length"))
	first := make([]byte, len(big)/4)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	done()
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, big, string(first)+string(rest))
}

func TestMiddlewareExactlyAtLimit(t *testing.T) {
	t.Parallel()
	b := body(1000)
	srv := newServer(t, Options{MaxBuffer: len(b)}, &page{body: b})
	res := do(t, srv, "GET", "/")
	assert.Equal(t, FromBytes([]byte(b)).String(), res.header.Get("Etag"), "a body of exactly MaxBuffer is tagged")
	srv = newServer(t, Options{MaxBuffer: len(b) - 1}, &page{body: b})
	res = do(t, srv, "GET", "/")
	assert.Empty(t, res.header.Get("Etag"), "one byte more streams")
	assert.Equal(t, b, res.body)
}

func TestMiddlewareFlushOptsOut(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"Flusher", "ResponseController"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			release, done := releaser()
			srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "first\n")
				if via == "Flusher" {
					w.(http.Flusher).Flush()
				} else {
					assert.NoError(t, http.NewResponseController(w).Flush())
				}
				<-release
				_, _ = io.WriteString(w, "second\n")
			}))
			t.Cleanup(done)
			req, err := http.NewRequest("GET", srv.URL, nil)
			require.NoError(t, err)
			req.Header.Set("If-None-Match", "*")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode, "a flushed response is never 304")
			assert.Empty(t, resp.Header.Get("Etag"))
			line, err := bufio.NewReader(resp.Body).ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "first\n", line, "flushed before the handler returned")
			done()
		})
	}
}

func TestMiddlewareResponseController(t *testing.T) {
	t.Parallel()
	t.Run("deadline through Unwrap", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
			assert.NoError(t, err)
			_, _ = io.WriteString(w, "ok")
		}))
		res := do(t, srv, "GET", "/")
		assert.Equal(t, "ok", res.body)
		assert.NotEmpty(t, res.header.Get("Etag"))
	})
	t.Run("hijack", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if !assert.NoError(t, err) {
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			_ = brw.Flush()
		}))
		res := do(t, srv, "GET", "/")
		assert.Equal(t, "hijacked", res.body)
		assert.Empty(t, res.header.Get("Etag"))
	})
}

func TestMiddlewarePanicSendsNoTaggedBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "half a respon")
		panic(http.ErrAbortHandler) // ErrAbortHandler keeps the server log quiet
	}))
	req, err := http.NewRequest("GET", srv.URL, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	if err == nil {
		// Never a complete, tagged 200.
		_, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Fail(t, "expected the connection to be aborted", "status %d, read error %v", resp.StatusCode, rerr)
	}
}

func TestMiddlewareTagCache(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	// Many distinct bodies, several rounds: the direct-mapped cache evicts
	// and collides, and every response must still carry its own tag.
	srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Query().Get("v"))
		n.Add(1)
	}))
	for round := range 3 {
		for i := range 3 * tagCacheSize {
			v := strconv.Itoa(i)
			res := do(t, srv, "GET", "/?v="+v)
			require.Equal(t, FromBytes([]byte(v)).String(), res.header.Get("Etag"), "round %d, body %q", round, v)
		}
	}
	assert.EqualValues(t, 9*tagCacheSize, n.Load())
}

func TestMiddlewareOptions(t *testing.T) {
	t.Parallel()
	// The Options rule: zero MaxBuffer is the default limit.
	srv := newServer(t, Options{VariantSuffixes: []string{""}}, &page{body: body(DefaultMaxBuffer + 1)})
	res := do(t, srv, "GET", "/")
	assert.Empty(t, res.header.Get("Etag"))
	assert.Len(t, res.body, DefaultMaxBuffer+1)
	srv = newServer(t, Options{}, &page{body: body(DefaultMaxBuffer)})
	res = do(t, srv, "GET", "/")
	assert.NotEmpty(t, res.header.Get("Etag"))

	// Negative is none: nothing is buffered, so even a small body streams
	// untagged, whole.
	srv = newServer(t, Options{MaxBuffer: -1}, &page{body: "small"})
	res = do(t, srv, "GET", "/")
	assert.Empty(t, res.header.Get("Etag"))
	assert.Equal(t, "small", res.body)

	// A tag the handler sets itself is still evaluated (RFC 9110 §13.1.2).
	srv = newServer(t, Options{MaxBuffer: -1}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write([]byte("small"))
	}))
	res = do(t, srv, "GET", "/", "If-None-Match", `"v1"`)
	assert.Equal(t, http.StatusNotModified, res.status)
	assert.Empty(t, res.body)
}

// TestMiddlewareHeadLikeGet: RFC 9110 §9.3.2 says HEAD gets the header fields
// GET would, including ETag and Content-Length, even from a handler that skips
// the body on HEAD; the middleware shows it the request as GET.
func TestMiddlewareHeadLikeGet(t *testing.T) {
	t.Parallel()
	b := body(3000)
	srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if r.Method == http.MethodHead {
			return // a handler that saves work on HEAD
		}
		_, _ = io.WriteString(w, b)
	}))
	get := do(t, srv, "GET", "/")
	head := do(t, srv, "HEAD", "/")
	require.Equal(t, 200, head.status)
	assert.Equal(t, FromBytes([]byte(b)).String(), head.header.Get("Etag"))
	assert.Equal(t, get.header.Get("Etag"), head.header.Get("Etag"))
	assert.Equal(t, strconv.Itoa(len(b)), head.header.Get("Content-Length"))
	assert.Empty(t, head.body)
	assert.Equal(t, 304, do(t, srv, "HEAD", "/", "If-None-Match", get.header.Get("Etag")).status)
}

func TestRetainLimit(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 2*DefaultMaxBuffer, retainLimit(DefaultMaxBuffer))
	assert.Equal(t, math.MaxInt, retainLimit(math.MaxInt))
}

func TestMiddlewareErrorWriter(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{ErrorWriter: httperr.Problem{}}, &page{body: "x"})
	res := do(t, srv, "GET", "/", "If-Match", `"stale"`)
	require.Equal(t, http.StatusPreconditionFailed, res.status)
	assert.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	assert.Contains(t, res.body, FromBytes([]byte("x")).String()[1:12])
}

// A handler that assigns w.Header()["ETag"] directly bypasses
// canonicalisation; the middleware must still see its tag and not add a
// second ETag field.
func TestMiddlewareNonCanonicalETagKey(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["ETag"] = []string{`"mine"`}
		_, _ = io.WriteString(w, "body")
	}))
	req, err := http.NewRequest("GET", srv.URL, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{`"mine"`}, resp.Header.Values("Etag"))
	res := do(t, srv, "GET", "/", "If-None-Match", `"mine"`)
	assert.Equal(t, 304, res.status)
	res = do(t, srv, "GET", "/", "If-Match", `"other"`)
	assert.Equal(t, 412, res.status)
	assert.Contains(t, res.body, `"current_etag":"\"mine\""`)
	assert.Empty(t, res.header.Values("Etag"), "an error describes no representation")
}
