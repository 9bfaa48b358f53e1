package response

import (
	"net/http"
	"reflect"
	"strconv"
)

// Options configure a [Writer].
type Options struct {
	// MaxBuffer is how many body bytes are held back before the response is
	// committed; past it the response streams. 0 means no buffering: the
	// header is committed at the first WriteHeader (final status) or Write.
	MaxBuffer int
	// Passthrough, when it reports true for the final status and header, makes
	// the response stream at once instead of buffering (event streams,
	// no-store responses). Nil means never.
	Passthrough func(status int, h http.Header) bool
	// OnCommit is called exactly once, just before the header goes to the
	// client. It may edit c.Header and c.Status (a status that allows no body
	// makes the Writer discard the body), or write the whole response itself
	// to c.W and return true, after which everything the handler writes is
	// discarded. Nil means commit unchanged.
	OnCommit func(c *Commit) (handled bool)
}

// Commit is what [Options.OnCommit] sees.
type Commit struct {
	// Request is the request being answered (as given to [New]).
	Request *http.Request
	// Status is the final status the handler chose; the hook may change it.
	Status int
	// Header is the response header (the inner writer's map). When the
	// status is 304 it may still hold what a 304 must not carry: the
	// Writer nearest the server strips it (Strip304), after its own hook.
	Header http.Header
	// Body holds the buffered body bytes; the whole body when Complete.
	// It must not be retained after the hook returns.
	Body []byte
	// Complete reports whether Body is the whole body: the handler returned
	// without flushing and within MaxBuffer.
	Complete bool
	// Vetted reports that Passthrough (when set) reported false for Status
	// and Header at the handler's final WriteHeader, so the hook need not
	// ask again: net/http reads the header there, and a handler that edits
	// it later breaks that contract.
	Vetted bool
	// LengthSet is for the hook to report that it set Content-Length to
	// len(Body), sparing the writer a lookup to check it.
	LengthSet bool
	// Strips reports that Status is 304 at the call and that the Writer
	// will strip the header for it after the hook ([Strip304]), being the
	// one nearest the server. A hook that reads fields of such a header
	// can strip it itself with [Strip304Kept], whose pass finds them, and
	// set Stripped.
	Strips bool
	// Stripped is for the hook to report that it stripped Header (with
	// [Strip304Kept]) for the 304 it leaves in Status, sparing the Writer
	// a second pass over the header.
	Stripped bool
	// W is the inner ResponseWriter, for a hook that writes the response
	// itself (and then returns true).
	W http.ResponseWriter

	asked bool // Strips was set: Status was 304 at the call
}

// Writer wraps an http.ResponseWriter; see the package documentation. It is
// not safe for concurrent use, like any ResponseWriter.
type Writer struct {
	state // one request's; reset by every Get

	buf    []byte              // kept across requests, emptied
	view   http.ResponseWriter // what ResponseWriter returns for an inner writer of type viewOf
	viewOf reflect.Type
	// commit is what the hook is given, kept here so that handing it to a
	// func value allocates nothing; it is zero outside commitHeader, so the
	// reset of every request need not clear it.
	commit Commit
}

type state struct {
	w    http.ResponseWriter
	r    *http.Request
	opts Options

	status    int  // final status recorded; 0 = none yet
	committed bool // header handed to w (or the hook handled the response)
	discard   bool // drop body bytes from now on
	buffering bool
	vetted    bool // Passthrough reported false at the final WriteHeader
	hijacked  bool
	written   int64
}

// New wraps w for request r.
func New(w http.ResponseWriter, r *http.Request, opts Options) *Writer {
	rw := new(Writer)
	rw.reset(w, r, opts)
	return rw
}

