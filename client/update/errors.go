package update

import "errors"

// Errors returned by [Updater.Do]. Each wraps the server's answer, when
// there is one, as an *httperr.Error (errors.As) decoded from its envelope.
var (
	// ErrNoETag means the read answered without a strong entity tag, so
	// there is nothing to make the write conditional on. Do refuses to
	// write blindly (a weak tag never satisfies If-Match, RFC 9110
	// §13.1.1).
	ErrNoETag = errors.New("update: the resource has no strong ETag; refusing an unconditional write")
	// ErrPreconditionRequired means the server answered 428 Precondition
	// Required (RFC 6585 §3) although If-Match was sent: it wants another
	// precondition than the one this package sends.
	ErrPreconditionRequired = errors.New("update: the server requires a precondition (428)")
	// ErrTooManyAttempts means every write of the allowed attempts met 412
	// Precondition Failed: the resource kept changing between read and
	// write.
	ErrTooManyAttempts = errors.New("update: the resource kept changing; attempts exhausted")
)
