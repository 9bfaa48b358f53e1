package header

import "strings"

// NextElement splits the first element off a comma-separated list value
// (RFC 9110 §5.6.1) and returns it with optional whitespace trimmed, and the
// rest of the list after its comma. Commas inside quoted strings do not split.
// Empty elements (",,") are returned as "" so callers can skip them, as §5.6.1
// requires recipients to do. An unterminated quoted string extends to the end.
//
// Iterate with:
//
//	for rest := v; rest != ""; {
//		var elem string
//		elem, rest = header.NextElement(rest)
//		if elem == "" { continue }
//		...
//	}
func NextElement(s string) (elem, rest string) {
	// Most elements hold no quoted string: find the comma with the
	// vectorised IndexByte and fall back to the byte loop only from the
	// first quote before it.
	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		comma = len(s)
	}
	start := strings.IndexByte(s[:comma], '"')
	if start < 0 {
		if comma == len(s) {
			return TrimOWS(s), ""
		}
		return TrimOWS(s[:comma]), s[comma+1:]
	}
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '"':
			end := QuotedStringEnd(s[i:])
			if end < 0 {
				return TrimOWS(s), ""
			}
			i += end - 1
		case ',':
			return TrimOWS(s[:i]), s[i+1:]
		}
	}
	return TrimOWS(s), ""
}

// Elements calls fn for every non-empty element of the list formed by all
// values (several field lines of one field combine into one list, RFC 9110
// §5.3), stopping early when fn returns false.
func Elements(values []string, fn func(elem string) bool) {
	for _, v := range values {
		for rest := v; rest != ""; {
			var elem string
			elem, rest = NextElement(rest)
			if elem == "" {
				continue
			}
			if !fn(elem) {
				return
			}
		}
	}
}

// HasToken reports whether the list formed by values holds token as a whole
// element, compared case-insensitively: the reading of token lists such as
// Upgrade (RFC 9110 §7.8) and Connection (§7.6.1), whose members are tokens
// without parameters. It does not allocate.
func HasToken(values []string, token string) bool {
	found := false
	Elements(values, func(e string) bool {
		found = EqualFold(e, token)
		return !found
	})
	return found
}