func (rw *Writer) reset(w http.ResponseWriter, r *http.Request, opts Options) {
	// Only the per-request state is rewritten: the buffer and the view
	// outlive the request, and copying them back would cost more than the
	// rest of the reset. It is set field by field, every field of state
	// (TestResetCoversState counts them): a state literal is built on the
	// stack and then copied, twice the stores, and the copy's wide loads of
	// fields just stored narrow defeat store-to-load forwarding.
	rw.w, rw.r, rw.opts = w, r, opts
	rw.status, rw.written = 0, 0
	rw.committed, rw.discard, rw.vetted, rw.hijacked = false, false, false, false
	rw.buffering = opts.MaxBuffer > 0
	rw.buf = rw.buf[:0]
}

// Header returns the inner writer's header map.
func (rw *Writer) Header() http.Header { return rw.w.Header() }

// Unwrap returns the inner writer, for http.ResponseController.
func (rw *Writer) Unwrap() http.ResponseWriter { return rw.w }

// Status returns the final status recorded so far (0 when none).
func (rw *Writer) Status() int { return rw.status }

// Written returns the number of body bytes the handler wrote.
func (rw *Writer) Written() int64 { return rw.written }

// WriteHeader records the first final status. Informational 1xx statuses
// (other than 101) are forwarded at once; later final statuses are ignored as
// net/http ignores them.
func (rw *Writer) WriteHeader(code int) {
	if rw.status != 0 || rw.committed {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		rw.w.WriteHeader(code)
		return
	}
	rw.status = code
	if !rw.buffering || code == http.StatusSwitchingProtocols ||
		(rw.opts.Passthrough != nil && rw.opts.Passthrough(code, rw.w.Header())) {
		rw.buffering = false
		rw.commitHeader(false)
		return
	}
	rw.vetted = true
}

// Write buffers or forwards p; a Write before WriteHeader means 200.
func (rw *Writer) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	rw.written += int64(len(p))
	if rw.buffering {
		if len(rw.buf)+len(p) <= rw.opts.MaxBuffer {
			rw.buf = append(rw.buf, p...)
			return len(p), nil
		}
		// Past the limit: commit without buffer-only features and stream.
		rw.buffering = false
		rw.commitHeader(false)
		if err := rw.writeBuffered(); err != nil {
			return 0, err
		}
	}
	if rw.discard || rw.hijacked {
		return len(p), nil
	}
	return rw.w.Write(p)
}

// WriteString is Write for strings, sparing handlers a conversion.
func (rw *Writer) WriteString(s string) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.buffering && len(rw.buf)+len(s) <= rw.opts.MaxBuffer {
		rw.written += int64(len(s))
		rw.buf = append(rw.buf, s...)
		return len(s), nil
	}
	if !rw.buffering && (rw.discard || rw.hijacked) {
		rw.written += int64(len(s))
		return len(s), nil
	}
	return rw.Write([]byte(s))
}

// FlushError means "stream from now on": it commits the header without
// buffer-dependent decisions, writes what is buffered and flushes the inner
// writer, reporting its error. The Writer has it whatever the inner writer
// supports, because http.ResponseController stops at the first writer with
// FlushError or Flush and would otherwise flush past the held-back header.
func (rw *Writer) FlushError() error {
	if rw.hijacked {
		return http.ErrHijacked
	}
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.buffering {
		rw.buffering = false
		rw.commitHeader(false)
		if err := rw.writeBuffered(); err != nil {
			return err
		}
	}
	if rw.discard {
		return nil
	}
	return http.NewResponseController(rw.w).Flush()
}

// Finish completes the response after the handler returned: a handler that
// wrote nothing gets 200 with no body, a buffered body is committed with
// Complete set, so the hook can compute validators and Content-Length.
func (rw *Writer) Finish() error {
	if rw.hijacked {
		return nil
	}
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if !rw.buffering {
		return nil
	}
	rw.buffering = false
	rw.commitHeader(true)
	return rw.writeBuffered()
}

func (rw *Writer) writeBuffered() error {
	if len(rw.buf) == 0 {
		return nil
	}
	b := rw.buf
	rw.buf = rw.buf[:0]
	if rw.discard {
		return nil
	}
	_, err := rw.w.Write(b)
	return err
}

