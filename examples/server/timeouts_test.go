package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startH2Server is startServer over TLS with HTTP/2.
func startH2Server(t *testing.T, cfg config) *testServer {
	t.Helper()
	srv, err := newServer(cfg)
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(srv)
	srv.timeouts.configure(ts.Config)
	ts.EnableHTTP2 = true
	ts.StartTLS()
	client := ts.Client()
	client.Transport = newOpenAPIChecker(t, ts.URL, client.Transport)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		ts.Close()
	})
	return &testServer{Server: ts, srv: srv, client: client}
}

// closedWithin sends raw bytes on a fresh loopback TCP connection and
// returns how long the server took to close it; it fails the test when the
// connection is still open after limit.
func closedWithin(t *testing.T, addr, raw string, limit time.Duration) time.Duration {
	t.Helper()
	took, err := closeTime(addr, raw, limit)
	require.NoError(t, err)
	return took
}

// closeTime is closedWithin without assertions, for goroutines other than
// the test's.
func closeTime(addr, raw string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return time.Since(start), err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		return time.Since(start), err
	}
	if err := conn.SetReadDeadline(start.Add(limit)); err != nil {
		return time.Since(start), err
	}
	// Whatever the server answers (a 400 or 408 when a handler saw the
	// read fail), it must then close.
	_, err = io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return time.Since(start), fmt.Errorf("the connection is still open after %s", limit)
	}
	return time.Since(start), nil
}

// TestTimeouts_StalledClientsAreCutOff: a client that stops sending
// holds its connection no longer than the timeout that applies (issue 12:
// before, a stalled body held it for ever).
func TestTimeouts_StalledClientsAreCutOff(t *testing.T) {
	t.Parallel()
	const (
		readHeader = 200 * time.Millisecond
		read       = 400 * time.Millisecond
		idle       = 300 * time.Millisecond
		transfer   = 1500 * time.Millisecond
		margin     = 5 * time.Second
	)
	ts := startServer(t, config{ReadHeaderTimeout: readHeader, ReadTimeout: read, IdleTimeout: idle, TransferTimeout: transfer})
	addr := ts.Listener.Addr().String()
	created := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode)
	uploadID := created.json(t)["upload_id"].(string)

	tests := []struct {
		name    string
		raw     string
		timeout time.Duration
	}{
		{"headers stall", "GET /events HTTP/1.1\r\nHost: x\r\n", readHeader},
		{"JSON body stalls", "POST /documents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", read},
		{"report body stalls", "POST /reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", read},
		// A part gets -transfer-timeout, not -read-timeout: still bounded.
		{"upload part stalls", "PUT /uploads/" + uploadID + "/parts/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx", transfer},
		{"chunked part stalls", "PUT /uploads/" + uploadID + "/parts/2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", transfer},
		{"idle keep-alive", "GET /events HTTP/1.1\r\nHost: x\r\n\r\n", idle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			took := closedWithin(t, addr, tc.raw, tc.timeout+margin)
			// Deadlines do not fire early: the close is the timeout's.
			assert.GreaterOrEqual(t, took, tc.timeout*9/10)
		})
	}

	t.Run("many stalled bodies", func(t *testing.T) {
		t.Parallel()
		const n = 100
		var wg sync.WaitGroup
		took := make([]time.Duration, n)
		for i := range n {
			wg.Go(func() {
				// closeTime and assert, not closedWithin: no require off the test's goroutine.
				d, err := closeTime(addr, "PUT /documents/d HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{", read+margin)
				assert.NoError(t, err)
				took[i] = d
			})
		}
		wg.Wait()
		for _, d := range took {
			assert.Less(t, d, read+margin)
		}
	})
}

