package benchmarks

// End to end over loopback (issue 8): the route GET /events/{id} of
// examples/server, with every httpsem package on its path, against a bare
// handler that sends the same bytes, both behind an unmodified net/http
// server in a process of its own.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/negotiate"
)

const (
	// e2eServeEnv makes the test binary a server (see TestMain): "bare" or
	// "httpsem".
	e2eServeEnv = "HTTPSEM_BENCH_SERVE"
	// e2eProfileEnv, set together with e2eServeEnv, names a file that
	// receives the server's CPU profile. With -bench, each run of a
	// sub-benchmark starts a server and overwrites the file, so the profile
	// left is that of the last (longest) run:
	//
	//	HTTPSEM_BENCH_SERVE_CPUPROFILE=/tmp/srv.pprof go test -run '^$' \
	//	    -bench 'EndToEnd/path=200/impl=httpsem' -benchtime 5s
	e2eProfileEnv = "HTTPSEM_BENCH_SERVE_CPUPROFILE"

	e2ePath = "/events/1"

	// e2eWarmup requests on each connection before the timer starts: the
	// first ones pay for the connection's goroutine and buffers, the
	// renderer's pool and the etag middleware's tag cache.
	e2eWarmup = 32

	// e2eUserHZ is the unit of utime and stime in /proc/<pid>/stat. Linux
	// fixes USER_HZ at 100 for user space on every architecture
	// (`getconf CLK_TCK`), and Go cannot ask sysconf without cgo.
	e2eUserHZ = 100
)

// e2eEvent is the event type of examples/server, with the same tags, so that
// the encoders produce the same bytes.
type e2eEvent struct {
	XMLName  xml.Name  `json:"-" xml:"event"`
	ID       string    `json:"id" xml:"id,attr"`
	Name     string    `json:"name" xml:"name"`
	Venue    string    `json:"venue" xml:"venue"`
	StartsAt time.Time `json:"starts_at" xml:"starts_at"`
	Capacity int       `json:"capacity" xml:"capacity"`
}

// e2eEventOne is event 1 of examples/server, the one every stack serves.
func e2eEventOne() e2eEvent {
	return e2eEvent{ID: "1", Name: "Go meetup: HTTP semantics", Venue: "Berlin", StartsAt: time.Date(2025, 3, 14, 18, 30, 0, 0, time.UTC), Capacity: 120}
}

// e2eRenderer is the example's renderer: JSON, then XML.
func e2eRenderer() *negotiate.Renderer {
	render, err := negotiate.NewRenderer(negotiate.Options{Encoders: []negotiate.Encoder{negotiate.JSON(), negotiate.XML()}})
	if err != nil {
		panic(err) // fixed options: only a broken build gets here
	}
	return render
}

// e2eStack is the route GET /events/{id} of examples/server, middleware
// outermost first: cache (Cache-Control: public, max-age=60), conditional,
// etag (a strong tag from the body, 304 on If-None-Match), and a handler
// that renders event 1 as JSON or XML with a negotiate.Renderer.
//
// conditional is not on the example's route: events have no Last-Modified,
// and etag already answers If-None-Match. It is added so that all four
// packages are on the path, and it can only add cost: it passes requests
// without preconditions straight through, and on the 304 path it only sees
// the 304 that etag already made, which it leaves alone (preconditions apply
// to 2xx responses). The example's envelope around its mux (a second route
// lookup per request, to rewrite the mux's own 404 and 405) is left out: it
// is the example's, not the library's.
//
// The events are a map that is never written, so, unlike the example's
// store, it needs no lock.
func e2eStack() http.Handler {
	render := e2eRenderer()
	// Pointers, as e2eBare holds its responses: a store hands out its
	// records without copying them, and a pointer goes into Render's any
	// without an allocation.
	one := e2eEventOne()
	events := map[string]*e2eEvent{"1": &one}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := events[r.PathValue("id")]
		if !ok {
			httperr.Write(w, r, nil, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "Event not found."))
			return
		}
		_ = render.Render(w, r, http.StatusOK, e)
	})
	h = etag.Middleware(etag.Options{})(h)
	h = conditional.Middleware(conditional.Options{})(h)
	h = cache.Middleware(cache.Options{Control: cache.PublicListing()})(h)
	mux := http.NewServeMux()
	mux.Handle("GET /events/{id}", h)
	return mux
}

