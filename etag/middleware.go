package etag

import (
	"math"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/zeebo/xxh3"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/precond"
	"github.com/httpsem/httpsem/internal/response"
)

// tagCacheSize is the number of recently computed tags whose header value is
// reused, so that serving unchanged content allocates nothing. Direct-mapped
// by hash; a miss only costs the allocation the cache would have saved.
const tagCacheSize = 64

// Middleware returns a middleware that gives GET and HEAD responses a strong
// ETag computed from their body and answers 304 Not Modified when the
// request's If-None-Match matches it (RFC 9110 §8.8.3, §13.1.2, §15.4.5).
//
// For a GET or HEAD request whose handler answers 200, 201, 202 or 203:
//
//   - The body is buffered up to [Options.MaxBuffer] bytes. When the handler
//     returns within that limit, the response gets ETag: [FromBytes] of the
//     body and an exact Content-Length, unless the handler set an ETag of its
//     own, which is kept as it is (then nothing is buffered).
//   - The request's entity-tag preconditions are evaluated against the tag
//     in the order of RFC 9110 §13.2.2, by the evaluator conditional.Check
//     uses: a failing If-Match (also one that nothing can match, §13.1.1)
//     is answered 412 through [Options.ErrorWriter], with the current tag in
//     "current_etag", then a matching If-None-Match (weak comparison) is
//     answered 304 with no body and only the header fields RFC 9110 §15.4.5
//     allows. An unparsable If-None-Match is ignored. Date preconditions are
//     left to conditional.Middleware, which knows the Last-Modified time.
//   - A body longer than MaxBuffer streams as it is written, with no ETag and
//     no computed Content-Length, holding at most MaxBuffer bytes.
//   - A handler that flushes (http.Flusher or http.ResponseController) opts
//     out: what is buffered is sent, and the response streams untagged.
//   - Responses with Content-Type text/event-stream or Cache-Control:
//     no-store, other statuses, requests with an Upgrade header and requests
//     for which [Options.SkipFunc] reports true pass straight through.
//
// Requests with any other method reach the handler unwrapped, so an unsafe
// method is never answered 304 after its handler ran.
//
// The handler runs in full before the 304 is decided: a content tag saves
// bandwidth, not work. To skip the work, compute a tag from a version
// ([FromVersion]) before producing the body and call conditional.Check.
//
// HEAD gets the same ETag and Content-Length as GET: the handler is called
// with a shallow copy of the request whose Method is GET, so that it produces
// the body the tag is computed from, and the middleware sends no body. A
// handler that does less work for HEAD therefore does the GET work behind
// this middleware.
//
// A strong tag promises byte-for-byte identity, so the tag must be computed
// on the bytes as sent. Put the middleware outside any middleware that
// changes the body, such as compression: each encoding then gets its own
// tag. When a compressor must wrap this middleware instead, it must change
// the ETag of encoded responses (gzhttp.SuffixETag) and
// [Options.VariantSuffixes] must name its suffixes; see the package
// documentation.
//
// The writer given to the handler has exactly the optional interfaces of
// the one it wraps (http.Flusher, http.Hijacker, io.ReaderFrom, http.Pusher),
// and Unwrap for http.ResponseController. Body buffers are pooled, so
// serving unchanged content allocates nothing in steady state; idle buffers
// are released by the garbage collector, as sync.Pool does. The ETag and
// Content-Length values it sets are shared between responses with the same
// body: like any header value, replace them with Header.Set, never modify
// them in place. The returned middleware is safe for concurrent use.
func Middleware(opts Options) func(http.Handler) http.Handler {
	maxBuffer := opts.MaxBuffer
	switch {
	case maxBuffer == 0:
		maxBuffer = DefaultMaxBuffer
	case maxBuffer < 0:
		maxBuffer = 0 // none: nothing is held back, so nothing is hashed
	}
	var suffixes []string
	for _, s := range opts.VariantSuffixes {
		if s != "" {
			suffixes = append(suffixes, s)
		}
	}
	return func(next http.Handler) http.Handler {
		m := &middleware{
			next:     next,
			skip:     opts.SkipFunc,
			suffixes: suffixes,
			errw:     opts.ErrorWriter,
			// Buffers are kept up to twice the limit, the most that append
			// growth can leave as capacity for a body within it, so every
			// buffered body reuses memory; sync.Pool releases idle buffers
			// at garbage collection.
			pool: response.NewPool(retainLimit(maxBuffer)),
		}
		m.ropts = response.Options{
			MaxBuffer:   maxBuffer,
			Passthrough: passthrough,
			OnCommit:    m.onCommit,
		}
		return m
	}
}

