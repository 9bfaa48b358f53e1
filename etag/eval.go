package etag

import "net/http"

// msgConflict is the message of the 412 answer, the same as package
// conditional writes, so clients see one error whichever layer answered.
const msgConflict = "The resource was modified by another client. Please re-fetch and retry."

type outcome int

const (
	proceed outcome = iota
	notModified
	preconditionFailed
)

// evaluate applies RFC 9110 §13.2.2 to a GET or HEAD request for an existing
// resource whose only validator is current. It is the entity-tag subset of
// conditional.Evaluate, which cannot be used here because package
// conditional imports this one. With no Last-Modified date, If-Unmodified-
// Since and If-Modified-Since are ignored (§13.1.4, §13.1.3), and If-Range
// only matters to a 206, which is never tagged.
func evaluate(h http.Header, current Tag) outcome {
	// Step 1: If-Match, strong comparison (§13.1.1). "*" is true because the
	// resource exists; a field with no valid member counts as absent.
	if Match(h["If-Match"], current, false) == ListNotMatched {
		return preconditionFailed
	}
	// Step 3: If-None-Match, weak comparison (§13.1.2); false on GET/HEAD
	// means 304.
	switch Match(h["If-None-Match"], current, true) {
	case ListAny, ListMatched:
		return notModified
	}
	return proceed
}
