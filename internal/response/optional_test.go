package response

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// double is an inner ResponseWriter with every optional interface, recording
// the calls that reach it.
type double struct {
	h        http.Header
	status   int
	body     strings.Builder
	flushes  int
	hijacks  int
	readFrom int
	pushes   []string
}

func newDouble() *double { return &double{h: http.Header{}} }

func (d *double) Header() http.Header { return d.h }
func (d *double) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *double) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return d.body.Write(p)
}
func (d *double) Flush() { d.flushes++ }
func (d *double) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	d.hijacks++
	return nil, nil, nil
}
func (d *double) ReadFrom(r io.Reader) (int64, error) {
	d.readFrom++
	d.WriteHeader(http.StatusOK)
	return io.Copy(&d.body, r)
}
func (d *double) Push(target string, _ *http.PushOptions) error {
	d.pushes = append(d.pushes, target)
	return nil
}

// inner returns d seen through exactly the optional interfaces of k: an
// unbuffered Writer forwards every call to d unchanged.
func inner(d *double, k kind) http.ResponseWriter {
	return view(New(d, httptest.NewRequest("GET", "/", nil), Options{}), k)
}

// has reports, by type assertion as a handler would look, which optional
// interfaces w offers.
func has(w http.ResponseWriter) map[string]bool {
	_, f := w.(http.Flusher)
	_, h := w.(http.Hijacker)
	_, r := w.(io.ReaderFrom)
	_, p := w.(http.Pusher)
	return map[string]bool{"Flusher": f, "Hijacker": h, "ReaderFrom": r, "Pusher": p}
}

func want(k kind) map[string]bool {
	return map[string]bool{
		"Flusher": k&kindFlusher != 0, "Hijacker": k&kindHijacker != 0,
		"ReaderFrom": k&kindReaderFrom != 0, "Pusher": k&kindPusher != 0,
	}
}

// TestOptionalInterfacesMirrorInner checks, for each of the 16 combinations
// of http.Flusher, http.Hijacker, io.ReaderFrom and http.Pusher, that the
// writer a handler gets has exactly the inner writer's, that each reaches
// the inner writer, and that Unwrap and FlushError are always there for
// http.ResponseController.
func TestOptionalInterfacesMirrorInner(t *testing.T) {
	t.Parallel()
	for k := range kind(16) {
		t.Run(strings.Join(names(want(k)), "+"), func(t *testing.T) {
			t.Parallel()
			d := newDouble()
			in := inner(d, k)
			require.Equal(t, want(k), has(in), "the test's inner writer")
			rw := New(in, httptest.NewRequest("GET", "/", nil), Options{MaxBuffer: 1 << 10})
			w := rw.ResponseWriter()
			assert.Equal(t, want(k), has(w))
			_, ok := w.(interface{ Unwrap() http.ResponseWriter })
			assert.True(t, ok, "Unwrap")
			_, ok = w.(interface{ FlushError() error })
			assert.True(t, ok, "FlushError")

			if p, ok := w.(http.Pusher); ok {
				require.NoError(t, p.Push("/style.css", nil))
				assert.Equal(t, []string{"/style.css"}, d.pushes)
			}
			if r, ok := w.(io.ReaderFrom); ok {
				_, err := r.ReadFrom(strings.NewReader("body"))
				require.NoError(t, err)
			}
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
				assert.Equal(t, 1, d.flushes)
				assert.Equal(t, http.StatusOK, d.status, "Flush commits the header")
			}
			if h, ok := w.(http.Hijacker); ok && k&kindFlusher == 0 {
				_, _, err := h.Hijack()
				require.NoError(t, err)
				assert.Equal(t, 1, d.hijacks)
				_, err = w.Write([]byte("after"))
				assert.NoError(t, err)
			}
			require.NoError(t, rw.Finish())
			if k&kindReaderFrom != 0 && (k&kindHijacker == 0 || k&kindFlusher != 0) {
				assert.Equal(t, "body", d.body.String(), "buffered, then sent")
			}
		})
	}
}

func names(m map[string]bool) []string {
	var out []string
	for _, n := range []string{"Flusher", "Hijacker", "ReaderFrom", "Pusher"} {
		if m[n] {
			out = append(out, n)
		}
	}
	if out == nil {
		return []string{"none"}
	}
	return out
}