// retainLimit is the largest buffer capacity returned to the pool: twice the
// limit, without overflowing for absurd limits.
func retainLimit(maxBuffer int) int {
	if maxBuffer > math.MaxInt/2 {
		return math.MaxInt
	}
	return 2 * maxBuffer
}

type middleware struct {
	next     http.Handler
	skip     func(*http.Request) bool
	suffixes []string
	errw     httperr.Writer
	pool     *response.Pool
	ropts    response.Options // built once: a method value per request would allocate
	tags     [tagCacheSize]atomic.Pointer[cachedTag]
}

// cachedTag is a computed tag with its header values. The header slices are
// shared by every response with this body; they have capacity 1 so that
// Header.Add copies them, and net/http never modifies header values in place.
type cachedTag struct {
	sum uint64
	n   int
	tag Tag
	hdr []string // the ETag field value
	cl  []string // the Content-Length field value
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead ||
		m.skip != nil && m.skip(r) {
		m.next.ServeHTTP(w, r)
		return
	}
	if _, ok := r.Header["Upgrade"]; ok {
		// A protocol switch (WebSocket) must reach the connection untouched.
		m.next.ServeHTTP(w, r)
		return
	}
	rw := m.pool.Get(w, r, m.ropts)
	hr := r
	if r.Method == http.MethodHead {
		// The wrapper keeps the HEAD request, so it sends no body; the
		// handler sees GET, so it writes the body the tag is computed from
		// (RFC 9110 §9.3.2: HEAD gets the header fields GET would).
		g := *r
		g.Method = http.MethodGet
		hr = &g
	}
	// Not deferred on purpose: when the handler panics, a buffered partial
	// body must not be sent as a complete, tagged response. net/http then
	// aborts the connection, and the writer is left to the garbage collector.
	m.next.ServeHTTP(rw.ResponseWriter(), hr)
	_ = rw.Finish() // a write error means the client is gone; nothing to report it to
	m.pool.Put(rw)
}

// taggable reports whether a response with status carries a complete
// representation of the target resource that a tag can describe. 204 and 205
// have no content, and a 206 body is only part of the representation.
func taggable(status int) bool { return status >= 200 && status <= 203 }

// passthrough decides, at the handler's final status, that there is nothing
// to buffer for: the status is not tagged, the handler supplied its own
// ETag, or the response must stream.
func passthrough(status int, h http.Header) bool {
	if !taggable(status) {
		return true
	}
	n := len(h)
	switch {
	case n == 1:
		// The usual header at the first write is Content-Type alone: one
		// lookup that finds it tells what the one field is.
		if ct, ok := h["Content-Type"]; ok {
			return len(ct) > 0 && isEventStream(ct[0])
		}
	case n == 0:
		return false
	case n > 4:
		if streaming(h) {
			return true
		}
		_, ok := handlerTag(h)
		return ok
	}
	// A small header is usually made of the fields looked up here, likeliest
	// first, and once all n are found none of them is a tag: Content-Type
	// with Vary from negotiation costs two hashed lookups instead of the
	// four of the full check, or a pass over the map, which draws two
	// random numbers before it visits each field.
	// TestPassthroughAgrees holds it to the full check.
	found := 0
	if ct, ok := h["Content-Type"]; ok {
		if len(ct) > 0 && isEventStream(ct[0]) {
			return true
		}
		if found++; found == n {
			return false
		}
	}
	if _, ok := h["Vary"]; ok {
		if found++; found == n {
			return false
		}
	}
	if _, ok := h["Content-Length"]; ok {
		if found++; found == n {
			return false
		}
	}
	if cc, ok := h["Cache-Control"]; ok {
		if header.HasDirective(cc, "no-store") {
			return true
		}
		if found++; found == n {
			return false
		}
	}
	// Some other field, which may be the handler's tag; the stream checks
	// are decided.
	_, ok := handlerTag(h)
	return ok
}

