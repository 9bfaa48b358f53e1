package conditional

import (
	"net/http"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/precond"
)

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
// validator set). A list field's several field lines form one list, and
// malformed members beside valid ones are skipped (§5.6.1). A field that is
// present is a condition even when no member of it can be read: such an
// If-Match is false, for every method (§13.1.1); such an If-None-Match is
// true for GET and HEAD (the full representation is sent, as net/http's
// ServeContent does) and false for other methods (a write whose guard cannot
// be read is refused, not let through). A present If-Match makes
// If-Unmodified-Since ignored and a present If-None-Match makes
// If-Modified-Since ignored, parsable or not (§13.1.3, §13.1.4).
//
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
// never modifies r. It is the evaluator etag.Middleware uses too.
func Evaluate(r *http.Request, v Validators, opts Options) Outcome {
	switch r.Method {
	case http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return Proceed
	}
	h := r.Header
	return evaluate(r, h["If-Match"], h["If-None-Match"], v, &opts)
}

// evaluate is [Evaluate] of a GET, HEAD or unsafe request whose If-Match and
// If-None-Match field lines the caller has already looked up.
func evaluate(r *http.Request, im, inm []string, v Validators, opts *Options) Outcome {
	noneMatch := match(inm, v.ETag, true)
	if noneMatch == precond.Matched && len(im) == 0 && v.LastModified.IsZero() &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// The revalidation of a client that holds the current tag, decided
		// without building the evaluator's input: no If-Match (§13.2.2 step
		// 1), an If-Unmodified-Since with no Last-Modified to compare is
		// ignored (step 2), and a matching If-None-Match is false on a GET
		// or HEAD (step 3). TestEvaluateShortcutsAgree holds it to
		// precond.Evaluate.
		return NotModified
	}
	h := r.Header
	in := precond.Input{
		Method:              r.Method,
		Header:              h,
		IfMatch:             match(im, v.ETag, false),
		IfNoneMatch:         noneMatch,
		LastModified:        v.LastModified,
		Exists:              v.exists(),
		Now:                 opts.Now,
		RequirePrecondition: opts.RequirePrecondition,
	}
	return decide(precond.Evaluate(&in), r, v, opts)
}

// decide turns the evaluator's outcome for r into Evaluate's.
func decide(o precond.Outcome, r *http.Request, v Validators, opts *Options) Outcome {
	switch o {
	case precond.NotModified:
		return NotModified
	case precond.Failed:
		// RFC 9110 §13.2.2 steps 1 and 2: 412 "unless it can be determined
		// that the state-changing request has already succeeded".
		if r.Method != http.MethodGet && r.Method != http.MethodHead &&
			opts.AlreadyAppliedFunc != nil && opts.AlreadyAppliedFunc(r, v) {
			return AlreadyApplied
		}
		return PreconditionFailed
	case precond.NoneMatchFailed:
		return PreconditionFailed
	case precond.Required:
		return PreconditionRequired
	}
	return Proceed
}

// match compares t with the members of a list field whose field lines are
// values, weakly or strongly; an absent field is not scanned at all.
func match(values []string, t etag.Tag, weak bool) precond.Match {
	switch {
	case len(values) == 0:
		return precond.Absent
	case len(values) == 1 && (weak || !t.Weak) && !t.IsZero() && isTagForm(values[0], t) && t.Valid():
		// The field is the current tag exactly as a client that stored it
		// sends it back: a one-member list that matches, found without
		// scanning the list. Only a valid tag has that form as its only
		// member (an Opaque with a DQUOTE in it would read as another
		// tag followed by junk).
		return precond.Matched
	}
	return precond.Field(values, precond.Match(etag.Match(values, t, weak)))
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
	if t, n, ok := etag.Scan(s); ok && n == len(s) {
		return !v.ETag.IsZero() && etag.StrongMatch(t, v.ETag)
	}
	if v.LastModified.IsZero() {
		return false
	}
	now := opts.now()
	date, ok := header.ParseHTTPDate(s, now)
	if !ok {
		return false
	}
	nowSec := now.Unix()
	lm, _ := precond.LastModified(v.LastModified, nowSec)
	return date == lm && lm < nowSec
}