// e2eEncodedStack is e2eStack around a handler that encodes its
// representations once, as e2eBare does, instead of on every request: the
// same four packages on the path (cache, conditional, etag hashing the body
// and answering the 304, negotiate choosing JSON or XML and setting Vary),
// and the same bytes on the wire, so that the ratio to e2eBare is what the
// library adds and nothing of encoding/json, which e2eStack's handler runs
// on every request and e2eBare never does. A service whose representations
// change less often than they are read would keep them encoded the same
// way (examples/server encodes per request: it has three small events).
// Unacceptable requests go to the renderer, which answers 406.
func e2eEncodedStack() http.Handler {
	render := e2eRenderer()
	type encoded struct {
		e       e2eEvent
		reps    [2]e2eResponse // JSON, XML: the order of types
		content [2][]string    // their Content-Type values
	}
	types := []string{"application/json", "application/xml"}
	rec := &encoded{e: e2eEventOne()}
	for i, t := range types {
		rec.reps[i] = e2eRecordAs(t)
		rec.content[i] = rec.reps[i].contentType
	}
	events := map[string]*encoded{"1": rec}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := events[r.PathValue("id")]
		if !ok {
			httperr.Write(w, r, nil, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "Event not found."))
			return
		}
		typ, ok := negotiate.Type(w, r, types...)
		if !ok {
			_ = render.Render(w, r, http.StatusOK, &e.e)
			return
		}
		i := 0
		if typ == types[1] {
			i = 1
		}
		rep := &e.reps[i]
		h := w.Header()
		h["Content-Type"] = e.content[i]
		h["Content-Length"] = rep.contentLength
		_, _ = w.Write(rep.body)
	})
	h = etag.Middleware(etag.Options{})(h)
	h = conditional.Middleware(conditional.Options{})(h)
	h = cache.Middleware(cache.Options{Control: cache.PublicListing()})(h)
	mux := http.NewServeMux()
	mux.Handle("GET /events/{id}", h)
	return mux
}

// e2eVersion is the version of event 1 in the validator-first stack: its
// tag is etag.FromVersion(e2eVersion), `"1"`.
const e2eVersion = 1

// e2eValidatorStack is the validator-first way to serve the same route
// (issue 16): the handler knows the event's version before it renders, so
// it calls conditional.Check first and a revalidation costs a map lookup
// and a tag comparison, not a rendering and a hash. cache is kept, so the
// 200 carries the same Cache-Control and Vary; the etag middleware is not
// on the path, since the handler sets its own tag. The tag and its header
// value are kept with the record, as a store would keep a row version; the
// handler sets the field before Check, which keeps that value on the 304 and
// the 200 instead of formatting its own.
func e2eValidatorStack() http.Handler {
	render := e2eRenderer()
	type record struct {
		e   e2eEvent
		tag etag.Tag
		hdr []string
	}
	tag := etag.FromVersion(e2eVersion)
	varyAccept := []string{"Accept"}
	// Pointers, as e2eStack and e2eBare hold theirs: a record is 160
	// bytes, which a map of values copies on every lookup.
	events := map[string]*record{
		"1": {e2eEventOne(),
			tag, []string{tag.String()}},
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := events[r.PathValue("id")]
		if !ok {
			httperr.Write(w, r, nil, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "Event not found."))
			return
		}
		// A 304 carries the Vary a 200 would (RFC 9110 §15.4.5), and the
		// renderer, which sets it on a 200, does not run for a 304.
		w.Header()["Vary"] = varyAccept
		w.Header()["Etag"] = rec.hdr
		if !conditional.Check(w, r, conditional.Validators{ETag: rec.tag}, conditional.Options{}) {
			return
		}
		_ = render.Render(w, r, http.StatusOK, &rec.e)
	})
	h = cache.Middleware(cache.Options{Control: cache.PublicListing()})(h)
	mux := http.NewServeMux()
	mux.Handle("GET /events/{id}", h)
	return mux
}

// e2eResponse is the stack's 200 response to GET /events/1 with
// Accept: application/json, field values ready to be assigned to a header
// map.
type e2eResponse struct {
	body          []byte
	contentType   []string
	contentLength []string
	etag          []string
	cacheControl  []string
	vary          []string
}

// e2eRecord asks the stack for its 200 response to Accept: application/json
// once.
func e2eRecord() e2eResponse { return e2eRecordAs("application/json") }