// TestTimeouts_StalledStreamHTTP2: over HTTP/2 the read deadline is per
// stream: a stalled body ends its stream within -read-timeout.
func TestTimeouts_StalledStreamHTTP2(t *testing.T) {
	t.Parallel()
	const read = 300 * time.Millisecond
	ts := startH2Server(t, config{ReadTimeout: read})
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	go func() { _, _ = io.WriteString(pw, "{") }() // then nothing
	req, err := http.NewRequest("POST", ts.URL+"/documents", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	ctx, cancel := context.WithTimeout(context.Background(), read+5*time.Second)
	defer cancel()
	start := time.Now()
	res, err := ts.client.Do(req.WithContext(ctx))
	require.NoError(t, err, "the server answers, the client does not give up")
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	assert.Equal(t, 2, res.ProtoMajor)
	assert.GreaterOrEqual(t, res.StatusCode, 400)
	assert.GreaterOrEqual(t, time.Since(start), read*9/10)
}

// TestTimeouts_HeaderTooLarge: -max-header-bytes is enforced (RFC 6585 §5:
// 431 Request Header Fields Too Large).
func TestTimeouts_HeaderTooLarge(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{MaxHeaderBytes: 8 << 10})
	ok := ts.do(t, "GET", "/events", "", "X-Pad", strings.Repeat("a", 2<<10))
	assert.Equal(t, 200, ok.StatusCode)
	// net/http answers 431 before any route, so not through the OpenAPI
	// checker; it allows 4 KiB of slack over MaxHeaderBytes.
	raw := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(raw.CloseIdleConnections)
	res, err := raw.Do(mustRequest(t, "GET", ts.URL+"/events", "X-Pad", strings.Repeat("a", 16<<10)))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 431, res.StatusCode)

	def := startServer(t, config{})
	res, err = raw.Do(mustRequest(t, "GET", def.URL+"/events", "X-Pad", strings.Repeat("a", defaultMaxHeaderBytes+8<<10)))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 431, res.StatusCode, "the default is %d bytes, not net/http's 1 MiB", defaultMaxHeaderBytes)
}

func mustRequest(t *testing.T, method, url string, headers ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// TestTimeouts_StreamsOutliveReadTimeout: responses that take longer than
// -read-timeout (event streams, WebSocket feeds, Prefer: wait, slow upload
// parts) still complete: the deadline bounds reading the request, never the
// response, over HTTP/1.1 and HTTP/2.
func TestTimeouts_StreamsOutliveReadTimeout(t *testing.T) {
	t.Parallel()
	// The read deadline is long enough that a loaded CI machine (-race,
	// TLS handshakes) still reads every request in time; what matters is
	// that each stream runs well past it. Reading headers is another test's
	// concern, so its deadline is generous here.
	const read = time.Second
	// A 365-day report takes 3 s: three times the read deadline.
	cfg := config{ReadTimeout: read, ReadHeaderTimeout: 10 * read, ReportDuration: 3 * read}
	const year = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var ts *testServer
			if proto == "HTTP/2" {
				ts = startH2Server(t, cfg)
			} else {
				ts = startServer(t, cfg)
			}
			submit := func(t *testing.T) string {
				acc := ts.do(t, "POST", "/reports", year, "Content-Type", "application/json")
				require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
				return acc.Header.Get("Location")
			}

			t.Run("SSE", func(t *testing.T) {
				t.Parallel()
				req := mustRequest(t, "GET", ts.URL+submit(t), "Accept", "text/event-stream")
				start := time.Now()
				res, err := ts.client.Do(req)
				require.NoError(t, err)
				defer res.Body.Close()
				require.Equal(t, 200, res.StatusCode)
				last := ""
				sc := bufio.NewScanner(res.Body)
				for sc.Scan() {
					if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
						last = ev
					}
				}
				require.NoError(t, sc.Err())
				assert.Equal(t, "completed", last, "the stream ends with the terminal record")
				assert.Greater(t, time.Since(start), read)
			})

			t.Run("Prefer wait", func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				// RFC 7240 §4.3: the request body is read at once, the
				// answer comes when the job ends.
				res := ts.do(t, "POST", "/reports", year, "Content-Type", "application/json", "Prefer", "wait=10")
				require.Equal(t, 303, res.StatusCode, "body: %s", res.body)
				assert.Greater(t, time.Since(start), read)
			})

			t.Run("slow upload part", func(t *testing.T) {
				t.Parallel()
				created := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
				require.Equal(t, 201, created.StatusCode)
				pr, pw := io.Pipe()
				t.Cleanup(func() { _ = pr.Close() }) // ends the writer whatever happens
				go func() {
					// Three pieces over 1.5 read deadlines.
					for i := range 3 {
						if i > 0 {
							time.Sleep(read * 3 / 4)
						}
						if _, err := fmt.Fprintf(pw, "piece %d;", i); err != nil {
							return
						}
					}
					_ = pw.Close()
				}()
				req, err := http.NewRequest("PUT", ts.URL+"/uploads/"+created.json(t)["upload_id"].(string)+"/parts/1", pr)
				require.NoError(t, err)
				res, err := ts.client.Do(req)
				require.NoError(t, err)
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				require.NoError(t, err)
				require.Equal(t, 200, res.StatusCode, "body: %s", body)
				assert.Contains(t, string(body), `"size":24`)
			})
		})
	}

	t.Run("WebSocket", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, cfg)
		acc := ts.do(t, "POST", "/reports", year, "Content-Type", "application/json")
		require.Equal(t, 202, acc.StatusCode)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+acc.Header.Get("Location"), nil)
		require.NoError(t, err)
		defer conn.CloseNow()
		last := ""
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				require.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "read: %v", err)
				break
			}
			last = string(data)
		}
		assert.Contains(t, last, `"completed"`)
		assert.Greater(t, time.Since(start), read)
	})
}

