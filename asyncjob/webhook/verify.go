package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far the webhook-timestamp may lie from the
// receiver's clock, in either direction, when [VerifyOptions.Tolerance] is
// zero. It bounds the window in which a captured request can be replayed.
const DefaultTolerance = 5 * time.Minute

// maxTimestampDigits bounds the webhook-timestamp header: 18 digits hold
// every int64 second count without overflow and years beyond any use.
const maxTimestampDigits = 18

// VerifyOptions configures [Verify]. The zero value is the safe default.
type VerifyOptions struct {
	// Tolerance is the largest accepted difference between webhook-timestamp
	// and Now, in either direction. Zero or negative means [DefaultTolerance].
	// Checking is never disabled: an unbounded window makes every captured
	// request replayable forever.
	Tolerance time.Duration
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Errors returned by [Verify]. Any non-nil error from Verify means the request
// must be rejected; the distinctions exist for logging and metrics, and should
// not be echoed to the sender in detail.
var (
	// ErrMissingHeader means a required webhook-* header is absent or empty.
	// It is wrapped in a [*HeaderError] naming the header.
	ErrMissingHeader = errors.New("webhook: missing header")
	// ErrInvalidHeader means a webhook-* header is present but malformed or
	// repeated. It is wrapped in a [*HeaderError] naming the header.
	ErrInvalidHeader = errors.New("webhook: invalid header")
	// ErrTimestampTooOld means webhook-timestamp is more than the tolerance
	// before now: a late delivery or a replay.
	ErrTimestampTooOld = errors.New("webhook: timestamp too old")
	// ErrTimestampTooNew means webhook-timestamp is more than the tolerance
	// after now: clock skew or a forged timestamp.
	ErrTimestampTooNew = errors.New("webhook: timestamp too new")
	// ErrSignatureMismatch means no "v1" signature in webhook-signature
	// matches the body, id and timestamp under the secret.
	ErrSignatureMismatch = errors.New("webhook: no matching signature")
)

// HeaderError reports a missing or malformed webhook-* header. Err is
// [ErrMissingHeader] or [ErrInvalidHeader].
type HeaderError struct {
	Header string // canonical header name, e.g. [HeaderTimestamp]
	Err    error
}

// Error implements the error interface.
func (e *HeaderError) Error() string { return e.Err.Error() + " " + e.Header }

// Unwrap returns e.Err, so errors.Is(err, ErrMissingHeader) works.
func (e *HeaderError) Unwrap() error { return e.Err }

// Verify reports, by returning nil, that body with the headers h was signed
// under secret according to the Standard Webhooks scheme and that its
// timestamp lies within the tolerance of now.
//
// body must be the exact bytes received: a body that was decoded and
// re-encoded will not verify. Read it with a size limit (for example
// [http.MaxBytesReader]) before calling Verify.
//
// The webhook-signature header is a space-separated list of
// "version,signature" items; Verify accepts the request when any "v1" item
// matches, which is what lets a sender rotate secrets without downtime, and
// ignores items of other versions (such as the asymmetric "v1a"). Signatures
// are compared in constant time. The work is linear in the header sizes and
// Verify never panics on malformed input.
//
// Verify does not detect replays inside the tolerance window; store the
// webhook-id of processed messages for at least the tolerance to do that.
func Verify(secret []byte, h http.Header, body []byte, opts VerifyOptions) error {
	id, err := single(h, HeaderID)
	if err != nil {
		return err
	}
	tsRaw, err := single(h, HeaderTimestamp)
	if err != nil {
		return err
	}
	sigs := headerValues(h, HeaderSignature)
	if len(sigs) == 0 || (len(sigs) == 1 && sigs[0] == "") {
		return &HeaderError{Header: HeaderSignature, Err: ErrMissingHeader}
	}
	ts, ok := parseTimestamp(tsRaw)
	if !ok {
		return &HeaderError{Header: HeaderTimestamp, Err: ErrInvalidHeader}
	}

	tolerance := opts.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// Compare in whole seconds: the header has no finer resolution, and
	// comparing integers cannot overflow a time.Duration.
	nowUnix := now().Unix()
	tolSec := int64(tolerance / time.Second)
	switch {
	case ts < nowUnix-tolSec:
		return ErrTimestampTooOld
	case ts > nowUnix+tolSec:
		return ErrTimestampTooNew
	}

	// The expected signature is computed once and compared as canonical
	// base64 text, so a candidate with a non-canonical encoding of the same
	// MAC does not match, and no candidate needs decoding.
	var sum [sha256.Size]byte
	var want [44]byte
	base64.StdEncoding.Encode(want[:], macFor(sum[:0], secret, id, ts, body))

	sawV1 := false
	for _, line := range sigs {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, " ")
			version, sig, found := strings.Cut(item, ",")
			if !found || version != SignatureVersion {
				continue
			}
			sawV1 = true
			if constantTimeEqual(sig, want[:]) {
				return nil
			}
		}
	}
	if !sawV1 {
		return &HeaderError{Header: HeaderSignature, Err: ErrInvalidHeader}
	}
	return ErrSignatureMismatch
}

// constantTimeEqual reports whether s equals b, in time that depends only on
// their lengths (which are public: a MAC's base64 length is fixed).
func constantTimeEqual(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	var v byte
	for i := range b {
		v |= s[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// headerValues returns the values of the canonical header name, also looking
// under the lower-case spelling for headers built by hand or copied from
// frameworks that do not canonicalize keys.
func headerValues(h http.Header, name string) []string {
	if v := h[name]; len(v) > 0 {
		return v
	}
	var lower string
	switch name {
	case HeaderID:
		lower = "webhook-id"
	case HeaderTimestamp:
		lower = "webhook-timestamp"
	case HeaderSignature:
		lower = "webhook-signature"
	}
	return h[lower]
}

// single returns the one value of a header that must appear exactly once.
// A repeated webhook-id or webhook-timestamp is ambiguous, so it is rejected
// rather than resolved by picking one.
func single(h http.Header, name string) (string, error) {
	v := headerValues(h, name)
	switch {
	case len(v) == 0 || v[0] == "" && len(v) == 1:
		return "", &HeaderError{Header: name, Err: ErrMissingHeader}
	case len(v) > 1:
		return "", &HeaderError{Header: name, Err: ErrInvalidHeader}
	}
	return v[0], nil
}

// parseTimestamp accepts only ASCII digits ("integer unix timestamp"): no
// sign, no spaces, no exponent, at most maxTimestampDigits.
func parseTimestamp(s string) (int64, bool) {
	if s == "" || len(s) > maxTimestampDigits {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
