package conditional

import "strconv"

// Outcome is the result of evaluating the preconditions of a request
// (RFC 9110 §13.2.2). The zero Outcome is unset; [Evaluate] always returns one
// of the named values.
type Outcome int

const (
	// Proceed: every precondition that applies is true (or none applies);
	// the handler performs the method. For a GET with Range, [RangeApplies]
	// tells whether to answer 206 or ignore the Range.
	Proceed Outcome = iota + 1
	// NotModified: If-None-Match or If-Modified-Since failed on GET or HEAD;
	// answer 304 Not Modified (RFC 9110 §15.4.5).
	NotModified
	// PreconditionFailed: If-Match, If-Unmodified-Since or (on methods other
	// than GET and HEAD) If-None-Match failed; answer 412 Precondition Failed
	// (RFC 9110 §15.5.13).
	PreconditionFailed
	// PreconditionRequired: [Options.RequirePrecondition] is set and an unsafe
	// request carries no usable precondition; answer 428 Precondition
	// Required (RFC 6585 §3).
	PreconditionRequired
	// AlreadyApplied: If-Match or If-Unmodified-Since failed on a
	// state-changing request, but [Options.AlreadyAppliedFunc] reported that
	// the requested change is already in effect, so the server answers 2xx
	// instead of 412 (RFC 9110 §13.2.2 steps 1 and 2). Only returned when
	// that function is set.
	AlreadyApplied
)

var outcomeNames = [...]string{
	Proceed:              "Proceed",
	NotModified:          "NotModified",
	PreconditionFailed:   "PreconditionFailed",
	PreconditionRequired: "PreconditionRequired",
	AlreadyApplied:       "AlreadyApplied",
}

// String returns the constant's name, or "Outcome(n)" for other values.
func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Status returns the HTTP status code that answers o: 304, 412, 428, 204 for
// AlreadyApplied, and 0 for Proceed and invalid values (the handler decides).
func (o Outcome) Status() int {
	switch o {
	case NotModified:
		return 304
	case PreconditionFailed:
		return 412
	case PreconditionRequired:
		return 428
	case AlreadyApplied:
		return 204
	}
	return 0
}