// e2eRecordAs asks the stack for its 200 response to Accept: accept once.
func e2eRecordAs(accept string) e2eResponse {
	req := httptest.NewRequest(http.MethodGet, e2ePath, nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	e2eStack().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		panic(fmt.Sprintf("e2e: the stack answered %d", rec.Code))
	}
	h := rec.Header()
	field := func(name string) []string {
		v := h.Values(name)
		if len(v) == 0 {
			panic("e2e: the stack sent no " + name)
		}
		// Capacity = length, so that a Header.Add by net/http or a caller
		// copies instead of appending into the shared array.
		return slices.Clip(slices.Clone(v))
	}
	return e2eResponse{
		body:          rec.Body.Bytes(),
		contentType:   field("Content-Type"),
		contentLength: field("Content-Length"),
		etag:          field("Etag"),
		cacheControl:  field("Cache-Control"),
		vary:          field("Vary"),
	}
}

// e2eBare serves the stack's response to GET /events/{id} as a user would
// without the library: the route on an http.ServeMux, since a service whose
// path carries an id has to route and Go's own mux is what it would reach
// for (examples/server does, and so do both stacks, so the route lookup is
// on both sides of every comparison); the event looked up by id, as the
// stacks look it up; its response computed once, bytes and header values;
// If-None-Match compared as a plain string; no negotiation, no encoding, no
// hashing. Only GET /events/1 with Accept: application/json is ever sent to
// it.
//
// Until issue 16 it answered every request without routing, so the stacks'
// rows, and only theirs, paid for the route lookup (about 1,950
// instructions in process, half the bare 304's new cost) that a real bare
// service pays as well. Routing both keeps the comparison to what the
// library adds; the mux's second lookup in the example's envelope stays
// out of both (see e2eStack).
//
// The header values are shared, preallocated slices, so the handler allocates
// nothing of its own; what is left is net/http's cost, the floor the stack is
// compared to.
func e2eBare() http.Handler {
	rep := e2eRecord()
	responses := map[string]*e2eResponse{"1": &rep}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events/{id}", func(w http.ResponseWriter, r *http.Request) {
		rep, ok := responses[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h["Content-Type"] = rep.contentType
		h["Etag"] = rep.etag
		h["Cache-Control"] = rep.cacheControl
		h["Vary"] = rep.vary
		if r.Header.Get("If-None-Match") == rep.etag[0] {
			// net/http drops Content-Type from a 304 (RFC 9110 §15.4.5).
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Length"] = rep.contentLength
		_, _ = w.Write(rep.body)
	})
	return mux
}

// e2eRequest is the benchmark's request, written byte for byte on each
// round trip; with ifNoneMatch it asks for the 304.
func e2eRequest(ifNoneMatch string) []byte {
	s := "GET " + e2ePath + " HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n"
	if ifNoneMatch != "" {
		s += "If-None-Match: " + ifNoneMatch + "\r\n"
	}
	return []byte(s + "\r\n")
}

// e2eConn is one keep-alive HTTP/1.1 connection that sends a fixed request
// and reads just enough of each response to find its end. It replaces
// http.Client, whose own cost per request (a Request, a Response, header
// maps, the transport's goroutines and locks) is several times that of this
// client and would leave the client, not the server, setting the pace on a
// machine the two share.
type e2eConn struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	// record, when set, receives every response byte for byte (tests
	// only; the benchmark discards bodies unread).
	record *bytes.Buffer
}

func e2eDial(addr string, req []byte) (*e2eConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &e2eConn{conn: c, br: bufio.NewReader(c), req: req}, nil
}

func (c *e2eConn) Close() error { return c.conn.Close() }

var errE2EFraming = errors.New("e2e: response not framed by Content-Length")

// roundTrip sends the request and reads one response, returning its status.
// It only understands what both servers send: HTTP/1.1, a status line,
// header fields, and a body framed by Content-Length (none on 304).
func (c *e2eConn) roundTrip() (int, error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	c.keep(line)
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " {
		return 0, fmt.Errorf("e2e: status line %q", line)
	}
	status, ok := e2eDigits(line[9:12])
	if !ok {
		return 0, fmt.Errorf("e2e: status line %q", line)
	}
	length := -1
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		c.keep(line)
		if len(line) <= 2 { // the empty line that ends the header
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := e2eDigits(bytes.TrimSpace(value))
			if !ok {
				return 0, fmt.Errorf("e2e: %q", line)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, errE2EFraming
		}
	}
	if status == http.StatusNotModified {
		return status, nil // no content, whatever the header says (RFC 9112 §6.3)
	}
	if length < 0 {
		return 0, errE2EFraming
	}
	if c.record != nil {
		_, err = io.CopyN(c.record, c.br, int64(length))
	} else {
		_, err = c.br.Discard(length)
	}
	return status, err
}

