package header

import (
	"net/http"
	"strings"
)

// AddVaryShared is AddVary(h, shared[0]) for a caller that adds the same
// one canonical field name to every response: when h has no Vary yet, it
// sets shared itself, a []string{name} of capacity 1 that the caller built
// once, instead of allocating a value per response. Like every shared
// header value it is only ever replaced (Header.Set, Header.Add copy it
// since it is full), never written in place.
func AddVaryShared(h http.Header, shared []string) {
	if len(h["Vary"]) == 0 {
		h["Vary"] = shared
		return
	}
	AddVary(h, shared[0])
}

// AddVary adds field names to the Vary header of h without duplicates,
// comparing case-insensitively (field names are case-insensitive, RFC 9110
// §5.1). When Vary already is "*" nothing is added; adding "*" replaces the
// whole value with "*", since a response that varies on everything varies on
// nothing more specific (RFC 9110 §12.5.5). Existing values are normalised
// into one field line.
func AddVary(h http.Header, names ...string) {
	cur := h["Vary"] // the canonical key, as every Header method writes it
	if len(cur) == 0 && len(names) == 1 {
		// The common first Vary of a response: one field name, no list to
		// merge, one allocation.
		if n := TrimOWS(names[0]); n != "*" && IsToken(n) {
			h["Vary"] = []string{http.CanonicalHeaderKey(n)}
			return
		}
	}
	// Fast path: every name already present means no allocation.
	missing := false
	for _, n := range names {
		if !VaryHas(cur, n) {
			missing = true
			break
		}
	}
	if !missing {
		return
	}
	var out []string
	star := false
	Elements(cur, func(e string) bool {
		if e == "*" {
			star = true
			return false
		}
		// Vary members are field names (tokens); anything else is malformed
		// and dropped rather than carried into a list it could corrupt.
		if IsToken(e) && !containsFold(out, e) {
			out = append(out, e)
		}
		return true
	})
	for _, n := range names {
		n = TrimOWS(n)
		if n == "*" {
			star = true
		}
		if star {
			break
		}
		if IsToken(n) && !containsFold(out, n) {
			out = append(out, http.CanonicalHeaderKey(n))
		}
	}
	if star {
		h["Vary"] = []string{"*"}
		return
	}
	if len(out) == 0 {
		return // nothing valid to add, and no empty Vary line to send
	}
	h["Vary"] = []string{strings.Join(out, ", ")}
}

// VaryHas reports whether the Vary field values name the field name (or are "*").
func VaryHas(values []string, name string) bool {
	found := false
	Elements(values, func(e string) bool {
		if e == "*" || EqualFold(e, name) {
			found = true
			return false
		}
		return true
	})
	return found
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if EqualFold(v, s) {
			return true
		}
	}
	return false
}
