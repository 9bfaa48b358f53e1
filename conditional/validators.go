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
	// Vary names the request header fields that selected this
	// representation, as a Vary field value ("Accept", "Accept,
	// Accept-Language"). [Check] adds them to the response's Vary on every
	// outcome, so that a 304 carries the Vary a 200 would carry (RFC 9110
	// §15.4.5) when the handler's Vary is only set while rendering, after
	// Check. Default "": Check adds nothing (a Vary the handler already set,
	// e.g. through negotiate.Type, is kept as it is).
	Vary string
}

// exists reports whether the resource has a current representation.
func (v Validators) exists() bool {
	return v.Exists || !v.ETag.IsZero() || !v.LastModified.IsZero()
}
