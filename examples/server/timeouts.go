package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// Defaults of the connection limits (flags -read-header-timeout,
// -read-timeout, -write-timeout, -idle-timeout, -transfer-timeout and
// -max-header-bytes). In config, zero means the default and a negative
// duration means no timeout at all.
const (
	// defaultReadHeaderTimeout bounds reading the request line and headers.
	defaultReadHeaderTimeout = 10 * time.Second
	// defaultReadTimeout bounds reading a whole request, headers and body: a
	// client that sends its headers and then stalls its body is cut off
	// after it, instead of holding the connection for ever. It bounds the
	// reading only: net/http drops the deadline once the body has been read
	// to its end (its background read, which cancels the request's context
	// on an error, runs without one), so an SSE stream, a WebSocket feed or
	// a Prefer: wait outlives it (TestTimeouts_StreamsOutliveReadTimeout).
	defaultReadTimeout = 30 * time.Second
	// defaultWriteTimeout bounds the time from the end of the headers to the
	// end of the response. It must cover -read-timeout plus the longest
	// Prefer: wait (asyncjob.DefaultMaxWait, 60 s); newServer checks that.
	defaultWriteTimeout = 2 * time.Minute
	// defaultIdleTimeout bounds how long a keep-alive connection waits for
	// its next request.
	defaultIdleTimeout = 2 * time.Minute
	// defaultTransferTimeout replaces -read-timeout for the body of an upload
	// part (at most maxPartBytes: 5 MiB in 10 min is 8.7 KiB/s) and
	// -write-timeout for a file download (the budget of a 64 MiB file is
	// this plus its size at minDownloadRate).
	defaultTransferTimeout = 10 * time.Minute
	// defaultMaxHeaderBytes bounds the request line and headers (net/http
	// answers 431 beyond). net/http's own default is 1 MiB; browsers send a
	// few KiB, and nginx's default buffers hold 32 KiB.
	defaultMaxHeaderBytes = 64 << 10
	// minDownloadRate is the slowest download a file is guaranteed: its
	// write deadline is -transfer-timeout plus its size at this rate.
	minDownloadRate = 64 << 10 // bytes per second
)

// timeouts are the connection limits, normalised: zero fields replaced by
// the defaults, negative ones meaning no timeout.
type timeouts struct {
	readHeader, read, write, idle, transfer time.Duration
	maxHeaderBytes                          int
}

// newTimeouts normalises the limits of cfg and checks that they fit
// together.
func newTimeouts(cfg config) (timeouts, error) {
	def := func(d, v time.Duration) time.Duration {
		if d == 0 {
			return v
		}
		return d
	}
	t := timeouts{
		readHeader:     def(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout),
		read:           def(cfg.ReadTimeout, defaultReadTimeout),
		write:          def(cfg.WriteTimeout, defaultWriteTimeout),
		idle:           def(cfg.IdleTimeout, defaultIdleTimeout),
		transfer:       def(cfg.TransferTimeout, defaultTransferTimeout),
		maxHeaderBytes: cfg.MaxHeaderBytes,
	}
	switch {
	case t.maxHeaderBytes < 0:
		// No limit is not an option: net/http would apply its 1 MiB anyway.
		return t, fmt.Errorf("-max-header-bytes: must not be negative, got %d", t.maxHeaderBytes)
	case t.maxHeaderBytes == 0:
		t.maxHeaderBytes = defaultMaxHeaderBytes
	}
	// A response that waits (Prefer: wait) is written after the body was
	// read and the wait ended; a shorter write deadline would cut it.
	if t.write > 0 && t.read > 0 && t.write < t.read+asyncjob.DefaultMaxWait {
		return t, fmt.Errorf("-write-timeout: %s is shorter than -read-timeout (%s) plus the longest Prefer: wait (%s)", t.write, t.read, asyncjob.DefaultMaxWait)
	}
	return t, nil
}

// configure sets the connection limits on hs. main calls it on its server;
// tests on an httptest server's Config.
func (t timeouts) configure(hs *http.Server) {
	hs.ReadHeaderTimeout = t.readHeader
	hs.ReadTimeout = t.read
	hs.WriteTimeout = t.write
	hs.IdleTimeout = t.idle
	hs.MaxHeaderBytes = t.maxHeaderBytes
}

// extendUpload gives the body of an upload part -transfer-timeout instead
// of -read-timeout, and its answer -write-timeout after that.
func (t timeouts) extendUpload(w http.ResponseWriter) {
	if t.transfer < 0 {
		return
	}
	rc := http.NewResponseController(w)
	end := time.Now().Add(t.transfer)
	_ = rc.SetReadDeadline(end) // an error: the writer has no deadlines
	if t.write > 0 {
		_ = rc.SetWriteDeadline(end.Add(t.write))
	}
}

// extendDownload gives a response of size bytes -transfer-timeout plus its
// size at minDownloadRate instead of -write-timeout.
func (t timeouts) extendDownload(w http.ResponseWriter, size int64) {
	if t.transfer < 0 || t.write < 0 {
		return
	}
	d := t.transfer + time.Duration(size)*time.Second/minDownloadRate
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}
