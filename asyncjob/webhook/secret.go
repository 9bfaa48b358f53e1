package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix is the prefix that identifies a serialized symmetric signing
// secret in the Standard Webhooks scheme.
const SecretPrefix = "whsec_"

// Secret length bounds. The Standard Webhooks specification asks for a random
// secret of at least 24 bytes (192 bits) and at most 512 bits.
const (
	MinSecretLen = 24
	MaxSecretLen = 64
	// DefaultSecretLen is the length of secrets made by [NewSecret].
	DefaultSecretLen = 32
)

// Errors returned by [ParseSecret] and [NewSender] for unusable secrets.
var (
	// ErrSecretPrefix means the serialized secret does not start with "whsec_".
	ErrSecretPrefix = errors.New("webhook: secret must start with " + SecretPrefix)
	// ErrSecretEncoding means the text after the prefix is not standard base64.
	ErrSecretEncoding = errors.New("webhook: secret is not valid base64")
	// ErrSecretLength means the decoded secret is shorter than [MinSecretLen]
	// or longer than [MaxSecretLen] bytes.
	ErrSecretLength = errors.New("webhook: secret length out of range")
)

// ParseSecret decodes a secret serialized as "whsec_" followed by standard
// base64 (RFC 4648 §4; padding may be omitted). The decoded secret must be
// [MinSecretLen] to [MaxSecretLen] bytes long. The returned slice is new and
// owned by the caller.
//
// The prefix is required: it is what tells a symmetric "whsec_" secret from
// an asymmetric "whsk_"/"whpk_" key, and accepting bare base64 would let such
// a key be used as an HMAC secret by mistake.
func ParseSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, ErrSecretPrefix
	}
	// Bound the work before decoding: anything longer cannot decode to a
	// valid secret.
	if len(enc) > base64.StdEncoding.EncodedLen(MaxSecretLen) {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrSecretLength, MaxSecretLen)
	}
	// encoding/base64 skips '\r' and '\n'; a secret is one token, so any
	// byte outside the alphabet is an error rather than noise to drop.
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, ErrSecretEncoding
		}
	}
	encoding := base64.StdEncoding
	if len(enc)%4 != 0 {
		encoding = base64.RawStdEncoding
	}
	key, err := encoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, ErrSecretEncoding
	}
	if len(key) < MinSecretLen || len(key) > MaxSecretLen {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrSecretLength, len(key), MinSecretLen, MaxSecretLen)
	}
	return key, nil
}

// FormatSecret serializes secret as "whsec_" followed by padded standard
// base64, the form [ParseSecret] reads and other Standard Webhooks libraries
// expect.
func FormatSecret(secret []byte) string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(secret)
}

// NewSecret returns [DefaultSecretLen] bytes from crypto/rand, suitable as a
// signing secret. Serialize it with [FormatSecret] to hand it to a receiver.
func NewSecret() []byte {
	key := make([]byte, DefaultSecretLen)
	// crypto/rand.Read never returns an error (Go 1.24+); it aborts the
	// process if the system's generator fails, rather than hand out a weak key.
	_, _ = rand.Read(key)
	return key
}

func checkSecretLen(secret []byte) error {
	if len(secret) < MinSecretLen || len(secret) > MaxSecretLen {
		return fmt.Errorf("%w: %d bytes, want %d to %d", ErrSecretLength, len(secret), MinSecretLen, MaxSecretLen)
	}
	return nil
}
