package patch

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/httpsem/httpsem/httperr"
)

// Sentinel errors. Every error returned by [Apply] and [Patcher.Apply]
// matches exactly one of them with [errors.Is]; [Status] maps them to the
// status codes of RFC 5789 §2.2.
var (
	// ErrMalformed means the patch document is not valid for its media type:
	// not JSON, not an array of operation objects, an unknown "op", a
	// missing or repeated member, a malformed JSON Pointer, a "move" into its
	// own child. Status 400.
	ErrMalformed = errors.New("patch: malformed patch document")

	// ErrUnsupportedType means the media type is not a patch format this
	// package applies (including plain application/json, RFC 5789 erratum
	// 3169). Status 415.
	ErrUnsupportedType = errors.New("patch: unsupported patch media type")

	// ErrConflict means the patch is well formed but cannot be applied to
	// this document: a failed "test", a path that does not exist, an array
	// index out of range or not an index. Status 409.
	ErrConflict = errors.New("patch: patch does not apply to the document")

	// ErrLimit means a configured limit was exceeded; the error is a
	// [*LimitError]. Status 413 for the patch size, 422 otherwise.
	ErrLimit = errors.New("patch: limit exceeded")

	// ErrInvalidDocument means the target document itself is not valid
	// JSON. It comes from the caller's storage, not from the client, so
	// [Status] maps it to 500.
	ErrInvalidDocument = errors.New("patch: target document is not valid JSON")
)

// OpError describes the JSON Patch operation that failed. It wraps
// [ErrMalformed] or [ErrConflict].
type OpError struct {
	Index  int    // position of the operation in the patch, from 0; -1 when the error concerns the whole patch
	Op     string // "add", "remove", ... as sent; empty when unreadable
	Path   string // the operation's "path" as sent
	Reason string // a short, client-safe explanation
	Err    error  // ErrMalformed or ErrConflict
}

// Error implements the error interface.
func (e *OpError) Error() string {
	if e.Index < 0 {
		return "patch: " + e.Reason
	}
	s := "patch: operation " + strconv.Itoa(e.Index)
	if e.Op != "" {
		s += " (" + e.Op + " " + strconv.Quote(e.Path) + ")"
	}
	return s + ": " + e.Reason
}

// Unwrap returns the sentinel the error belongs to.
func (e *OpError) Unwrap() error { return e.Err }

// Limit names the limit a [LimitError] reports.
type Limit string

// The limits of [Options]. Values are spelled as in the error body.
const (
	LimitPatchBytes Limit = "patch_bytes"
	LimitOperations Limit = "operations"
	LimitDepth      Limit = "depth"
	LimitCopyBytes  Limit = "copy_bytes"
)

// LimitError reports which limit was exceeded; it wraps [ErrLimit].
type LimitError struct {
	Limit Limit
	Max   int64 // the configured value
}

// Error implements the error interface.
func (e *LimitError) Error() string {
	return "patch: " + string(e.Limit) + " limit of " + strconv.FormatInt(e.Max, 10) + " exceeded"
}

// Unwrap returns [ErrLimit].
func (e *LimitError) Unwrap() error { return ErrLimit }

// Status returns the HTTP status RFC 5789 §2.2 gives err: 400 for
// [ErrMalformed], 409 for [ErrConflict], 413 for the patch-size
// [LimitError], 422 for other limits, 415 for [ErrUnsupportedType], 500 for
// anything else (including [ErrInvalidDocument]), and 200 for nil.
func Status(err error) int {
	var le *LimitError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &le):
		if le.Limit == LimitPatchBytes {
			return http.StatusRequestEntityTooLarge
		}
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrUnsupportedType):
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// HTTPError converts an error from [Apply] into the [httperr.Error] the
// handler writes: the status of [Status], a stable code, a client-safe
// message, and "operation" (the index of the failed JSON Patch operation) or
// "limit" members when known. An error about the whole patch (not JSON, not
// an array, a malformed merge patch) has no "operation" member.
func HTTPError(err error) *httperr.Error {
	status := Status(err)
	var e *httperr.Error
	switch status {
	case http.StatusBadRequest:
		e = httperr.New(status, httperr.CodeBadRequest, "malformed patch document")
	case http.StatusConflict:
		e = httperr.New(status, httperr.CodeConflict, "the patch does not apply to the current document")
	case http.StatusRequestEntityTooLarge:
		e = httperr.New(status, httperr.CodePayloadTooLarge, "patch document too large")
	case http.StatusUnprocessableEntity:
		e = httperr.New(status, httperr.CodeUnprocessable, "patch exceeds a limit")
	case http.StatusUnsupportedMediaType:
		e = httperr.New(status, httperr.CodeUnsupportedMedia, "unsupported patch media type")
	default:
		return httperr.New(http.StatusInternalServerError, httperr.CodeInternal, "internal error")
	}
	var oe *OpError
	if errors.As(err, &oe) {
		e.Message += ": " + oe.Reason
		if oe.Index >= 0 {
			e = e.With("operation", oe.Index)
		}
	}
	var le *LimitError
	if errors.As(err, &le) {
		e = e.With("limit", string(le.Limit)).With("max", le.Max)
	}
	return e
}
