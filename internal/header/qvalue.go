package header

// MaxQ is the weight of a fully preferred member, q=1, in thousandths.
const MaxQ = 1000

// ParseQValue parses a qvalue (RFC 9110 §12.4.2) into thousandths, so weights
// compare as integers without floating-point rounding: "1" is 1000, "0.5" is
// 500, "0.001" is 1. The grammar is
//
//	qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//
// and anything else (a sign, an exponent, four decimals, "1.5", whitespace)
// reports ok == false so the caller can ignore the member, as §5.6.1 lets a
// recipient do with invalid list elements.
func ParseQValue(s string) (q int, ok bool) {
	if len(s) == 0 || len(s) > 5 {
		return 0, false
	}
	switch s[0] {
	case '0':
	case '1':
		q = MaxQ
	default:
		return 0, false
	}
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if q == MaxQ && c != '0' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	return q, true
}

// AppendQValue appends the shortest qvalue text for q in thousandths ("1",
// "0", "0.5", "0.125") to dst; it is the inverse of [ParseQValue]. Values
// outside 0..1000 are clamped.
func AppendQValue(dst []byte, q int) []byte {
	switch {
	case q >= MaxQ:
		return append(dst, '1')
	case q <= 0:
		return append(dst, '0')
	}
	b := [5]byte{'0', '.', byte('0' + q/100), byte('0' + q/10%10), byte('0' + q%10)}
	n := len(b)
	for b[n-1] == '0' {
		n--
	}
	return append(dst, b[:n]...)
}
