package patch

import (
	"encoding/json"
	"strings"
)

// parsePointer splits a JSON Pointer (RFC 6901 §3) into its unescaped
// reference tokens. "" is the whole document and yields no tokens. A pointer
// that does not start with "/" or holds a "~" not followed by "0" or "1" is
// malformed; evanphx/json-patch leaves such escapes in place instead.
func parsePointer(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	if s[0] != '/' {
		return nil, false
	}
	n := strings.Count(s, "/")
	toks := make([]string, 0, n)
	s = s[1:]
	for {
		i := strings.IndexByte(s, '/')
		tok := s
		if i >= 0 {
			tok = s[:i]
		}
		if strings.IndexByte(tok, '~') >= 0 {
			var ok bool
			if tok, ok = unescapeToken(tok); !ok {
				return nil, false
			}
		}
		toks = append(toks, tok)
		if i < 0 {
			return toks, true
		}
		s = s[i+1:]
	}
}

// unescapeToken decodes ~1 to "/" and ~0 to "~" in one left-to-right pass,
// so "~01" is "~1" and not "/" (RFC 6901 §4).
func unescapeToken(t string) (string, bool) {
	var b strings.Builder
	b.Grow(len(t))
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '~' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(t) {
			return "", false
		}
		switch t[i+1] {
		case '0':
			b.WriteByte('~')
		case '1':
			b.WriteByte('/')
		default:
			return "", false
		}
		i++
	}
	return b.String(), true
}

// arrayIndex parses an array reference token: "0" or a digit string without a
// leading zero (RFC 6901 §4, array-index). Signs, leading zeros, exponents and
// anything else are rejected, whatever strconv.Atoi would accept.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 9 || (tok[0] == '0' && len(tok) > 1) {
		// More than 9 digits cannot index any array this package will hold
		// (the body and copy limits keep documents far below 10^9 elements);
		// treating them as out of range avoids overflow.
		if len(tok) > 9 && allDigits(tok) && tok[0] != '0' {
			return maxIndex, true
		}
		return 0, false
	}
	n := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

const maxIndex = 1 << 30

func allDigits[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// keyIs reports whether the raw JSON string raw (with quotes) decodes to key.
func keyIs(raw []byte, key string) bool {
	if len(raw) < 2 {
		return false
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return false
			}
			return s == key
		}
	}
	return string(inner) == key
}

// lookupErr says why a pointer does not resolve.
type lookupErr uint8

const (
	lookupOK       lookupErr = iota
	lookupMissing            // a member or element that does not exist
	lookupBadIndex           // a token that is not an array index, used on an array
	lookupScalar             // a token applied to a string, number, boolean or null
)

func (e lookupErr) String() string {
	switch e {
	case lookupMissing:
		return "path does not exist"
	case lookupBadIndex:
		return "invalid array index"
	case lookupScalar:
		return "path goes through a value that is not an object or array"
	}
	return ""
}

// items lists the members or elements of the container at doc[at].
func items(doc []byte, at int) []item {
	object := kindAt(doc, at) == '{'
	var out []item
	for i := at + 1; ; {
		it, next, ok := nextItem(doc, i, object)
		if !ok {
			return out
		}
		out = append(out, it)
		i = next
	}
}