// handlerTag returns the ETag field the handler set. Besides the canonical
// key it looks for "ETag", which a handler that assigns to the map directly
// may use and net/http would send as is: adding ours would make two fields.
func handlerTag(h http.Header) ([]string, bool) {
	if v, ok := h["Etag"]; ok {
		return v, true
	}
	//lint:ignore SA1008 the non-canonical key is the point: a handler that assigns h["ETag"] directly gets it sent as is
	v, ok := h["ETag"]
	return v, ok
}

// streaming reports whether the response must reach the client unbuffered
// and untouched: an event stream, or one no cache may store.
func streaming(h http.Header) bool {
	if ct := h["Content-Type"]; len(ct) > 0 && isEventStream(ct[0]) {
		return true
	}
	return header.HasDirective(h["Cache-Control"], "no-store")
}

func isEventStream(ct string) bool {
	const es = "text/event-stream"
	// ct[5]|0x20 is 'e' only for 'e' and 'E': the test turns text/plain and
	// application/* away before the case-insensitive comparison.
	if len(ct) < len(es) || ct[5]|0x20 != 'e' || !header.EqualFold(ct[:len(es)], es) {
		return false
	}
	rest := ct[len(es):]
	return rest == "" || rest[0] == ';' || header.IsOWS(rest[0])
}

func (m *middleware) onCommit(c *response.Commit) bool {
	if !c.Vetted {
		return m.commitUnvetted(c)
	}
	// passthrough said no at WriteHeader: taggable, not streaming and no
	// handler tag; running the header checks again would double their
	// cost. This is the path of nearly every response, so it is kept apart
	// from the precondition evaluation, whose frame would cost every
	// response its spills.
	if !c.Complete {
		return false
	}
	e := m.tagFor(c.Body)
	c.Header["Etag"] = e.hdr
	rh := c.Request.Header
	im, inm := rh["If-Match"], rh["If-None-Match"]
	if len(im) == 0 && len(inm) == 0 {
		// With neither field and no Last-Modified, precond.Evaluate can
		// only answer Proceed (the date fields are left to conditional).
		m.setLength(c, e)
		return false
	}
	return m.evaluate(c, e, e.tag, e.hdr[0], im, inm)
}

// commitUnvetted is onCommit for a response that passthrough did not vet:
// one that streamed from its final WriteHeader, because passthrough said so
// or nothing is buffered.
func (m *middleware) commitUnvetted(c *response.Commit) bool {
	var (
		tag Tag
		hdr string     // tag in header form, where known without formatting it
		e   *cachedTag // the tag computed from the body, if it was
	)
	if !taggable(c.Status) || streaming(c.Header) {
		return false
	} else if v, ok := handlerTag(c.Header); ok {
		if len(v) == 0 {
			return false
		}
		t, err := Parse(v[0])
		if err != nil {
			// A malformed tag from the handler is left alone; comparing it
			// could only give wrong answers.
			return false
		}
		tag, hdr = t, v[0]
	} else {
		if !c.Complete {
			// Streaming after overflow or Flush: the bytes are unknown.
			return false
		}
		e = m.tagFor(c.Body)
	}
	if e != nil {
		c.Header["Etag"] = e.hdr
	} else if tag.IsZero() {
		return false
	}
	rh := c.Request.Header
	im, inm := rh["If-Match"], rh["If-None-Match"]
	if len(im) == 0 && len(inm) == 0 {
		// With neither field and no Last-Modified, precond.Evaluate can
		// only answer Proceed (the date fields are left to conditional).
		m.setLength(c, e)
		return false
	}
	if e != nil {
		tag, hdr = e.tag, e.hdr[0]
	}
	return m.evaluate(c, e, tag, hdr, im, inm)
}

