package conditional

import (
	"net/http"
	"time"

	"github.com/httpsem/httpsem/httperr"
)

// Options configure [Evaluate], [Check], [RangeApplies] and [Middleware]. The
// zero Options are the safe default: preconditions are evaluated but not
// required, errors are written as the JSON envelope, and the clock is
// time.Now. Options hold no state and are safe for concurrent use.
type Options struct {
	// RequirePrecondition makes an unsafe request (any method other than GET,
	// HEAD, OPTIONS, TRACE and CONNECT) that carries none of If-Match,
	// If-Unmodified-Since or "If-None-Match: *" (each with a usable value)
	// fail with 428 Precondition Required (RFC 6585 §3), so that no client can
	// overwrite a resource without saying which version it saw.
	// Default false.
	RequirePrecondition bool

	// AlreadyAppliedFunc, when set, is asked whether a state-changing request
	// whose If-Match or If-Unmodified-Since failed has in fact already been
	// applied (RFC 9110 §13.2.2 steps 1 and 2: the change may have succeeded
	// while its response was lost, or another client made the same change).
	// It receives the request and the current validators; returning true
	// turns the 412 into [AlreadyApplied], which [Check] answers with
	// 204 No Content and the current validators. It is never called for GET
	// or HEAD, nor for an If-None-Match failure. The function must only
	// inspect (it runs under the caller's lock); reading the request body is
	// the caller's business. Default nil: never.
	AlreadyAppliedFunc func(r *http.Request, v Validators) bool

	// OmitProceedValidators stops [Check] from setting ETag and
	// Last-Modified when it lets a GET or HEAD proceed, for a handler that
	// sets them itself (from pre-formatted values, say, to allocate nothing).
	// It does not change 304, 412, 428 or 204 answers. Default false: Check
	// sets them.
	OmitProceedValidators bool

	// ErrorWriter renders the 412 and 428 responses. Default nil:
	// [httperr.JSON].
	ErrorWriter httperr.Writer

	// Now returns the current time, used to clamp a Last-Modified in the
	// future (RFC 9110 §8.8.2.1), to decide whether a Last-Modified date is a
	// strong validator for If-Range, and to resolve two-digit years of
	// rfc850-date. Default nil: time.Now.
	Now func() time.Time
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}
