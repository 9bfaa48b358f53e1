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
var notModifiedDrop = [...]string{
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
	"Content-Language", "Content-Disposition", "Content-Md5", "Transfer-Encoding", "Trailer",
}

func dropOn304(k string) bool {
	for _, d := range notModifiedDrop {
		if k == d {
			return true
		}
	}
	return false
}

// Strip304 removes from h what a 304 Not Modified must not carry, keeping the
// fields of RFC 9110 §15.4.5 (ETag, Cache-Control, Content-Location, Date,
// Expires, Vary). Last-Modified is kept only when there is no ETag, as that is
// the only case where it still guides a cache update.
func Strip304(h http.Header) {
	// One pass over the few fields present costs less than deleting each
	// droppable key, which hashes it whether it is there or not.
	_, tagged := h["Etag"]
	for k := range h {
		if dropOn304(k) || tagged && k == "Last-Modified" {
			delete(h, k)
		}
	}
}
