package response

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrap returns a handler that runs h behind a Writer built from opts, as a
// middleware would.
func wrap(pool *Pool, opts Options, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rw *Writer
		if pool != nil {
			rw = pool.Get(w, r, opts)
			defer pool.Put(rw)
		} else {
			rw = New(w, r, opts)
		}
		h(rw.ResponseWriter(), r)
		_ = rw.Finish()
	})
}

type wireResp struct {
	status int
	header http.Header
	body   string
	proto  string
	cl     int64
}

func doWire(t *testing.T, srv *httptest.Server, method string) wireResp {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return wireResp{resp.StatusCode, resp.Header, string(b), resp.Proto, resp.ContentLength}
}

// servers runs h over HTTP/1.1 and HTTP/2 (CONVENTIONS §28).
func servers(t *testing.T, h http.Handler) map[string]*httptest.Server {
	t.Helper()
	h1 := httptest.NewServer(h)
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h1.Close)
	t.Cleanup(h2.Close)
	return map[string]*httptest.Server{"HTTP/1.1": h1, "HTTP/2": h2}
}

func TestWriterOnTheWire(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 100)
	// net/http itself adds Content-Length to small bodies written before the
	// handler returns, so streaming cases use a body past its 2 KiB buffer.
	big := strings.Repeat("y", 8<<10)
	tests := []struct {
		name     string
		opts     Options
		method   string
		handler  http.HandlerFunc
		status   int
		body     string
		cl       int64 // -1: unknown (streamed)
		header   map[string]string
		noHeader []string
	}{
		{
			name: "buffered complete sets Content-Length", opts: Options{MaxBuffer: 1024}, method: "GET",
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) },
			status:  200, body: body, cl: 100,
		},
		{
			name: "overflow streams without Content-Length", opts: Options{MaxBuffer: 10}, method: "GET",
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) },
			status:  200, body: big, cl: -1,
		},
		{
			name: "overflow across several writes", opts: Options{MaxBuffer: 8<<10 + 50}, method: "GET",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, big)
				_, _ = w.Write([]byte(big))
			},
			status: 200, body: big + big, cl: -1,
		},
		{
			name: "hook turns 200 into 304: no body, representation headers dropped (RFC 9110 §15.4.5)", method: "GET",
			opts: Options{MaxBuffer: 1024, OnCommit: func(c *Commit) bool { c.Status = http.StatusNotModified; return false }},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("ETag", `"a"`)
				w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
				w.Header().Set("Cache-Control", "max-age=60")
				w.Header().Set("Vary", "Accept")
				_, _ = io.WriteString(w, body)
			},
			status: 304, body: "", cl: 0,
			header:   map[string]string{"Etag": `"a"`, "Cache-Control": "max-age=60", "Vary": "Accept"},
			noHeader: []string{"Content-Type", "Last-Modified"},
		},
		{
			name: "HEAD never carries a body (RFC 9110 §9.3.2); Content-Length from the buffer", method: "HEAD",
			opts:    Options{MaxBuffer: 1024},
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) },
			status:  200, body: "", cl: 100,
		},
		{
			name: "HEAD keeps the handler's Content-Length when it wrote no body", method: "HEAD",
			opts: Options{MaxBuffer: 1024},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "42")
			},
			status: 200, body: "", cl: 42,
		},
		{
			name: "204 drops what the handler writes", method: "GET", opts: Options{},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				_, _ = io.WriteString(w, body)
			},
			status: 204, body: "", cl: 0,
		},
		{
			name: "second WriteHeader ignored", method: "GET", opts: Options{MaxBuffer: 1024},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				w.WriteHeader(http.StatusTeapot)
				_, _ = io.WriteString(w, "ok")
			},
			status: 201, body: "ok", cl: 2,
		},
		{
			name: "no write at all means 200 and empty body", method: "GET", opts: Options{MaxBuffer: 1024},
			handler: func(w http.ResponseWriter, r *http.Request) {},
			status:  200, body: "", cl: 0,
		},
		{
			name: "hook that writes the response itself wins", method: "GET",
			opts: Options{MaxBuffer: 1024, OnCommit: func(c *Commit) bool {
				c.W.Header().Set("Content-Type", "text/plain")
				c.W.WriteHeader(http.StatusPreconditionFailed)
				_, _ = io.WriteString(c.W, "nope")
				return true
			}},
			handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) },
			status:  412, body: "nope", cl: -2,
		},
		{
			name: "passthrough streams at once", method: "GET",
			opts: Options{MaxBuffer: 1024, Passthrough: func(int, http.Header) bool { return true }},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(200)
				_, _ = io.WriteString(w, big)
			},
			status: 200, body: big, cl: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for proto, srv := range servers(t, wrap(NewPool(1<<20), tc.opts, tc.handler)) {
				got := doWire(t, srv, tc.method)
				assert.Equal(t, tc.status, got.status, proto)
				assert.Equal(t, tc.body, got.body, proto)
				if tc.cl != -2 {
					assert.Equal(t, tc.cl, got.cl, proto+" content length")
				}
				for k, v := range tc.header {
					assert.Equal(t, v, got.header.Get(k), proto+" "+k)
				}
				for _, k := range tc.noHeader {
					assert.Empty(t, got.header.Values(k), proto+" "+k)
				}
			}
		})
	}
}

