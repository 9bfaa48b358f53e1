package precond

import (
	"net/http"
	"time"

	"github.com/httpsem/httpsem/internal/header"
)

// Match is what comparing the current entity-tag with the members of an
// If-Match or If-None-Match field found. The first four values are those of
// etag.ListMatch, so that a caller converts with [Field].
type Match int

const (
	// NoMember: the field is present and has no valid member.
	NoMember Match = iota
	// Any: the field holds "*".
	Any
	// Matched: a member matches the current tag.
	Matched
	// NotMatched: the field has valid members and none matches.
	NotMatched
	// Absent: the field is not in the request.
	Absent
)

// Field returns the Match of a field from its field lines and what
// etag.Match reported for them (converted, Match(m)): [Absent] when there is
// no line, whatever the comparison said. A field line with an empty value is
// present (an empty list, RFC 9110 §5.6.1).
func Field(values []string, m Match) Match {
	if len(values) == 0 {
		return Absent
	}
	return m
}

// Outcome is the result of [Evaluate].
type Outcome int

const (
	// Proceed: perform the method.
	Proceed Outcome = iota + 1
	// NotModified: answer 304 (GET and HEAD only).
	NotModified
	// Failed: If-Match or If-Unmodified-Since is false (§13.2.2 steps 1
	// and 2): 412, unless the state change is known to have been applied.
	Failed
	// NoneMatchFailed: If-None-Match is false on a method other than GET
	// and HEAD (§13.2.2 step 3): 412.
	NoneMatchFailed
	// Required: RequirePrecondition is set and an unsafe request carries no
	// guard (RFC 6585 §3): 428.
	Required
)

// Input is everything one evaluation reads.
type Input struct {
	// Method and Header are the request's.
	Method string
	Header http.Header
	// IfMatch and IfNoneMatch are the comparisons of the current tag with
	// the If-Match field (strong comparison) and the If-None-Match field
	// (weak comparison), from [Field]. Only the date fields are read from
	// Header.
	IfMatch, IfNoneMatch Match
	// LastModified is the current Last-Modified; zero means none.
	LastModified time.Time
	// Exists reports whether the resource has a current representation.
	Exists bool
	// Now is the clock; nil means time.Now. It is read at most once.
	Now func() time.Time
	// RequirePrecondition turns an unguarded unsafe request into Required.
	RequirePrecondition bool
}

// cond is the value of one precondition (RFC 9110 §13.1): absent (or to be
// ignored), true or false.
type cond int

const (
	condNone cond = iota
	condTrue
	condFalse
)

func condOf(b bool) cond {
	if b {
		return condTrue
	}
	return condFalse
}

// Evaluate applies RFC 9110 §13.2.2 steps 1 to 4 (If-Range, step 5, only
// chooses between 206 and 200 and is left to the caller). It does not
// allocate unless in.Now does, and never modifies the request.
func Evaluate(in *Input) Outcome {
	switch in.Method {
	case http.MethodConnect, http.MethodOptions, http.MethodTrace:
		// §13.2.1: these methods select no representation.
		return Proceed
	}
	getOrHead := in.Method == http.MethodGet || in.Method == http.MethodHead
	var clk clock

	// Step 1: If-Match. A present field is a condition even when nothing
	// in it can match (§13.1.1: "the condition is false"), so step 2 runs
	// only when the field is absent.
	var pre cond
	if in.IfMatch != Absent {
		pre = ifMatch(in.IfMatch, in.Exists)
	} else {
		pre = clk.ifUnmodifiedSince(in)
	}
	if pre == condFalse {
		return Failed
	}
	guarded := pre != condNone

	// Step 3: If-None-Match; step 4 only when it is absent, parsable or not
	// (§13.1.3: a recipient MUST ignore If-Modified-Since if the request
	// contains an If-None-Match header field).
	star := false
	if in.IfNoneMatch != Absent {
		star = in.IfNoneMatch == Any
		if ifNoneMatch(in.IfNoneMatch, in.Exists, getOrHead) == condFalse {
			if getOrHead {
				return NotModified
			}
			return NoneMatchFailed
		}
	} else if getOrHead && clk.ifModifiedSince(in) == condFalse {
		return NotModified
	}

	// RFC 6585 §3: the server may require a conditional request. "*" in
	// If-None-Match counts, since it is the RFC's own guard against an
	// unsafe request overwriting a representation it did not know about
	// (RFC 9110 §13.1.2).
	if in.RequirePrecondition && !getOrHead && !guarded && !star {
		return Required
	}
	return Proceed
}

