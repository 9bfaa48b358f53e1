package header

// MaxDeltaSeconds is where delta-seconds saturate: RFC 9111 §1.2.2 asks a
// recipient that cannot represent a larger value to use 2147483648 (2^31).
const MaxDeltaSeconds = 1 << 31

// ParseDeltaSeconds parses delta-seconds = 1*DIGIT (RFC 9111 §1.2.2), used
// by Cache-Control and by Prefer: wait (RFC 7240 §4.3). Values past
// [MaxDeltaSeconds] saturate, so no input can overflow; anything other than
// one or more ASCII digits is invalid.
func ParseDeltaSeconds(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= MaxDeltaSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, MaxDeltaSeconds), true
}