func TestOnCommitSeesCompleteBody(t *testing.T) {
	t.Parallel()
	var seen []Commit
	opts := Options{MaxBuffer: 8, OnCommit: func(c *Commit) bool {
		cp := *c
		cp.Body = append([]byte(nil), c.Body...)
		seen = append(seen, cp)
		return false
	}}
	rec := httptest.NewRecorder()
	rw := New(rec, httptest.NewRequest("GET", "/", nil), opts)
	_, _ = rw.WriteString("abc")
	_, _ = rw.Write([]byte("def"))
	require.NoError(t, rw.Finish())
	require.Len(t, seen, 1)
	assert.True(t, seen[0].Complete)
	assert.Equal(t, "abcdef", string(seen[0].Body))
	assert.Equal(t, 200, seen[0].Status)
	assert.Equal(t, int64(6), rw.Written())

	seen = nil
	rec = httptest.NewRecorder()
	rw = New(rec, httptest.NewRequest("GET", "/", nil), opts)
	_, _ = rw.WriteString("abcdef")
	_, _ = rw.WriteString("ghi") // 9 > 8: overflow
	require.NoError(t, rw.Finish())
	require.Len(t, seen, 1, "OnCommit runs exactly once")
	assert.False(t, seen[0].Complete)
	assert.Equal(t, "abcdefghi", rec.Body.String())
	assert.Empty(t, rec.Header().Get("Content-Length"))
}

func TestFlushStreamsBeforeHandlerReturns(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	commits := 0
	opts := Options{MaxBuffer: 1 << 20, OnCommit: func(c *Commit) bool { commits++; return false }}
	h := wrap(nil, opts, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		assert.NoError(t, http.NewResponseController(w).Flush())
		<-release
		_, _ = io.WriteString(w, "second\n")
	})
	for proto, srv := range servers(t, h) {
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err, proto)
		br := bufio.NewReader(resp.Body)
		line, err := br.ReadString('\n')
		require.NoError(t, err, proto)
		assert.Equal(t, "first\n", line, proto+": flushed bytes arrive while the handler still runs")
		assert.Equal(t, int64(-1), resp.ContentLength, proto+": no Content-Length after a flush")
		release <- struct{}{}
		rest, err := io.ReadAll(br)
		require.NoError(t, err)
		assert.Equal(t, "second\n", string(rest))
		resp.Body.Close()
	}
	assert.Equal(t, 2, commits)
}

func TestInformationalForwarded(t *testing.T) {
	t.Parallel()
	h := wrap(nil, Options{MaxBuffer: 1024}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "done")
	})
	for proto, srv := range servers(t, h) {
		var got []int
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			got = append(got, code)
			return nil
		}}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, []int{103}, got, proto)
		assert.Equal(t, 200, resp.StatusCode, proto)
		assert.Equal(t, "done", string(b), proto)
	}
}

func TestHijackThroughWrapper(t *testing.T) {
	t.Parallel()
	for _, useController := range []bool{true, false} {
		h := wrap(nil, Options{MaxBuffer: 1024}, func(w http.ResponseWriter, r *http.Request) {
			var (
				c   io.ReadWriteCloser
				brw *bufio.ReadWriter
				err error
			)
			if useController {
				c, brw, err = http.NewResponseController(w).Hijack()
			} else {
				c, brw, err = w.(http.Hijacker).Hijack()
			}
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nhijack!")
			_ = brw.Flush()
		})
		srv := httptest.NewServer(h)
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		assert.Equal(t, "hijack!", string(b))
	}
}

