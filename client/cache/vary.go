package cache

import (
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/internal/header"
)

// varyNames returns the field names a response varies on (RFC 9111 §4.1),
// canonicalised; star reports Vary: *, which no later request can match;
// ok is false when there are more than MaxVaryFields names.
func varyNames(h http.Header) (names []string, star, ok bool) {
	ok = true
	header.Elements(h["Vary"], func(e string) bool {
		switch {
		case e == "*":
			star = true
			return false
		case !header.IsToken(e):
			return true // RFC 9110 §5.6.1: a malformed member is skipped
		}
		for _, n := range names {
			if header.EqualFold(n, e) {
				return true
			}
		}
		if len(names) == MaxVaryFields {
			ok = false
			return false
		}
		names = append(names, http.CanonicalHeaderKey(e))
		return true
	})
	return names, star, ok
}

// varyValue is the request's value of field name normalised as RFC 9111
// §4.1 permits: field lines combined (RFC 9110 §5.3) and the whitespace
// around list members removed. A field the request lacks is "" and
// matches only a stored response whose request lacked it too (an empty
// field line is the same as none).
func varyValue(r http.Header, name string) string {
	vs := r.Values(name)
	switch len(vs) {
	case 0:
		return ""
	case 1:
		if v := header.TrimOWS(vs[0]); !strings.ContainsRune(v, ',') {
			return v // the common case: no allocation
		}
	}
	var b strings.Builder
	header.Elements(vs, func(e string) bool {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e)
		return true
	})
	return b.String()
}

// matches reports whether the request with header r selects entry e: every
// field e varies on has the same normalised value (RFC 9111 §4.1).
func (e *Entry) matches(r http.Header) bool {
	for i, name := range e.VaryNames {
		if varyValue(r, name) != e.VaryValues[i] {
			return false
		}
	}
	return true
}