func (rw *Writer) commitHeader(complete bool) {
	if rw.committed {
		return
	}
	rw.committed = true
	h := rw.w.Header()
	status, lengthSet := rw.status, false
	if rw.opts.OnCommit != nil {
		// rw.commit is zero between commits, so only the fields that may
		// not be are set. Building a Commit literal on the stack and
		// copying it in costs twice the stores, and its wide loads of
		// fields just stored narrow defeat store-to-load forwarding.
		c := &rw.commit
		c.Request, c.Status, c.Header, c.Body, c.W = rw.r, status, h, rw.buf, rw.w
		c.Complete, c.Vetted = complete, rw.vetted
		if status == http.StatusNotModified {
			c.Strips, c.asked = !strips304(rw.w), true
		}
		handled := rw.opts.OnCommit(c)
		status, lengthSet = c.Status, c.LengthSet
		if handled {
			rw.commit = Commit{}
			rw.discard = true
			return
		}
		rw.status = status
	}
	if status != http.StatusOK || rw.r == nil || rw.r.Method == http.MethodHead {
		// Anything but a 200 to a request other than HEAD: the rules for
		// bodiless responses apply, which the usual case need not read.
		// commitStatus reads what the hook said about stripping a 304.
		rw.commitStatus(h, status, complete, lengthSet)
		rw.commit = Commit{}
		return
	}
	rw.commit = Commit{}
	if complete && !lengthSet && !hasLength(h, len(rw.buf)) {
		// The whole body is known, so its length is too.
		h["Content-Length"] = []string{strconv.Itoa(len(rw.buf))}
	}
	rw.w.WriteHeader(status)
}

// commitStatus is the end of commitHeader for a status other than 200 or a
// HEAD request (or no request): it strips a 304 (unless the hook did),
// discards the body of a response that has none, and sets the
// Content-Length of a complete body.
func (rw *Writer) commitStatus(h http.Header, status int, complete, lengthSet bool) {
	method := ""
	if rw.r != nil {
		method = rw.r.Method
	}
	if status == http.StatusNotModified {
		// The 304 the hook was given was asked about once (Strips); one
		// the hook made (or any, without a hook) is asked about here.
		c := &rw.commit
		strip := c.Strips && !c.Stripped
		if !c.asked {
			strip = !strips304(rw.w)
		}
		if strip {
			Strip304(h)
		}
	}
	if !BodyAllowed(method, status) {
		rw.discard = true
	}
	if complete && status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified {
		// The whole body is known, so its length is too. On HEAD a handler
		// that wrote no body keeps its own Content-Length: 0 would be a lie.
		if (method != http.MethodHead || len(rw.buf) > 0) && !lengthSet && !hasLength(h, len(rw.buf)) {
			h["Content-Length"] = []string{strconv.Itoa(len(rw.buf))}
		}
	}
	rw.w.WriteHeader(status)
}

// strips304 reports whether w is the view of another Writer that has not
// committed: each middleware of a stack wraps the writer of the one outside
// it, and the WriteHeader(304) that w is about to get makes that Writer
// strip the shared header itself, after its own hook, so stripping here too
// would do the work twice, or three times behind three middlewares.
func strips304(w http.ResponseWriter) bool {
	v, ok := w.(interface{ writer() *Writer })
	if !ok {
		return false
	}
	in := v.writer()
	return in.status == 0 && !in.committed && !in.hijacked
}

// writer returns rw; the views of [Writer.ResponseWriter] embed it, so that
// strips304 finds the Writer behind any of them.
func (rw *Writer) writer() *Writer { return rw }

// hasLength reports whether h already states Content-Length n (n >= 0),
// so that a hook that set it (from a cache) spares the per-response
// allocation. The digits are compared from the right in place, which costs
// less than strconv.Atoi or formatting n.
func hasLength(h http.Header, n int) bool {
	v := h["Content-Length"]
	if len(v) != 1 {
		return false
	}
	s := v[0]
	for i := len(s) - 1; i >= 0 && s[i] == byte('0'+n%10); i-- {
		if n /= 10; n == 0 {
			return i == 0
		}
	}
	return false
}
