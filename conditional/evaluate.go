package conditional

import (
	"net/http"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/internal/header"
)

// cond is the result of one precondition (RFC 9110 §13.1): the field is
// absent (or must be ignored), or it evaluates to true or false.
type cond int

const (
	condNone cond = iota
	condTrue
	condFalse
)

// evaluator holds one evaluation's inputs; the clock is read at most once so
// that every comparison in a request sees the same "now".
type evaluator struct {
	v      Validators
	nowFn  func() time.Time
	now    time.Time
	nowSet bool
}

func (e *evaluator) clock() time.Time {
	if !e.nowSet {
		if e.nowFn != nil {
			e.now = e.nowFn()
		} else {
			e.now = time.Now()
		}
		e.nowSet = true
	}
	return e.now
}

// Evaluate evaluates the preconditions of r against the current validators v
// in the order of RFC 9110 §13.2.2 and reports what the server must do:
//
//  1. If-Match present: false → 412 (or [AlreadyApplied]).
//  2. Else If-Unmodified-Since present: false → 412 (or [AlreadyApplied]).
//  3. If-None-Match present: false → 304 for GET and HEAD, 412 otherwise.
//  4. Else, for GET and HEAD, If-Modified-Since present: false → 304.
//  5. If-Range is left to [RangeApplies], since it never changes the status
//     to an error; it only decides between 206 and 200.
//
// If-Match and If-Range use the strong comparison, If-None-Match the weak one
// (RFC 9110 §8.8.3.2). "*" is true when the resource exists (v.Exists or any
// validator set). A list field's several field lines form one list;
// malformed members are skipped and a field with no valid member is absent.
// A date field that is not exactly one valid HTTP-date (an invalid date, a
// list of dates, several field lines) is ignored (RFC 9110 §13.1.3,
// §13.1.4), as is a date field when v has no LastModified. Dates compare at
// one-second resolution against LastModified clamped to opts.Now.
//
// Preconditions are ignored for CONNECT, OPTIONS and TRACE (RFC 9110
// §13.2.1). With [Options.RequirePrecondition], an unsafe request that passes
// but carried no usable If-Match, If-Unmodified-Since or "If-None-Match: *"
// yields [PreconditionRequired].
//
// RFC 9110 §13.2.1 also says preconditions are ignored when the response
// without them would not be 2xx or 412: call Evaluate only once the handler
// knows it would otherwise succeed (e.g. after a 404 check).
//
// Evaluate does not allocate (unless [Options.AlreadyAppliedFunc] or
// [Options.Now] do) and runs in time linear in the size of the fields. It
// never modifies r.
func Evaluate(r *http.Request, v Validators, opts Options) Outcome {
	switch r.Method {
	case http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return Proceed
	}
	e := evaluator{v: v, nowFn: opts.Now}
	h := r.Header
	getOrHead := r.Method == http.MethodGet || r.Method == http.MethodHead

	// Step 1, then step 2 only when If-Match is absent.
	pre := e.ifMatch(h["If-Match"])
	if pre == condNone {
		pre = e.ifUnmodifiedSince(h["If-Unmodified-Since"])
	}
	if pre == condFalse {
		return failed(r, v, opts.AlreadyAppliedFunc, getOrHead)
	}
	guarded := pre != condNone

	// Step 3, then step 4 only when If-None-Match is absent.
	inm := etag.Match(h["If-None-Match"], v.ETag, true)
	switch e.ifNoneMatch(inm) {
	case condFalse:
		if getOrHead {
			return NotModified
		}
		return PreconditionFailed
	case condNone:
		if getOrHead && e.ifModifiedSince(h["If-Modified-Since"]) == condFalse {
			return NotModified
		}
	}

	// RFC 6585 §3: the server may require a conditional request. "*" in
	// If-None-Match counts, since it is the RFC's own guard against an
	// unsafe request overwriting a representation it did not know about
	// (RFC 9110 §13.1.2).
	if opts.RequirePrecondition && !getOrHead && !guarded && inm != etag.ListAny {
		return PreconditionRequired
	}
	return Proceed
}

// failed answers a false If-Match or If-Unmodified-Since: 412, unless the
// caller can tell that the state-changing request was already applied
// (RFC 9110 §13.2.2 steps 1 and 2).
func failed(r *http.Request, v Validators, applied func(*http.Request, Validators) bool, getOrHead bool) Outcome {
	if !getOrHead && applied != nil && applied(r, v) {
		return AlreadyApplied
	}
	return PreconditionFailed
}

// ifMatch evaluates If-Match (RFC 9110 §13.1.1) with the strong comparison.
func (e *evaluator) ifMatch(values []string) cond {
	switch etag.Match(values, e.v.ETag, false) {
	case etag.ListAbsent:
		return condNone
	case etag.ListAny:
		// "*" is false when there is no current representation.
		return condOf(e.v.exists())
	case etag.ListMatched:
		return condTrue
	}
	return condFalse
}

