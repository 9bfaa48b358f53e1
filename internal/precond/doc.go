// Package precond is the one evaluator of HTTP preconditions (RFC 9110
// §13.2.2) and the one writer of the 412 Precondition Failed they lead to.
// Package conditional (Evaluate, Check, Middleware) and etag's tagging
// middleware both call it, so a rule changes in one place.
//
// It sits below package etag, which uses it, so it cannot compare
// entity-tags itself: callers compare the current tag with If-Match and
// If-None-Match (etag.Match, the one list scanner) and hand in the result
// as a [Match]. Everything else — which fields are present, the order of the
// steps, what an unparsable field means, the date comparisons and the clock —
// is decided here.
//
// # Fail closed
//
// A precondition field that is present is a condition, whatever it holds:
//
//   - If-Match present with no member that can match (no valid member, an
//     empty value) is false: 412 for every method (RFC 9110 §13.1.1). A
//     guarded write never becomes a blind one because its guard was
//     misspelled. net/http's ServeContent answers the same.
//   - If-None-Match present with no valid member is true for GET and HEAD
//     (the full representation is sent, never a 304 the client cannot
//     validate; net/http's ServeContent does the same), and false for every
//     other method (412: a guard the server cannot read must not let a write
//     through, e.g. a mangled "If-None-Match: *" must not overwrite).
//   - A present If-Match makes If-Unmodified-Since ignored, and a present
//     If-None-Match makes If-Modified-Since ignored (RFC 9110 §13.1.3,
//     §13.1.4, §13.2.2), parsable or not.
//
// Malformed members of a list that also holds valid ones are still skipped
// (RFC 9110 §5.6.1), and the valid ones decide.
package precond