// ifMatch evaluates a present If-Match (RFC 9110 §13.1.1).
func ifMatch(m Match, exists bool) cond {
	switch m {
	case Any:
		// "*" is false when there is no current representation.
		return condOf(exists)
	case Matched:
		return condTrue
	}
	// No member matched, or none could: the field is not absent, so the
	// condition is false. Treating it as absent would turn a guarded write
	// with a misspelled tag into a blind one.
	return condFalse
}

// ifNoneMatch evaluates a present If-None-Match (RFC 9110 §13.1.2).
func ifNoneMatch(m Match, exists, getOrHead bool) cond {
	switch m {
	case Any:
		// "*" is false when a current representation exists.
		return condOf(!exists)
	case Matched:
		return condFalse
	case NotMatched:
		return condTrue
	}
	// Nothing in the field can be read. For GET and HEAD, true: the full
	// representation is always a correct answer, a 304 would not be. For
	// other methods, false: the client meant to guard its write (most often
	// "If-None-Match: *", create only), and a guard that cannot be read must
	// not let the write through.
	return condOf(getOrHead)
}

// clock reads the time once per evaluation, so every comparison in a
// request sees the same "now".
type clock struct {
	now time.Time
	set bool
}

func (c *clock) get(in *Input) time.Time {
	if !c.set {
		if in.Now != nil {
			c.now = in.Now()
		} else {
			c.now = time.Now()
		}
		c.set = true
	}
	return c.now
}

// ifUnmodifiedSince evaluates If-Unmodified-Since (RFC 9110 §13.1.4): true
// when the last modification is at or before the date.
func (c *clock) ifUnmodifiedSince(in *Input) cond {
	date, lm, ok := c.dates(in, "If-Unmodified-Since")
	if !ok {
		return condNone
	}
	return condOf(lm <= date)
}

// ifModifiedSince evaluates If-Modified-Since (RFC 9110 §13.1.3): false
// (not modified) when the last modification is at or before the date.
func (c *clock) ifModifiedSince(in *Input) cond {
	date, lm, ok := c.dates(in, "If-Modified-Since")
	if !ok {
		return condNone
	}
	return condOf(lm > date)
}

// dates returns the date of a date precondition field and the clamped
// Last-Modified, both in Unix seconds, or ok false when the field must be
// ignored: absent, not exactly one field line (several lines are a list of
// dates), not a valid HTTP-date, or no Last-Modified to compare with
// (§13.1.3, §13.1.4).
func (c *clock) dates(in *Input, field string) (date, lm int64, ok bool) {
	if in.LastModified.IsZero() {
		return 0, 0, false // nothing to compare with: no need to look
	}
	values := in.Header[field]
	if len(values) != 1 {
		return 0, 0, false
	}
	now := c.get(in)
	date, ok = header.ParseHTTPDate(header.TrimOWS(values[0]), now)
	if !ok {
		return 0, 0, false
	}
	lm, _ = LastModified(in.LastModified, now.Unix())
	return date, lm, true
}

// LastModified returns t in whole Unix seconds, clamped to now, and whether
// there is one (t is not zero). Clamping follows RFC 9110 §8.8.2.1: an origin
// server must not send a Last-Modified later than the message's origination
// date, so a future value is replaced by that date, and every comparison
// uses the value the client can have seen.
func LastModified(t time.Time, now int64) (int64, bool) {
	if t.IsZero() {
		return 0, false
	}
	lm := t.Unix()
	if lm > now {
		lm = now
	}
	return lm, true
}