// ifNoneMatch evaluates If-None-Match (RFC 9110 §13.1.2) from the result of
// the weak comparison.
func (e *evaluator) ifNoneMatch(m etag.ListMatch) cond {
	switch m {
	case etag.ListAbsent:
		return condNone
	case etag.ListAny:
		// "*" is false when a current representation exists.
		return condOf(!e.v.exists())
	case etag.ListMatched:
		return condFalse
	}
	return condTrue
}

// ifUnmodifiedSince evaluates If-Unmodified-Since (RFC 9110 §13.1.4): true
// when the last modification is at or before the date.
func (e *evaluator) ifUnmodifiedSince(values []string) cond {
	date, lm, ok := e.dates(values)
	if !ok {
		return condNone
	}
	return condOf(lm <= date)
}

// ifModifiedSince evaluates If-Modified-Since (RFC 9110 §13.1.3): false
// (not modified) when the last modification is at or before the date.
func (e *evaluator) ifModifiedSince(values []string) cond {
	date, lm, ok := e.dates(values)
	if !ok {
		return condNone
	}
	return condOf(lm > date)
}

// dates returns the date of a date precondition field and the clamped
// Last-Modified, both in Unix seconds, or ok false when the field must be
// ignored: absent, not exactly one field line (several lines are a list of
// dates), not a valid HTTP-date, or no Last-Modified to compare with.
func (e *evaluator) dates(values []string) (date, lm int64, ok bool) {
	if len(values) != 1 || e.v.LastModified.IsZero() {
		return 0, 0, false
	}
	now := e.clock()
	date, ok = parseHTTPDate(header.TrimOWS(values[0]), now)
	if !ok {
		return 0, 0, false
	}
	lm, _ = e.v.lastModified(now.Unix())
	return date, lm, true
}

func condOf(b bool) cond {
	if b {
		return condTrue
	}
	return condFalse
}

// RangeApplies reports whether the Range header field of r is to be honoured
// (answer 206) rather than ignored (answer 200 with the whole
// representation), per If-Range (RFC 9110 §13.1.5, §13.2.2 step 5). Call it
// after [Evaluate] returned [Proceed]; it does not re-check the other
// preconditions, nor whether the ranges themselves are valid or satisfiable.
//
// It reports false unless the method is GET (range handling is defined for
// GET only, RFC 9110 §14.2) and Range is present. Without If-Range it reports
// true. With If-Range:
//
//   - an entity-tag is true only when it strongly matches v.ETag;
//   - an HTTP-date is true only when it equals v.LastModified (clamped to
//     opts.Now, in whole seconds) and that Last-Modified is a strong
//     validator. RFC 9110 §8.8.2.2 makes a date strong only when it is known
//     that the representation did not change twice within its second; the
//     rule used here is that the Last-Modified second has fully elapsed
//     (Last-Modified ≤ Now − 1 s): a compliant client only sends a date it got
//     with a Date at least one second later, and a resource whose last
//     modification second is over cannot change again within it.
//   - anything else (malformed, trailing text, several field lines)
//     is false, so the Range is ignored and the whole representation is sent,
//     the safe choice.
//
// RangeApplies does not allocate.
func RangeApplies(r *http.Request, v Validators, opts Options) bool {
	if r.Method != http.MethodGet {
		return false
	}
	if rng := r.Header["Range"]; len(rng) == 0 || header.TrimOWS(rng[0]) == "" {
		return false
	}
	ir := r.Header["If-Range"]
	switch len(ir) {
	case 0:
		return true
	case 1:
	default:
		return false
	}
	s := header.TrimOWS(ir[0])
	if t, ok := parseTag(s); ok {
		return !v.ETag.IsZero() && etag.StrongMatch(t, v.ETag)
	}
	if v.LastModified.IsZero() {
		return false
	}
	now := opts.now()
	date, ok := parseHTTPDate(s, now)
	if !ok {
		return false
	}
	nowSec := now.Unix()
	lm, _ := v.lastModified(nowSec)
	return date == lm && lm < nowSec
}

// parseTag parses a single entity-tag without allocating, also on failure
// (etag.Parse allocates its error, and If-Range is untrusted input).
func parseTag(s string) (etag.Tag, bool) {
	var t etag.Tag
	if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
		t.Weak = true
		s = s[2:]
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return etag.Tag{}, false
	}
	t.Opaque = s[1 : len(s)-1]
	// Valid rejects every non-etagc byte, an inner DQUOTE included.
	if !t.Valid() {
		return etag.Tag{}, false
	}
	return t, true
}