// TestReadFrom checks that ReadFrom buffers like Write while the Writer
// buffers, and hands the rest to the inner writer's ReadFrom once it
// streams.
func TestReadFrom(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 100)
	tests := []struct {
		name      string
		opts      Options
		readFrom  int    // calls reaching the inner ReadFrom
		length    string // Content-Length set by the Writer
		completed bool   // OnCommit saw the whole body
	}{
		{"streaming: forwarded", Options{}, 1, "", false},
		{"buffering within the limit: copied through the buffer", Options{MaxBuffer: 4096}, 0, "1000", true},
		{"limit reached: the buffer, then the rest forwarded", Options{MaxBuffer: 100}, 1, "", false},
		{"passthrough: forwarded", Options{MaxBuffer: 4096, Passthrough: func(int, http.Header) bool { return true }}, 1, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var complete bool
			tc.opts.OnCommit = func(c *Commit) bool { complete = c.Complete; return false }
			d := newDouble()
			rw := New(d, httptest.NewRequest("GET", "/", nil), tc.opts)
			w := rw.ResponseWriter()
			// A reader that is not a *strings.Reader, so that no WriterTo
			// shortcut hides which side does the copying.
			n, err := w.(io.ReaderFrom).ReadFrom(io.MultiReader(strings.NewReader(body)))
			require.NoError(t, err)
			require.NoError(t, rw.Finish())
			assert.Equal(t, int64(len(body)), n)
			assert.Equal(t, int64(len(body)), rw.Written())
			assert.Equal(t, body, d.body.String())
			assert.Equal(t, tc.readFrom, d.readFrom)
			assert.Equal(t, tc.length, d.h.Get("Content-Length"))
			assert.Equal(t, tc.completed, complete)
		})
	}
	t.Run("304 and HEAD read nothing into the body", func(t *testing.T) {
		t.Parallel()
		d := newDouble()
		rw := New(d, httptest.NewRequest("HEAD", "/", nil), Options{})
		n, err := rw.ResponseWriter().(io.ReaderFrom).ReadFrom(strings.NewReader(body))
		require.NoError(t, err)
		assert.Equal(t, int64(len(body)), n)
		assert.Empty(t, d.body.String())
		assert.Zero(t, d.readFrom)
	})
}

// TestReadFromAllocatesNothing pins the buffering ReadFrom of a pooled
// Writer at zero allocations: it reads into the buffer's spare capacity.
// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestReadFromAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	body := strings.Repeat("0123456789", 100)
	p := NewPool(1 << 20)
	d := readerFromDiscard{discardWriter{h: http.Header{}}}
	req := httptest.NewRequest("GET", "/", nil)
	src := strings.NewReader(body)
	lr := &io.LimitedReader{}
	length := []string{"1000"} // set by the handler, as http.FileServer does
	allocs := testing.AllocsPerRun(100, func() {
		rw := p.Get(d, req, Options{MaxBuffer: 4096})
		src.Reset(body)
		*lr = io.LimitedReader{R: src, N: 1000}
		d.h["Content-Length"] = length
		_, _ = rw.ResponseWriter().(io.ReaderFrom).ReadFrom(lr)
		_ = rw.Finish()
		p.Put(rw)
	})
	assert.Zero(t, allocs)
}

type readerFromDiscard struct{ discardWriter }

func (readerFromDiscard) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

// readFromListener counts the ReadFrom calls that reach its connections:
// where net/http hands a body to the socket's ReadFrom, a *net.TCPConn uses
// sendfile for a file.
type readFromListener struct {
	net.Listener
	calls *atomic.Int64
}

func (l readFromListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return readFromConn{c.(*net.TCPConn), l.calls}, nil
}

type readFromConn struct {
	*net.TCPConn
	calls *atomic.Int64
}

func (c readFromConn) ReadFrom(r io.Reader) (int64, error) {
	c.calls.Add(1)
	return c.TCPConn.ReadFrom(r)
}

// TestFileServerKeepsSendfile serves a file with http.FileServer behind a
// streaming Writer (as cache.Middleware and conditional.Middleware build
// it) and behind a buffering one whose limit the file passes (as
// etag.Middleware for a large file), over a real server: the body must
// still reach the connection's ReadFrom.
func TestFileServerKeepsSendfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content := strings.Repeat("sendfile ", 64<<10/9)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.txt"), []byte(content), 0o600))
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"streaming", Options{}},
		{"buffering past the limit", Options{MaxBuffer: 4 << 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			srv := httptest.NewUnstartedServer(wrap(nil, tc.opts, http.FileServer(http.Dir(dir)).ServeHTTP))
			srv.Listener = readFromListener{srv.Listener, &calls}
			srv.Start()
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Get(srv.URL + "/big.txt")
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, content, string(b))
			assert.Positive(t, calls.Load(), "the body went to the socket's ReadFrom")
		})
	}
}
