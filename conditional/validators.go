package conditional

import (
	"time"

	"github.com/httpsem/httpsem/etag"
)

// Validators are the current validators of the target resource's selected
// representation (RFC 9110 §8.8), against which the preconditions of a request
// are evaluated.
//
// The zero Validators describe a resource that does not exist. A non-zero ETag
// or LastModified implies that the resource exists, whatever Exists says; set
// Exists alone for a resource that exists but has no validator.
type Validators struct {
	// ETag is the current entity-tag; the zero Tag means "none".
	ETag etag.Tag
	// LastModified is the time of the last modification; the zero time means
	// "none". It is compared at one-second resolution, and a value later than
	// [Options.Now] is replaced by Now (RFC 9110 §8.8.2.1).
	LastModified time.Time
	// Exists reports whether the resource has a current representation, which
	// decides how "*" in If-Match and If-None-Match evaluates.
	Exists bool
}

// exists reports whether the resource has a current representation.
func (v Validators) exists() bool {
	return v.Exists || !v.ETag.IsZero() || !v.LastModified.IsZero()
}

// lastModified returns the Last-Modified time in whole Unix seconds, clamped
// to now, and whether there is one. Clamping follows RFC 9110 §8.8.2.1: an
// origin server must not send a Last-Modified later than the message's
// origination date, so a future value is replaced by that date, and every
// comparison uses the value the client can have seen.
func (v Validators) lastModified(now int64) (int64, bool) {
	if v.LastModified.IsZero() {
		return 0, false
	}
	lm := v.LastModified.Unix()
	if lm > now {
		lm = now
	}
	return lm, true
}