// evaluate answers the request's If-Match and If-None-Match field lines
// (im, inm; not both empty) for the current tag (in header form hdr, ""
// when unknown; e is its cache entry when the middleware computed it): 412
// through the error writer, 304, or the response as it is, with its
// Content-Length.
func (m *middleware) evaluate(c *response.Commit, e *cachedTag, tag Tag, hdr string, im, inm []string) bool {
	current := tag
	if variant := m.variant(inm, tag); !variant.IsZero() {
		// The client holds the encoded variant: a 304 must name it, since
		// caches pick the stored response to update by this tag (RFC 9111
		// §4.3.4).
		tag, hdr = variant, ""
	}
	switch outcome(c.Request, tag, hdr, im, inm) {
	case precond.NotModified:
		// No Content-Length: a 304 describes no content (RFC 9110 §15.4.5).
		c.Status = http.StatusNotModified
		if tag != current {
			delete(c.Header, "ETag")
			c.Header.Set("Etag", tag.String())
		}
	case precond.Failed, precond.NoneMatchFailed:
		var buf [64]byte
		delete(c.Header, "ETag") // httperr removes only the canonical key
		precond.WriteConflict(c.W, c.Request, m.errw, current.Append(buf[:0]))
		return true
	default:
		m.setLength(c, e)
	}
	return false
}

// outcome evaluates the If-Match and If-None-Match field lines (im, inm) of
// r, a GET or HEAD, against the current tag (in header form hdr, "" when
// unknown).
func outcome(r *http.Request, tag Tag, hdr string, im, inm []string) precond.Outcome {
	noneMatch := matchField(inm, tag, hdr, true)
	if noneMatch == precond.Matched && len(im) == 0 {
		// The revalidation of a client that holds the current tag, decided
		// without building the evaluator's input: no If-Match (RFC 9110
		// §13.2.2 step 1), no Last-Modified for the date fields (step 2),
		// a matching If-None-Match on a GET or HEAD (step 3).
		// TestOutcomeAgrees holds it to precond.Evaluate.
		return precond.NotModified
	}
	in := precond.Input{
		Method:      r.Method,
		Header:      r.Header,
		IfMatch:     matchField(im, tag, hdr, false),
		IfNoneMatch: noneMatch,
		Exists:      true,
	}
	return precond.Evaluate(&in)
}

// setLength sets the Content-Length of a body the middleware tagged (e is
// its tag): the exact length of the whole body, which the writer would set
// anyway; from the tag cache it costs no allocation.
func (m *middleware) setLength(c *response.Commit, e *cachedTag) {
	if e != nil {
		c.Header["Content-Length"] = e.cl
		c.LengthSet = true
	}
}

// matchField is precond.Field(values, Match(values, tag, weak)) for the
// If-Match (strong) or If-None-Match (weak) field lines values and the
// current tag, valid and not zero, whose header form is hdr ("" when
// unknown). A field that is that very form, the revalidation of a client
// that stored this response, matches without parsing the list. Only the
// date fields are left to precond.Evaluate to read (an If-Range only
// matters to a 206, which is never tagged).
func matchField(values []string, tag Tag, hdr string, weak bool) precond.Match {
	switch {
	case len(values) == 0:
		return precond.Absent
	case len(values) == 1 && hdr != "" && values[0] == hdr && (weak || !tag.Weak):
		return precond.Matched
	}
	return precond.Field(values, precond.Match(Match(values, tag, weak)))
}

// tagFor returns the tag of body, reusing the header value of a recently
// computed identical tag.
func (m *middleware) tagFor(body []byte) *cachedTag {
	sum := xxh3.Hash(body)
	slot := &m.tags[sum%tagCacheSize]
	if e := slot.Load(); e != nil && e.sum == sum && e.n == len(body) {
		return e
	}
	t := fromSum(sum)
	e := &cachedTag{
		sum: sum, n: len(body), tag: t,
		hdr: []string{t.String()},
		cl:  []string{strconv.Itoa(len(body))},
	}
	slot.Store(e)
	return e
}

// variant returns the member of If-None-Match (its field lines inm) that is
// tag plus one of the configured variant suffixes, or the zero Tag when
// there is none or when a member matches tag itself.
func (m *middleware) variant(inm []string, tag Tag) Tag {
	if len(m.suffixes) == 0 {
		return Tag{}
	}
	var found Tag
	Each(inm, func(t Tag, star bool) bool {
		if star || WeakMatch(t, tag) {
			found = Tag{}
			return false
		}
		if !found.IsZero() || len(t.Opaque) <= len(tag.Opaque) || t.Opaque[:len(tag.Opaque)] != tag.Opaque {
			return true
		}
		rest := t.Opaque[len(tag.Opaque):]
		for _, s := range m.suffixes {
			if rest == s {
				found = t
				break
			}
		}
		return true
	})
	return found
}
