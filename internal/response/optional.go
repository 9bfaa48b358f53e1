package response

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
)

// The optional interfaces a handler may look for with a type assertion are
// exactly those of the inner writer, as felixge/httpsnoop keeps them: a
// wrapper that always had Flush or Hijack would promise what the connection
// cannot do, and one that never had ReadFrom would cost an http.FileServer
// its sendfile. A method set is fixed per type, so each combination needs a
// type of its own; instead of generating one per combination, each method
// lives on a named view of Writer (flusher, hijacker, readerFrom, pusher)
// and ResponseWriter embeds the views the inner writer calls for. Unwrap and
// FlushError are always there: they are how http.ResponseController reaches
// the inner writer, and FlushError must stop it at the held-back header.
type (
	flusher    Writer
	hijacker   Writer
	readerFrom Writer
	pusher     Writer
)

// kind is the set of optional interfaces of an inner writer, one bit each.
type kind uint8

const (
	kindFlusher kind = 1 << iota
	kindHijacker
	kindReaderFrom
	kindPusher
)

func kindOf(w http.ResponseWriter) kind {
	var k kind
	if _, ok := w.(http.Flusher); ok {
		k |= kindFlusher
	}
	if _, ok := w.(http.Hijacker); ok {
		k |= kindHijacker
	}
	if _, ok := w.(io.ReaderFrom); ok {
		k |= kindReaderFrom
	}
	if _, ok := w.(http.Pusher); ok {
		k |= kindPusher
	}
	return k
}

// ResponseWriter returns rw as the handler must see it: a writer whose
// optional interfaces (http.Flusher, http.Hijacker, io.ReaderFrom,
// http.Pusher) are exactly those of the inner writer. Pass it to the handler
// instead of rw. The value is kept with rw, so a pooled Writer builds it once
// per kind of inner writer and a request allocates nothing for it.
func (rw *Writer) ResponseWriter() http.ResponseWriter {
	// One dynamic type has one method set: comparing types is cheaper than
	// four type assertions.
	if t := reflect.TypeOf(rw.w); t != rw.viewOf || rw.view == nil {
		rw.view, rw.viewOf = view(rw, kindOf(rw.w)), t
	}
	return rw.view
}

func view(rw *Writer, k kind) http.ResponseWriter {
	f, h, r, p := (*flusher)(rw), (*hijacker)(rw), (*readerFrom)(rw), (*pusher)(rw)
	switch k {
	case 0:
		return rw
	case kindFlusher:
		return struct {
			*Writer
			*flusher
		}{rw, f}
	case kindHijacker:
		return struct {
			*Writer
			*hijacker
		}{rw, h}
	case kindFlusher | kindHijacker:
		return struct {
			*Writer
			*flusher
			*hijacker
		}{rw, f, h}
	case kindReaderFrom:
		return struct {
			*Writer
			*readerFrom
		}{rw, r}
	case kindFlusher | kindReaderFrom:
		return struct {
			*Writer
			*flusher
			*readerFrom
		}{rw, f, r}
	case kindHijacker | kindReaderFrom:
		return struct {
			*Writer
			*hijacker
			*readerFrom
		}{rw, h, r}
	case kindFlusher | kindHijacker | kindReaderFrom: // net/http's HTTP/1 writer
		return struct {
			*Writer
			*flusher
			*hijacker
			*readerFrom
		}{rw, f, h, r}
	case kindPusher:
		return struct {
			*Writer
			*pusher
		}{rw, p}
	case kindFlusher | kindPusher: // net/http's HTTP/2 writer
		return struct {
			*Writer
			*flusher
			*pusher
		}{rw, f, p}
	case kindHijacker | kindPusher:
		return struct {
			*Writer
			*hijacker
			*pusher
		}{rw, h, p}
	case kindFlusher | kindHijacker | kindPusher:
		return struct {
			*Writer
			*flusher
			*hijacker
			*pusher
		}{rw, f, h, p}
	case kindReaderFrom | kindPusher:
		return struct {
			*Writer
			*readerFrom
			*pusher
		}{rw, r, p}
	case kindFlusher | kindReaderFrom | kindPusher:
		return struct {
			*Writer
			*flusher
			*readerFrom
			*pusher
		}{rw, f, r, p}
	case kindHijacker | kindReaderFrom | kindPusher:
		return struct {
			*Writer
			*hijacker
			*readerFrom
			*pusher
		}{rw, h, r, p}
	default:
		return struct {
			*Writer
			*flusher
			*hijacker
			*readerFrom
			*pusher
		}{rw, f, h, r, p}
	}
}

// Flush is FlushError without the error, for handlers that use http.Flusher.
func (f *flusher) Flush() { _ = (*Writer)(f).FlushError() }

// Hijack lets the handler take over the connection (for callers that use a
// type assertion rather than http.ResponseController).
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	rw := (*Writer)(h)
	if rw.committed {
		return nil, nil, errors.New("response: hijack after the header was written")
	}
	c, brw, err := http.NewResponseController(rw.w).Hijack()
	if err == nil {
		rw.hijacked = true
		rw.committed = true
		rw.buffering = false
	}
	return c, brw, err
}

// Push forwards to the inner writer: a push promise goes out before the
// response, so the held-back header does not concern it.
func (p *pusher) Push(target string, opts *http.PushOptions) error {
	return (*Writer)(p).w.(http.Pusher).Push(target, opts)
}

// ReadFrom copies src through the buffer while the Writer buffers (reading
// straight into the buffer's spare capacity, so nothing is allocated), and
// once it streams hands the rest of src to the inner writer's ReadFrom, so
// that net/http can use sendfile for a file.
func (r *readerFrom) ReadFrom(src io.Reader) (int64, error) {
	rw := (*Writer)(r)
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	var n int64
	for rw.buffering {
		if len(rw.buf) == cap(rw.buf) {
			rw.buf = slices.Grow(rw.buf, min(32<<10, rw.opts.MaxBuffer+1-len(rw.buf)))
		}
		// Write appends p to the buffer it already lies at the end of, or,
		// past the limit, commits and streams the buffer and then p. Reading
		// at most one byte past the limit leaves the rest to sendfile.
		p := rw.buf[len(rw.buf):cap(rw.buf)]
		p = p[:min(len(p), rw.opts.MaxBuffer+1-len(rw.buf))]
		m, err := src.Read(p)
		if m > 0 {
			if _, werr := rw.Write(p[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	if rw.discard || rw.hijacked {
		m, err := io.Copy(io.Discard, src)
		rw.written += m
		return n + m, err
	}
	m, err := rw.w.(io.ReaderFrom).ReadFrom(src)
	rw.written += m
	return n + m, err
}
