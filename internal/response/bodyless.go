package response

import "net/http"

// BodyAllowed reports whether a response to method with status may carry
// content: never for HEAD (RFC 9110 §9.3.2), 1xx, 204 or 304 (RFC 9110 §6.4.1).
func BodyAllowed(method string, status int) bool {
	if method == http.MethodHead {
		return false
	}
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// notModifiedDrop are the representation headers a 304 must not carry
// (RFC 9110 §15.4.5: it describes no content; a sender SHOULD NOT generate
// representation metadata other than the fields that guide cache updates).
// The first case of Strip304Kept's switch must name the same.
var notModifiedDrop = [...]string{
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
	"Content-Language", "Content-Disposition", "Content-Md5", "Transfer-Encoding", "Trailer",
}

// Strip304 removes from h what a 304 Not Modified must not carry, keeping the
// fields of RFC 9110 §15.4.5 (ETag, Cache-Control, Content-Location, Date,
// Expires, Vary). Last-Modified is kept only when there is no ETag, as that is
// the only case where it still guides a cache update.
func Strip304(h http.Header) { _ = Strip304Kept(h) }

// Kept is a set of header fields that a 304 keeps, as [Strip304Kept] found
// them.
type Kept uint8

// The fields [Strip304Kept] reports.
const (
	KeptVary Kept = 1 << iota
	KeptCacheControl
	KeptExpires
)

// Strip304Kept is [Strip304], and reports which of Vary, Cache-Control and
// Expires h holds: a hook that edits those on a 304 learns it from the pass
// that strips, instead of a hashed lookup each (see [Commit.Strips]).
func Strip304Kept(h http.Header) Kept {
	// One pass over the few fields present costs less than deleting each
	// droppable key, which hashes it whether it is there or not; it also
	// finds the ETag, which a lookup would hash again.
	tagged, modified := false, false
	var kept Kept
	for k := range h {
		// One switch compiles to a dispatch on the length, which costs
		// less than comparing k with each name.
		switch k {
		case "Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
			"Content-Language", "Content-Disposition", "Content-Md5", "Transfer-Encoding", "Trailer":
			delete(h, k)
		case "Etag":
			tagged = true
		case "Last-Modified":
			modified = true
		case "Vary":
			kept |= KeptVary
		case "Cache-Control":
			kept |= KeptCacheControl
		case "Expires":
			kept |= KeptExpires
		}
	}
	if tagged && modified {
		delete(h, "Last-Modified")
	}
	return kept
}
