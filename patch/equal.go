package patch

import (
	"bytes"
	"encoding/json"
	"math/big"
)

// equal reports whether the JSON values a and b are equal in the sense of
// RFC 6902 §4.6: same type; strings equal after unescaping; numbers equal
// numerically (1, 1.0 and 1e0 are equal, 12345678901234567890 and
// 12345678901234567891 are not; no float64 rounding); arrays equal element by
// element; objects with the same set of member names and equal values,
// regardless of order; true, false and null equal only themselves.
//
// evanphx/json-patch compares numbers by their text and panics on arrays
// holding null, which is why this package evaluates "test" itself.
func equal(a, b []byte) bool {
	i, j := skipWS(a, 0), skipWS(b, 0)
	if i >= len(a) || j >= len(b) {
		return false
	}
	switch ka, kb := a[i], b[j]; {
	case ka == '"' && kb == '"':
		return stringEqual(a[i:stringEnd(a, i)], b[j:stringEnd(b, j)])
	case ka == '{' && kb == '{':
		return objectEqual(a[i:], b[j:])
	case ka == '[' && kb == '[':
		ia, ib := items(a, i), items(b, j)
		if len(ia) != len(ib) {
			return false
		}
		for n := range ia {
			if !equal(a[ia[n].valStart:ia[n].end], b[ib[n].valStart:ib[n].end]) {
				return false
			}
		}
		return true
	case isNumberStart(ka) && isNumberStart(kb):
		return numberEqual(a[i:valueEnd(a, i)], b[j:valueEnd(b, j)])
	case ka == kb && (ka == 't' || ka == 'f' || ka == 'n'):
		return bytes.Equal(a[i:valueEnd(a, i)], b[j:valueEnd(b, j)])
	}
	return false
}

func isNumberStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// stringEqual compares two raw JSON strings (with quotes) by their decoded
// value, so "\u0041" equals "A".
func stringEqual(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return bytes.Equal(a, b)
	}
	return decodeString(a) == decodeString(b)
}

func decodeString(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw) // unreachable for validated input
	}
	return s
}

// objectEqual compares two objects as sets of members. Repeated names use
// the last value, like every other lookup in this package.
func objectEqual(a, b []byte) bool {
	ma, mb := members(a), members(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, va := range ma {
		vb, ok := mb[k]
		if !ok || !equal(a[va.valStart:va.end], b[vb.valStart:vb.end]) {
			return false
		}
	}
	return true
}

func members(obj []byte) map[string]item {
	its := items(obj, 0)
	m := make(map[string]item, len(its))
	for _, it := range its {
		m[decodeKey(obj[it.start:it.keyEnd])] = it
	}
	return m
}

func decodeKey(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	return decodeString(raw)
}

// decimal is a JSON number as sign × 0.digits × 10^exp with digits free of
// leading and trailing zeros; zero has no digits and no sign.
type decimal struct {
	neg    bool
	digits []byte
	exp    big.Int
}

// parseDecimal reads a number that json.Valid accepted (RFC 8259 §6).
func parseDecimal(s []byte) decimal {
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	var intPart, frac []byte
	st := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart = s[st:i]
	if i < len(s) && s[i] == '.' {
		i++
		st = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[st:i]
	}
	var e big.Int
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		// Exponents are kept exact: 1e400 and 1e401 must not compare equal
		// because both overflow an int64 or a float64.
		_, _ = e.SetString(string(s[i+1:]), 10)
	}
	digits := make([]byte, 0, len(intPart)+len(frac))
	digits = append(digits, intPart...)
	digits = append(digits, frac...)
	point := int64(len(intPart))
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		point--
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return decimal{}
	}
	d.digits = digits
	d.exp.Add(&e, big.NewInt(point))
	return d
}

// numberEqual compares two JSON numbers exactly.
func numberEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	da, db := parseDecimal(a), parseDecimal(b)
	return da.neg == db.neg && bytes.Equal(da.digits, db.digits) && da.exp.Cmp(&db.exp) == 0
}