func TestUnwrapReachesInner(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rw := New(rec, httptest.NewRequest("GET", "/", nil), Options{})
	assert.Same(t, rec, rw.Unwrap())
	rw.WriteHeader(http.StatusAccepted)
	assert.Equal(t, http.StatusAccepted, rw.Status())
	assert.Equal(t, http.StatusAccepted, rec.Code, "unbuffered writer commits at WriteHeader")
}

func TestPoolDropsLargeBuffers(t *testing.T) {
	t.Parallel()
	p := NewPool(16)
	rw := p.Get(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), Options{MaxBuffer: 64})
	_, _ = rw.Write(make([]byte, 40))
	require.NoError(t, rw.Finish())
	p.Put(rw)
	assert.Nil(t, rw.buf, "a buffer above maxRetain is not kept")
	rw = p.Get(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), Options{MaxBuffer: 64})
	_, _ = rw.Write(make([]byte, 8))
	require.NoError(t, rw.Finish())
	p.Put(rw)
	assert.NotNil(t, rw.buf, "a small buffer is kept for reuse")
	assert.Zero(t, len(rw.buf))
}

func TestBodyAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method string
		status int
		want   bool
	}{
		{"GET", 200, true},
		{"HEAD", 200, false}, // RFC 9110 §9.3.2
		{"GET", 103, false},  // RFC 9110 §15.2
		{"GET", 204, false},  // RFC 9110 §15.3.5
		{"GET", 304, false},  // RFC 9110 §15.4.5
		{"POST", 412, true},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, BodyAllowed(tc.method, tc.status), "%s %d", tc.method, tc.status)
	}
}

func BenchmarkWriter(b *testing.B) {
	body := []byte(strings.Repeat("x", 1024))
	p := NewPool(1 << 20)
	req := httptest.NewRequest("GET", "/", nil)
	w := discardWriter{h: http.Header{}}
	b.Run("1KiB/buffered/pooled", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			rw := p.Get(w, req, Options{MaxBuffer: 1 << 20})
			_, _ = rw.Write(body)
			_ = rw.Finish()
			p.Put(rw)
			delete(w.h, "Content-Length")
		}
	})
	b.Run("1KiB/unbuffered/pooled", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			rw := p.Get(w, req, Options{})
			_, _ = rw.Write(body)
			_ = rw.Finish()
			p.Put(rw)
		}
	})
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

func TestHasLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    []string
		n    int
		want bool
	}{
		{[]string{"0"}, 0, true},
		{[]string{"1024"}, 1024, true},
		{[]string{"1024"}, 1025, false},
		{[]string{"1024"}, 10240, false},
		{[]string{"01024"}, 1024, false}, // not how the Writer would write it
		{[]string{"00"}, 0, false},
		{[]string{"+1"}, 1, false},
		{[]string{""}, 0, false},
		{[]string{"1", "1"}, 1, false},
		{nil, 0, false},
		{[]string{"999999999999999999"}, 999999999999999999, true},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.v != nil {
			h["Content-Length"] = tc.v
		}
		assert.Equal(t, tc.want, hasLength(h, tc.n), "%q %d", tc.v, tc.n)
	}
}

