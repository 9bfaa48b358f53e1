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
	if len(s) == 0 || len(s) > 5 || s[0]-'0' > 1 {
		return 0, false
	}
	whole := int(s[0]-'0') * MaxQ
	if len(s) == 1 {
		return whole, true
	}
	if s[1] != '.' {
		return 0, false
	}
	for i := 2; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		q = q*10 + int(d)
	}
	// Scaled to thousandths once, not with a division per digit.
	switch len(s) {
	case 3:
		q *= 100
	case 4:
		q *= 10
	}
	if whole != 0 && q != 0 {
		return 0, false
	}
	return whole + q, true
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