func (c *e2eConn) keep(line []byte) {
	if c.record != nil {
		c.record.Write(line)
	}
}

// e2eDigits parses a non-negative decimal without strconv, which would need
// a string and an allocation per call.
func e2eDigits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	return n, true
}

// e2eServe is the server process of BenchmarkEndToEnd: it serves impl on
// 127.0.0.1 with a zero http.Server (the same for both implementations),
// writes the address as the first line on stdout, and returns when stdin
// reaches EOF, which happens when the parent closes its end or dies, so the
// server never outlives the benchmark. It returns the exit code.
func e2eServe(impl string) int {
	var h http.Handler
	switch impl {
	case "bare":
		h = e2eBare()
	case "httpsem":
		h = e2eStack()
	case "httpsem-encoded":
		h = e2eEncodedStack()
	case "httpsem-validator":
		h = e2eValidatorStack()
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want bare, httpsem, httpsem-encoded or httpsem-validator\n", e2eServeEnv, impl)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if path := os.Getenv(e2eProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	srv := &http.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Println(ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// e2eStartServer starts this test binary as the server of impl (see
// TestMain) and returns its address and process id. The server runs in its
// own process so that its CPU time and garbage collection are its own: in
// one process, the client's allocations would trigger collections that the
// server pays for and the other way round, and the CPU time of the server
// could not be told apart. tb's cleanup closes the server's stdin and waits
// for it to exit.
func e2eStartServer(tb testing.TB, impl string) (addr string, pid int) {
	tb.Helper()
	// -test.run and -test.bench keep the child from testing should the
	// variable not reach it.
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), e2eServeEnv+"="+impl)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = stdin.Close()
		// Only a hung server is killed; the timer's goroutine ends when it
		// fires or is stopped.
		kill := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
		defer kill.Stop()
		if err := cmd.Wait(); err != nil {
			tb.Errorf("%s server: %v", impl, err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(tb, err, "%s server: no address", impl)
	return strings.TrimSpace(line), cmd.Process.Pid
}

// e2eProcCPU returns the CPU time process pid has used so far (all
// threads), in user space and in the kernel, in ticks of 10 ms; false where
// /proc cannot tell.
func e2eProcCPU(pid int) (user, sys time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	return e2eParseStat(b)
}

// e2eParseStat reads utime and stime from the text of /proc/<pid>/stat.
func e2eParseStat(b []byte) (user, sys time.Duration, ok bool) {
	// Field 2, the command name, is in parentheses and may hold spaces and
	// parentheses; field 3 follows the last ')'. utime and stime are fields
	// 14 and 15 (proc(5)).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	utime, err1 := strconv.ParseInt(f[14-3], 10, 64)
	stime, err2 := strconv.ParseInt(f[15-3], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / e2eUserHZ }
	return tick(utime), tick(stime), true
}

// BenchmarkEndToEnd compares the httpsem stack (e2eStack) with the bare
// handler (e2eBare) over loopback, for the 200 response and for the 304 to a
// matching If-None-Match. The server runs in a separate process (see
// e2eStartServer); the client keeps 2 × NumCPU connections busy, one
// goroutine each, with a raw HTTP/1.1 client (see e2eConn).
//
// ns/op is wall time per request over all connections; the metrics are
// req/s, the 50th and 99th percentile of the latency of single requests
// (p50-µs, p99-µs), and srv-µs/op, the server process's CPU time per request
// (Linux only), which is where the two implementations differ: the
// client's share of the machine is the same for both. srv-usr-µs/op is the
// part of it spent in user space, where the handlers run; the rest is the
// kernel's, in system calls that are the same for every implementation (the
// same bytes on the same connections). allocs/op are the client's.
//
// Compare with benchstat -col /impl. With -count, go test repeats each
// sub-benchmark -count times in a row rather than alternating
// implementations; to interleave, loop over -count 1 runs instead.
func BenchmarkEndToEnd(b *testing.B) {
	tag := e2eRecord().etag[0]
	for _, p := range []struct {
		name   string
		status int
	}{{"200", http.StatusOK}, {"304", http.StatusNotModified}} {
		b.Run("path="+p.name, func(b *testing.B) {
			for _, impl := range []string{"bare", "httpsem", "httpsem-encoded", "httpsem-validator"} {
				inm := ""
				if p.status == http.StatusNotModified {
					inm = e2eTag(impl, tag)
				}
				b.Run("impl="+impl, func(b *testing.B) { e2eBench(b, impl, e2eRequest(inm), p.status) })
			}
		})
	}
}

// e2eTag is the tag impl sends for event 1, given the content tag of the
// other two: the validator-first stack tags by version.
func e2eTag(impl, content string) string {
	if impl == "httpsem-validator" {
		return etag.FromVersion(e2eVersion).String()
	}
	return content
}

// e2eBench runs b.N round trips of req against a fresh server of impl,
// divided among 2 × NumCPU connections. The goroutines are started here
// rather than by b.RunParallel, which starts GOMAXPROCS × parallelism of
// them (wrong under -cpu) and hands out iterations in batches, so that the
// latencies of each goroutine can be recorded into a slice allocated before
// the timer starts.
func e2eBench(b *testing.B, impl string, req []byte, want int) {
	addr, pid := e2eStartServer(b, impl)
	conns := make([]*e2eConn, 2*runtime.NumCPU())
	lat := make([][]time.Duration, len(conns))
	for i := range conns {
		c, err := e2eDial(addr, req)
		require.NoError(b, err)
		b.Cleanup(func() { _ = c.Close() })
		for range e2eWarmup {
			status, err := c.roundTrip()
			require.NoError(b, err)
			require.Equal(b, want, status)
		}
		conns[i] = c
		n := b.N / len(conns)
		if i < b.N%len(conns) {
			n++
		}
		lat[i] = make([]time.Duration, n)
	}
	usr0, sys0, cpuOK := e2eProcCPU(pid)
	var failed atomic.Bool
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i, c := range conns {
		wg.Go(func() {
			t0 := time.Now()
			for j := range lat[i] {
				status, err := c.roundTrip()
				if err == nil && status != want {
					err = fmt.Errorf("status %d, want %d", status, want)
				}
				if err != nil {
					b.Errorf("connection %d, request %d: %v", i, j, err)
					failed.Store(true)
					return
				}
				t1 := time.Now()
				lat[i][j] = t1.Sub(t0)
				t0 = t1
				if failed.Load() {
					return
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	b.StopTimer()
	usr1, sys1, cpuOK1 := e2eProcCPU(pid)
	if failed.Load() {
		return
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(float64(b.N)/wall.Seconds(), "req/s")
	b.ReportMetric(us(e2eQuantile(all, 0.50)), "p50-µs")
	b.ReportMetric(us(e2eQuantile(all, 0.99)), "p99-µs")
	if cpuOK && cpuOK1 {
		b.ReportMetric(us(usr1-usr0+sys1-sys0)/float64(b.N), "srv-µs/op")
		b.ReportMetric(us(usr1-usr0)/float64(b.N), "srv-usr-µs/op")
	}
}

// e2eQuantile is the nearest-rank q-quantile of sorted, which is not empty.
func e2eQuantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// e2eExchange sends req over a new connection to addr and returns the
// response as received, with the Date field (the one line the two servers
// may legitimately differ in) removed.
func e2eExchange(t *testing.T, addr string, req []byte) []byte {
	t.Helper()
	c, err := e2eDial(addr, req)
	require.NoError(t, err)
	defer c.Close()
	c.record = new(bytes.Buffer)
	_, err = c.roundTrip()
	require.NoError(t, err)
	var out []byte
	for line := range bytes.Lines(c.record.Bytes()) {
		if !bytes.HasPrefix(line, []byte("Date: ")) {
			out = append(out, line...)
		}
	}
	return out
}

// TestE2ESameBytes checks that the two servers of BenchmarkEndToEnd send the
// same bytes, Date aside, for the two requests it measures, through a real
// net/http server, and that those bytes are the response the benchmark
// means to measure.
func TestE2ESameBytes(t *testing.T) {
	for _, s := range []struct {
		name string
		h    http.Handler
	}{{"httpsem", e2eStack()}, {"httpsem-encoded", e2eEncodedStack()}} {
		t.Run(s.name, func(t *testing.T) { testE2ESameBytes(t, s.h) })
	}
}

func testE2ESameBytes(t *testing.T, h http.Handler) {
	stack := httptest.NewServer(h)
	defer stack.Close()
	bare := httptest.NewServer(e2eBare())
	defer bare.Close()
	rep := e2eRecord()

	tests := []struct {
		name   string
		inm    string
		status int
		// The fields the response carries besides Date, and the body.
		fields []string
		body   []byte
	}{
		{"200", "", http.StatusOK,
			[]string{"Cache-Control", "Content-Length", "Content-Type", "Etag", "Vary"}, rep.body},
		// RFC 9110 §13.1.2: If-None-Match matches the current tag, so GET
		// gets 304; §15.4.5: it carries ETag, Cache-Control and Vary as a
		// 200 would, and no content.
		{"304", rep.etag[0], http.StatusNotModified,
			[]string{"Cache-Control", "Etag", "Vary"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := e2eRequest(tc.inm)
			got := e2eExchange(t, strings.TrimPrefix(stack.URL, "http://"), req)
			want := e2eExchange(t, strings.TrimPrefix(bare.URL, "http://"), req)
			assert.Equal(t, string(want), string(got), "stack against bare, byte for byte")

			res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode)
			assert.Equal(t, string(tc.body), string(body))
			var names []string
			for k := range res.Header {
				names = append(names, k)
			}
			slices.Sort(names)
			assert.Equal(t, tc.fields, names)
			assert.Equal(t, rep.etag, res.Header.Values("Etag"))
			assert.Equal(t, []string{"public, max-age=60"}, res.Header.Values("Cache-Control"))
			assert.Equal(t, []string{"Accept"}, res.Header.Values("Vary"))
		})
	}
	assert.Equal(t, []string{"application/json"}, rep.contentType)
	assert.JSONEq(t, `{"id":"1","name":"Go meetup: HTTP semantics","venue":"Berlin","starts_at":"2025-03-14T18:30:00Z","capacity":120}`, string(rep.body))
}

// TestE2EEncodedStackAnswersAsStack checks that the stack whose handler
// encodes once answers every request as the one that encodes per request
// does: JSON and XML, 304 and 412 from the tag of each, the 406 of an
// unacceptable Accept and the 404 of an unknown event.
func TestE2EEncodedStackAnswersAsStack(t *testing.T) {
	stack, encoded := e2eStack(), e2eEncodedStack()
	jsonTag, xmlTag := e2eRecord().etag[0], e2eRecordAs("application/xml").etag[0]
	for _, tc := range []struct {
		name, path, accept, ifNoneMatch, ifMatch string
		status                                   int
	}{
		{"JSON", e2ePath, "application/json", "", "", http.StatusOK},
		// RFC 9110 §12.5.1: the browser's header prefers XML (q=0.9) to
		// */* (q=0.8).
		{"browser: XML", e2ePath, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "", http.StatusOK},
		{"no Accept: JSON", e2ePath, "", "", "", http.StatusOK},
		// RFC 9110 §13.1.2: each representation has its own tag.
		{"JSON 304", e2ePath, "application/json", jsonTag, "", http.StatusNotModified},
		{"XML 304", e2ePath, "application/xml", xmlTag, "", http.StatusNotModified},
		{"XML with the JSON tag: 200", e2ePath, "application/xml", jsonTag, "", http.StatusOK},
		// RFC 9110 §13.1.1: If-Match with another tag fails.
		{"412", e2ePath, "application/json", "", xmlTag, http.StatusPreconditionFailed},
		// RFC 9110 §15.5.7.
		{"406", e2ePath, "text/html", "", "", http.StatusNotAcceptable},
		{"404", "/events/9", "application/json", "", "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serve := func(h http.Handler) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, tc.path, nil)
				for k, v := range map[string]string{"Accept": tc.accept, "If-None-Match": tc.ifNoneMatch, "If-Match": tc.ifMatch} {
					if v != "" {
						r.Header.Set(k, v)
					}
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			want, got := serve(stack), serve(encoded)
			assert.Equal(t, tc.status, want.Code, "e2eStack")
			assert.Equal(t, want.Code, got.Code)
			assert.Equal(t, want.Header(), got.Header())
			assert.Equal(t, want.Body.String(), got.Body.String())
		})
	}
}

// TestE2EValidatorStack checks that the validator-first stack serves what
// the content-tagging one does, with its version tag: the same body and
// caching fields on 200, and a 304 for its own tag.
func TestE2EValidatorStack(t *testing.T) {
	srv := httptest.NewServer(e2eValidatorStack())
	defer srv.Close()
	rep := e2eRecord()
	tag := etag.FromVersion(e2eVersion).String()
	for _, tc := range []struct {
		name   string
		inm    string
		status int
		body   []byte
	}{
		{"200", "", http.StatusOK, rep.body},
		// RFC 9110 §13.1.2: the current tag in If-None-Match means 304;
		// §15.4.5: with ETag, Cache-Control and Vary and no content.
		{"304", tag, http.StatusNotModified, nil},
		{"old content tag: 200", rep.etag[0], http.StatusOK, rep.body},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e2eExchange(t, strings.TrimPrefix(srv.URL, "http://"), e2eRequest(tc.inm))
			res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode)
			assert.Equal(t, string(tc.body), string(body))
			assert.Equal(t, []string{tag}, res.Header.Values("Etag"))
			assert.Equal(t, []string{"public, max-age=60"}, res.Header.Values("Cache-Control"))
			assert.Equal(t, []string{"Accept"}, res.Header.Values("Vary"))
			if tc.status == http.StatusOK {
				assert.Equal(t, rep.contentType, res.Header.Values("Content-Type"))
			}
		})
	}
}

// TestE2EValidatorAllocs pins issue 16's validator-first 304 at the bare
// handler's allocations: the one of the ServeMux's route match (its path
// values), which both pay, and none of the stack's own (conditional.Check
// keeps the ETag value the handler set; cache.Middleware's writer is
// pooled).
func TestE2EValidatorAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race; the allocation counts hold without it")
	}
	allocs := func(h http.Handler, inm string) float64 {
		r := httptest.NewRequest(http.MethodGet, e2ePath, nil)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("If-None-Match", inm)
		w := &e2eDiscard{h: http.Header{}}
		return testing.AllocsPerRun(100, func() {
			clear(w.h)
			w.status, w.n = 0, 0
			h.ServeHTTP(w, r)
			if w.status != http.StatusNotModified {
				t.Fatalf("status %d, want 304", w.status)
			}
		})
	}
	bare := allocs(e2eBare(), e2eRecord().etag[0])
	assert.Equal(t, 1.0, bare, "bare: the ServeMux's path values")
	assert.Equal(t, bare, allocs(e2eValidatorStack(), etag.FromVersion(e2eVersion).String()), "validator-first")
}

// TestE2EServeProcess checks the benchmark's harness: the test binary
// serves each implementation in a child process, the raw client reads its
// responses on one keep-alive connection, /proc reports the child's CPU
// time, and the child exits cleanly once its stdin is closed (the cleanup of
// e2eStartServer fails the test otherwise).
func TestE2EServeProcess(t *testing.T) {
	tag := e2eRecord().etag[0]
	for _, impl := range []string{"bare", "httpsem", "httpsem-encoded", "httpsem-validator"} {
		t.Run(impl, func(t *testing.T) {
			addr, pid := e2eStartServer(t, impl)
			for _, tc := range []struct {
				req  []byte
				want int
			}{
				{e2eRequest(""), http.StatusOK},
				{e2eRequest(e2eTag(impl, tag)), http.StatusNotModified},
			} {
				c, err := e2eDial(addr, tc.req)
				require.NoError(t, err)
				for range 3 {
					status, err := c.roundTrip()
					require.NoError(t, err)
					assert.Equal(t, tc.want, status)
				}
				require.NoError(t, c.Close())
			}
			if _, err := os.Stat("/proc/self/stat"); err == nil {
				_, _, ok := e2eProcCPU(pid)
				assert.True(t, ok, "/proc/%d/stat is readable but not understood", pid)
			}
		})
	}
}

// TestE2EParseStat reads utime and stime from /proc/<pid>/stat lines whose
// command name holds a space and a parenthesis, and refuses lines that are
// cut short or malformed.
func TestE2EParseStat(t *testing.T) {
	// Fields 3 to 15 of proc(5): state, ppid, pgrp, session, tty_nr,
	// tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
	const rest = " S 1 2 3 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 12345"
	user, sys, ok := e2eParseStat([]byte("4242 (bench (x) y)" + rest))
	require.True(t, ok)
	assert.Equal(t, 2500*time.Millisecond, user, "utime: 250 ticks of 10 ms")
	assert.Equal(t, 750*time.Millisecond, sys, "stime: 75 ticks of 10 ms")
	for _, bad := range []string{
		"4242 bench" + rest,    // no command name in parentheses
		"4242 (bench) S 1 2 3", // cut before utime
		"4242 (bench)" + strings.Replace(rest, " 250 ", " x ", 1), // utime not a number
	} {
		_, _, ok := e2eParseStat([]byte(bad))
		assert.False(t, ok, "%q", bad)
	}
}

// TestE2EStackMatchesExample checks that e2eStack still answers like the
// route it copies: it builds and starts examples/server and compares its
// answer to GET /events/1 with the stack's.
func TestE2EStackMatchesExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples/server; skipped in -short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH: cannot build examples/server")
	}
	bin := filepath.Join(t.TempDir(), "server")
	build := exec.Command(goTool, "build", "-o", bin, "github.com/httpsem/httpsem/examples/server")
	// From the repository root the example's module is the main module, with
	// its own go.mod and requirements (Redis and the rest).
	build.Dir = ".."
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer // read only after Wait, when exec's copying is done
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	stopped := false
	stop := func() error {
		stopped = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		return cmd.Wait()
	}
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stop()
		t.Fatalf("no address from examples/server: %v; stderr: %s", err, stderr.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "first line: %q", line)

	stack := httptest.NewServer(e2eStack())
	defer stack.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	get := func(base string) (*http.Response, []byte) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+e2ePath, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, body
	}
	exRes, exBody := get(base)
	res, body := get(stack.URL)
	assert.Equal(t, http.StatusOK, exRes.StatusCode)
	assert.Equal(t, exRes.StatusCode, res.StatusCode)
	assert.Equal(t, string(exBody), string(body))
	for _, name := range []string{"Cache-Control", "Vary", "Content-Type"} {
		assert.NotEmpty(t, exRes.Header.Values(name), name)
		assert.Equal(t, exRes.Header.Values(name), res.Header.Values(name), name)
	}
	// The example now derives its tag from the store's version and the
	// selected representation (etag.Variant, issue 14) instead of hashing the
	// body, so the values differ by design; both must be one strong tag.
	for _, r := range []*http.Response{exRes, res} {
		tags := r.Header.Values("Etag")
		require.Len(t, tags, 1)
		tag, err := etag.Parse(tags[0])
		require.NoError(t, err)
		assert.False(t, tag.Weak, "a strong tag: %s", tags[0])
	}

	require.NoError(t, stop(), "examples/server exit; stderr: %s", stderr.String())
}

