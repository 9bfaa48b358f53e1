package conditional

import (
	"net/http"
	"sync"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/response"
)

// Middleware evaluates the preconditions of GET and HEAD requests against the
// validators the handler produced: the ETag and Last-Modified header fields
// present when the handler commits its header (its first WriteHeader or
// Write). When the handler's status is 2xx and If-None-Match or
// If-Modified-Since fails, the response becomes 304 Not Modified: the body is
// discarded and the header is reduced as RFC 9110 §15.4.5 asks (see [Check]).
// When If-Match or If-Unmodified-Since fails, the response becomes the 412 of
// [Check], written through [Options.ErrorWriter].
//
// The handler still runs in full; the middleware saves bandwidth, not work.
// A handler that can compute its validators cheaply should call [Check]
// before producing the body instead.
//
// Details:
//   - Requests with other methods, and GET/HEAD requests without If-Match,
//     If-None-Match, If-Modified-Since or If-Unmodified-Since, pass through
//     untouched.
//   - Non-2xx responses are never changed: preconditions only apply to a
//     response that would otherwise succeed (RFC 9110 §13.2.1).
//   - The resource counts as existing (the handler produced a 2xx), which
//     decides "*". A malformed ETag or Last-Modified from the handler counts as
//     absent.
//   - A Last-Modified later than [Options.Now] is rewritten to Now on the
//     response (RFC 9110 §8.8.2.1).
//   - If-Range is not handled here: it cannot turn a 206 the handler already
//     produced into a 200. A handler that serves ranges must consult
//     [RangeApplies] (or use http.ServeContent).
//   - Nothing is buffered, so streaming, Flush and http.ResponseController
//     work as without the middleware.
//   - With the built-in error writers a 412 allocates only its three header
//     values (48 bytes): its body is built in the recycled per-request
//     state.
//
// The returned middleware is safe for concurrent use.
func Middleware(opts Options) func(http.Handler) http.Handler {
	// Guards are recycled, so a conditional request allocates no wrapper;
	// nothing is buffered, so they hold no body memory.
	pool := sync.Pool{New: func() any {
		g := &guard{opts: &opts}
		g.ro = response.Options{MaxBuffer: 0, OnCommit: g.commit} // bound once per guard
		return g
	}}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			// Each field is looked up at most once per request: the hook
			// reads them from the guard. A present If-Match makes
			// If-Unmodified-Since ignored, a present If-None-Match makes
			// If-Modified-Since ignored (RFC 9110 §13.1.3, §13.1.4), so those
			// are not looked up at all; and with If-Match alone,
			// If-Modified-Since only matters once If-Match holds (§13.2.2
			// step 1 comes first), so the hook looks it up then.
			h := r.Header
			f := fields{im: h["If-Match"], inm: h["If-None-Match"]}
			if len(f.im) == 0 {
				f.ius = h["If-Unmodified-Since"]
				if len(f.inm) == 0 {
					f.ims = h["If-Modified-Since"]
					if len(f.ius) == 0 && len(f.ims) == 0 {
						// If-Range alone cannot change the status.
						next.ServeHTTP(w, r)
						return
					}
				}
			}
			g := pool.Get().(*guard)
			g.f = f
			g.rw.Reset(w, r, g.ro)
			next.ServeHTTP(g.rw.ResponseWriter(), r)
			// Not deferred: after a panic the response must not be
			// committed as if the handler had finished (and the guard is
			// then left to the garbage collector, not the pool).
			_ = g.rw.Finish()
			g.rw.Reset(nil, nil, response.Options{})
			g.f = fields{}
			pool.Put(g)
		})
	}
}

// fields are the precondition field lines of one request. ius is nil when
// If-Match is present, ims when If-Match or If-None-Match is (see the
// lookups in Middleware).
type fields struct{ im, inm, ims, ius []string }

// guard is the per-request state of the middleware: the wrapping writer and
// the request's preconditions.
type guard struct {
	rw   response.Writer
	ro   response.Options
	opts *Options
	f    fields
	// scratch holds the body of a 412 while it is written, so that the
	// response allocates only its header values: fewer bytes per response,
	// fewer garbage collections.
	scratch [256]byte
}

// commit is the [response.Options.OnCommit] hook.
func (g *guard) commit(c *response.Commit) (handled bool) {
	if c.Status < 200 || c.Status > 299 {
		return false
	}
	opts := g.opts
	v := Validators{Exists: true}
	var text string // v.ETag as the handler wrote it: a 412 sends it back as is
	if et := c.Header["Etag"]; len(et) == 1 {
		s := header.TrimOWS(et[0])
		if t, n, ok := etag.Scan(s); ok && n == len(s) {
			v.ETag, text = t, s
		}
	}
	if len(g.f.ims) == 0 && len(g.f.ius) == 0 {
		// No date precondition yet: Last-Modified cannot change the
		// outcome, so a 412 (whose error body carries no Last-Modified)
		// need not parse it.
		out := evaluate(c.Request, g.f.im, g.f.inm, v, opts)
		if out == PreconditionFailed {
			writeConflict(c.W, c.Request, opts.ErrorWriter, v.ETag, text, g.scratch[:0])
			return true
		}
		if len(g.f.im) > 0 && len(g.f.inm) == 0 {
			// If-Match held, so If-Modified-Since (step 4) is next.
			if ims := c.Request.Header["If-Modified-Since"]; len(ims) > 0 {
				return g.commitDated(c, v, text)
			}
		}
		clampLastModified(c.Header, opts)
		if out == NotModified {
			// The Writer strips the header (response.Strip304) and drops the body.
			c.Status = http.StatusNotModified
		}
		return false
	}
	return g.commitDated(c, v, text)
}

// commitDated is the hook for a request whose date preconditions matter:
// the handler's Last-Modified takes part.
func (g *guard) commitDated(c *response.Commit, v Validators, text string) (handled bool) {
	opts := g.opts
	v.LastModified = clampLastModified(c.Header, opts)
	switch evaluate(c.Request, g.f.im, g.f.inm, v, opts) {
	case NotModified:
		c.Status = http.StatusNotModified
	case PreconditionFailed:
		writeConflict(c.W, c.Request, opts.ErrorWriter, v.ETag, text, g.scratch[:0])
		return true
	}
	return false
}

// clampLastModified returns the handler's Last-Modified (zero when absent or
// malformed), rewriting on the response one later than now to now (RFC 9110
// §8.8.2.1).
func clampLastModified(rh http.Header, opts *Options) time.Time {
	lm := rh["Last-Modified"]
	if len(lm) != 1 {
		return time.Time{}
	}
	now := opts.now()
	sec, ok := header.ParseHTTPDate(header.TrimOWS(lm[0]), now)
	if !ok {
		return time.Time{}
	}
	if n := now.Unix(); sec > n {
		sec = n
		rh["Last-Modified"] = []string{header.FormatHTTPDate(sec)}
	}
	return time.Unix(sec, 0)
}