func TestTimeouts_Options(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     config
		want    timeouts
		wantErr string
	}{
		{"zero means the defaults", config{}, timeouts{readHeader: defaultReadHeaderTimeout, read: defaultReadTimeout,
			write: defaultWriteTimeout, idle: defaultIdleTimeout, transfer: defaultTransferTimeout, maxHeaderBytes: defaultMaxHeaderBytes}, ""},
		{"negative means none", config{ReadHeaderTimeout: -1, ReadTimeout: -1, WriteTimeout: -1, IdleTimeout: -1, TransferTimeout: -1},
			timeouts{readHeader: -1, read: -1, write: -1, idle: -1, transfer: -1, maxHeaderBytes: defaultMaxHeaderBytes}, ""},
		{"write shorter than read plus Prefer: wait", config{ReadTimeout: time.Minute, WriteTimeout: 90 * time.Second}, timeouts{}, "-write-timeout"},
		{"negative header limit", config{MaxHeaderBytes: -1}, timeouts{}, "-max-header-bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := newTimeouts(tc.cfg)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				_, err = newServer(tc.cfg)
				assert.ErrorContains(t, err, tc.wantErr, "newServer refuses it too")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			hs := &http.Server{}
			got.configure(hs)
			assert.Equal(t, got.read, hs.ReadTimeout)
			assert.Equal(t, got.write, hs.WriteTimeout)
			assert.Equal(t, got.maxHeaderBytes, hs.MaxHeaderBytes)
		})
	}
}

// TestTimeouts_WriteDeadline: -write-timeout cuts a response that takes too
// long, and a file download gets -transfer-timeout plus its size at
// minDownloadRate instead. Without a read timeout, the write timeout may be
// short.
func TestTimeouts_WriteDeadline(t *testing.T) {
	t.Parallel()
	const write = 300 * time.Millisecond
	ts := startServer(t, config{ReadTimeout: -1, WriteTimeout: write, TransferTimeout: 5 * time.Second, ReportDuration: time.Second})

	t.Run("a response later than the deadline is cut", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest("POST", ts.URL+"/reports", strings.NewReader(`{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "wait=10")
		res, err := ts.client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		assert.Error(t, err, "the 303 comes after -write-timeout and is not sent")
	})

	t.Run("a slow download outlives it", func(t *testing.T) {
		t.Parallel()
		// Larger than loopback's socket buffers, read slowly: the server
		// writes for well over -write-timeout.
		const partSize, parts = 4 << 20, 4
		id := newUpload(t, ts)
		var tags []string
		for n := 1; n <= parts; n++ {
			res := ts.do(t, "PUT", "/uploads/"+id+"/parts/"+strconv.Itoa(n), strings.Repeat(strconv.Itoa(n), partSize))
			require.Equal(t, 200, res.StatusCode, "body: %s", res.body)
			tags = append(tags, res.Header.Get("ETag"))
		}
		completeUpload(t, ts, id, tags...)

		dialer := &net.Dialer{}
		slow := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
			}
			return c, err
		}}}
		t.Cleanup(slow.CloseIdleConnections)
		start := time.Now()
		res, err := slow.Get(ts.URL + "/files/" + id)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
		var got int64
		buf := make([]byte, 1<<20)
		for {
			n, err := io.ReadFull(res.Body, buf)
			got += int64(n)
			if err != nil {
				break
			}
			time.Sleep(write / 4) // a slow reader: 4 MiB per deadline
		}
		assert.Equal(t, int64(partSize*parts), got, "the whole file arrives")
		assert.Greater(t, time.Since(start), write, "the download took longer than -write-timeout")
	})
}
