package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// Header names of the Standard Webhooks scheme, in the canonical form that
// [net/http.Header] uses as map keys. Header names are case-insensitive on the
// wire (RFC 9110 §5.1); the specification spells them in lower case.
const (
	HeaderID        = "Webhook-Id"
	HeaderTimestamp = "Webhook-Timestamp"
	HeaderSignature = "Webhook-Signature"
)

// SignatureVersion is the identifier of symmetric (HMAC-SHA256) signatures.
const SignatureVersion = "v1"

// sigLen is the length of "v1," plus the padded base64 of a SHA-256 MAC.
const sigLen = len(SignatureVersion) + 1 + 44

// Sign returns the Standard Webhooks signature "v1,<base64>" of body, where
// <base64> is the padded standard base64 of HMAC-SHA256(secret,
// "msgID.unix-seconds.body"). Only the whole seconds of ts are signed, as the
// webhook-timestamp header carries them.
//
// msgID must not contain "." (the specification forbids it, since a dot would
// make the signed content ambiguous); [Sender.Send] enforces this, Sign does
// not check it. Sign is safe for concurrent use.
func Sign(secret []byte, msgID string, ts time.Time, body []byte) string {
	var buf [sigLen]byte
	return string(appendSignature(buf[:0], secret, msgID, ts.Unix(), body))
}

// appendSignature appends "v1,<base64 MAC>" to dst.
func appendSignature(dst, secret []byte, msgID string, unix int64, body []byte) []byte {
	var sum [sha256.Size]byte
	mac := macFor(sum[:0], secret, msgID, unix, body)
	dst = append(dst, SignatureVersion...)
	dst = append(dst, ',')
	return base64.StdEncoding.AppendEncode(dst, mac)
}

// macFor appends HMAC-SHA256(secret, "msgID.unix.body") to dst.
func macFor(dst, secret []byte, msgID string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	// The id and timestamp go through one stack buffer so that signing does
	// not convert msgID to a heap []byte; longer ids fall back to append.
	var head [96]byte
	h := append(head[:0], msgID...)
	h = append(h, '.')
	h = strconv.AppendInt(h, unix, 10)
	h = append(h, '.')
	m.Write(h)
	m.Write(body)
	return m.Sum(dst)
}