// TestNested304 checks a stack of Writers, each middleware's wrapping the
// writer of the one outside it, where the innermost hook (the one nearest the
// handler) turns a 200 into a 304: the client gets a 304 with only the fields
// RFC 9110 §15.4.5 allows, also the one an outer hook adds, however many
// Writers the 304 passes, and also when the handler committed the outer
// Writer itself (through Unwrap), which then ignores the 304.
func TestNested304(t *testing.T) {
	turn304 := Options{MaxBuffer: 1 << 10, OnCommit: func(c *Commit) bool {
		c.Status = http.StatusNotModified
		return false
	}}
	addFields := Options{OnCommit: func(c *Commit) bool {
		c.Header["Cache-Control"] = []string{"max-age=60"}
		c.Header["Content-Language"] = []string{"en"} // RFC 9110 §15.4.5: not on a 304
		return false
	}}
	handler := func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Etag"] = []string{`"a"`}
		w.Header()["Content-Type"] = []string{"text/plain"}
		w.Header()["Last-Modified"] = []string{"Thu, 01 Jan 2026 00:00:00 GMT"}
		_, _ = io.WriteString(w, "body")
	}
	for _, tc := range []struct {
		name   string
		layers int // Writers between the server and the one that makes the 304
	}{{"one Writer", 0}, {"two Writers", 1}, {"three Writers", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			h := wrap(nil, turn304, handler)
			for range tc.layers {
				h = wrap(nil, addFields, h.ServeHTTP)
			}
			for name, srv := range servers(t, h) {
				got := doWire(t, srv, http.MethodGet)
				assert.Equal(t, http.StatusNotModified, got.status, name)
				assert.Empty(t, got.body, name)
				assert.Equal(t, `"a"`, got.header.Get("Etag"), name)
				for _, k := range []string{"Content-Type", "Content-Length", "Content-Language", "Last-Modified"} {
					assert.NotContains(t, got.header, k, name)
				}
				if tc.layers > 0 {
					assert.Equal(t, "max-age=60", got.header.Get("Cache-Control"), name)
				}
			}
		})
	}
	t.Run("outer Writer committed by the handler", func(t *testing.T) {
		h := wrap(nil, addFields, wrap(nil, turn304, func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{"text/plain"}
			// The outer Writer commits a 204 and ignores the 304 that follows;
			// this Writer still strips for its own 304 decision.
			w.(interface{ Unwrap() http.ResponseWriter }).Unwrap().WriteHeader(http.StatusNoContent)
			_, _ = io.WriteString(w, "body")
		}).ServeHTTP)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusNoContent, rec.Code)
		assert.NotContains(t, rec.Header(), "Content-Type")
		assert.Empty(t, rec.Body.String())
	})
}

// TestResetCoversState checks that a reused Writer starts each request from
// the state New gives it: reset sets the fields of state one by one, so a
// field it missed would carry one request's state into the next.
func TestResetCoversState(t *testing.T) {
	// reset names every field of state; a new field must be added there and
	// counted here.
	require.Equal(t, 10, reflect.TypeFor[state]().NumField(), "reset must set every field of state")
	w, r := httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)
	for _, opts := range []Options{{MaxBuffer: 8}, {}} {
		rw := New(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", nil), Options{MaxBuffer: 1})
		rw.state = state{status: 201, committed: true, discard: true, buffering: true, vetted: true, hijacked: true, written: 3}
		rw.buf = append(rw.buf, "abc"...)
		rw.Reset(w, r, opts)
		assert.Equal(t, New(w, r, opts).state, rw.state, "MaxBuffer %d", opts.MaxBuffer)
		assert.Empty(t, rw.buf)
	}
}

// TestCommitStrips checks that the hook is told it may strip a 304 exactly
// when its Writer is the one that would (the one nearest the server, at a
// 304 from the handler), and that a hook that stripped spares the Writer's
// pass without changing what is sent.
func TestCommitStrips(t *testing.T) {
	var seen []bool
	record := Options{OnCommit: func(c *Commit) bool {
		seen = append(seen, c.Strips)
		return false
	}}
	stripping := Options{OnCommit: func(c *Commit) bool {
		if c.Strips {
			_ = Strip304Kept(c.Header)
			c.Stripped = true
		}
		return false
	}}
	handler := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Etag"] = []string{`"a"`}
			w.Header()["Content-Type"] = []string{"text/plain"}
			w.WriteHeader(code)
		}
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want []bool // Strips as each hook saw it, innermost first
	}{
		{"one Writer, 304", wrap(nil, record, handler(http.StatusNotModified)), []bool{true}},
		{"one Writer, 200", wrap(nil, record, handler(http.StatusOK)), []bool{false}},
		{"two Writers, 304", wrap(nil, record, wrap(nil, record, handler(http.StatusNotModified)).ServeHTTP), []bool{false, true}},
	} {
		seen = nil
		tc.h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, tc.want, seen, tc.name)
	}
	for _, opts := range []Options{{}, stripping} {
		rec := httptest.NewRecorder()
		wrap(nil, opts, handler(http.StatusNotModified)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusNotModified, rec.Code)
		assert.Equal(t, http.Header{"Etag": {`"a"`}}, rec.Header(), "hook stripped: %v", opts.OnCommit != nil)
	}
}
