package cache

import (
	"net/http"

	"github.com/httpsem/httpsem/internal/header"
)

// AddVary adds request field names to the Vary field of h (RFC 9110 §12.5.5)
// without duplicates, comparing names case-insensitively. When Vary already is
// "*", nothing is added; adding "*" replaces the value with "*". Existing Vary
// lines are merged into one. Every httpsem package that varies a response on a
// request field uses this function, so names are never listed twice.
func AddVary(h http.Header, names ...string) {
	header.AddVary(h, names...)
}

// VaryHas reports whether h's Vary field names the request field name, or is
// "*" (which varies on everything).
func VaryHas(h http.Header, name string) bool {
	return header.VaryHas(h.Values("Vary"), name)
}
