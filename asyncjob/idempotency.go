package asyncjob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
)

// ErrInvalidKey means an Idempotency-Key field is malformed, empty, too
// long or repeated; the HTTP layer answers 400.
var ErrInvalidKey = errors.New("asyncjob: invalid Idempotency-Key")

// ParseIdempotencyKey returns the Idempotency-Key of h, "" when the field is
// absent.
//
// The draft (draft-ietf-httpapi-idempotency-key-header) defines the field as
// an RFC 8941 sf-string, "abc". Many clients send the bare form, abc, so a
// value without quotes is accepted as the key itself when it consists of
// visible ASCII characters other than DQUOTE and backslash (%x21 / %x23-5B /
// %x5D-7E); "abc" and abc name the same key. A quoted key may contain
// spaces and the escapes \" and \\ (RFC 8941 §3.3.3). Structured-field
// parameters, more than one field line or member, an empty key and keys
// longer than maxLen bytes are rejected with [ErrInvalidKey].
func ParseIdempotencyKey(h http.Header, maxLen int) (string, error) {
	vals := h.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", nil
	}
	if len(vals) > 1 {
		return "", ErrInvalidKey
	}
	v := strings.Trim(vals[0], " \t")
	if len(v) > maxLen+2+strings.Count(v, `\`) {
		return "", ErrInvalidKey
	}
	var key string
	if strings.HasPrefix(v, `"`) {
		var b strings.Builder
		i := 1
		closed := false
		for ; i < len(v); i++ {
			c := v[i]
			switch {
			case c == '\\':
				i++
				if i == len(v) || (v[i] != '"' && v[i] != '\\') {
					return "", ErrInvalidKey
				}
				b.WriteByte(v[i])
			case c == '"':
				closed = true
			case c < 0x20 || c > 0x7e:
				return "", ErrInvalidKey
			default:
				b.WriteByte(c)
			}
			if closed {
				break
			}
		}
		if !closed || i != len(v)-1 {
			// Unterminated, or something (parameters, a second member)
			// follows the string.
			return "", ErrInvalidKey
		}
		key = b.String()
	} else {
		for i := 0; i < len(v); i++ {
			if c := v[i]; c <= 0x20 || c > 0x7e || c == '"' || c == '\\' || c == ',' || c == ';' {
				return "", ErrInvalidKey
			}
		}
		key = v
	}
	if key == "" || len(key) > maxLen {
		return "", ErrInvalidKey
	}
	return key, nil
}

// Fingerprint identifies a submission for idempotency: SHA-256 over the
// method, the path, the owner and the SHA-256 of the body, hex-encoded.
// Two requests with the same key and the same fingerprint are the same
// request; the same key with another fingerprint is a conflicting reuse
// (422).
func Fingerprint(method, path, owner string, body []byte) string {
	bodySum := sha256.Sum256(body)
	h := sha256.New()
	for _, s := range [...]string{method, path, owner} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(bodySum[:])
	return hex.EncodeToString(h.Sum(nil))
}
