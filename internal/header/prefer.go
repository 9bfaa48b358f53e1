package header

import "strings"

// Preference returns the value of the preference name in the Prefer field
// lines values (RFC 7240 §2):
//
//	preference = token [ BWS "=" BWS word ] *( OWS ";" [ OWS parameter ] )
//
// Names compare case-insensitively, and only the first instance of a
// preference counts (§2: "only the first instance is to be considered"), even
// when its value is one the caller does not understand. Parameters after ";"
// are not returned; a quoted-string value is unquoted. found reports whether
// the preference is present at all and hasValue whether it carries "=". It
// does not allocate unless the value is a quoted-string with a backslash
// escape.
func Preference(values []string, name string) (value string, hasValue, found bool) {
	Elements(values, func(elem string) bool {
		pref := elem
		if i := preferenceEnd(elem); i >= 0 {
			pref = elem[:i]
		}
		n, v, eq := strings.Cut(pref, "=")
		if !EqualFold(TrimOWS(n), name) {
			return true
		}
		value, hasValue, found = unquote(TrimOWS(v)), eq, true
		return false
	})
	return value, hasValue, found
}

// preferenceEnd returns the index of the ";" that ends a preference's
// name=value, skipping one inside a quoted-string, or -1.
func preferenceEnd(elem string) int {
	for i := 0; i < len(elem); i++ {
		switch elem[i] {
		case '"':
			end := QuotedStringEnd(elem[i:])
			if end < 0 {
				return -1
			}
			i += end - 1
		case ';':
			return i
		}
	}
	return -1
}

// unquote returns the content of a quoted-string (RFC 9110 §5.6.4), or s
// itself when it is not one.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || QuotedStringEnd(s) != len(s) {
		return s
	}
	inner := s[1 : len(s)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var b strings.Builder
	b.Grow(len(inner))
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}