// e2eDiscard is a ResponseWriter that keeps the status and the header map
// and drops the body: the handler's cost without net/http's.
type e2eDiscard struct {
	h      http.Header
	status int
	n      int
}

func (w *e2eDiscard) Header() http.Header { return w.h }

func (w *e2eDiscard) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *e2eDiscard) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkE2EHandler measures the handlers of BenchmarkEndToEnd in
// process, without a server or a network: the part of the server's CPU time
// per request that the implementations add on top of net/http, which
// srv-µs/op of BenchmarkEndToEnd includes.
func BenchmarkE2EHandler(b *testing.B) {
	tag := e2eRecord().etag[0]
	paths := []struct {
		name   string
		status int
	}{{"200", http.StatusOK}, {"304", http.StatusNotModified}}
	for _, p := range paths {
		b.Run("path="+p.name, func(b *testing.B) {
			for _, impl := range []struct {
				name string
				h    http.Handler
			}{{"bare", e2eBare()}, {"httpsem", e2eStack()}, {"httpsem-encoded", e2eEncodedStack()}, {"httpsem-validator", e2eValidatorStack()}} {
				b.Run("impl="+impl.name, func(b *testing.B) {
					r := httptest.NewRequest(http.MethodGet, e2ePath, nil)
					r.Header.Set("Accept", "application/json")
					if p.status == http.StatusNotModified {
						r.Header.Set("If-None-Match", e2eTag(impl.name, tag))
					}
					w := &e2eDiscard{h: http.Header{}}
					b.ReportAllocs()
					for b.Loop() {
						clear(w.h)
						w.status, w.n = 0, 0
						impl.h.ServeHTTP(w, r)
					}
					if w.status != p.status {
						b.Fatalf("status %d, want %d", w.status, p.status)
					}
				})
			}
		})
	}
}
