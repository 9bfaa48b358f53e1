package httperr

import (
	"net/http"
	"strconv"
)

// Error codes written by httpsem packages. Codes are stable, upper-case and
// spelled as on the wire; callers may use their own codes too.
const (
	CodeBadRequest           = "BAD_REQUEST"
	CodeNotFound             = "NOT_FOUND"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeNotAcceptable        = "NOT_ACCEPTABLE"
	CodeConflict             = "CONFLICT"
	CodePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMedia     = "UNSUPPORTED_MEDIA_TYPE"
	CodeUnprocessable        = "UNPROCESSABLE_ENTITY"
	CodePreconditionFailed   = "PRECONDITION_FAILED"
	CodePreconditionRequired = "PRECONDITION_REQUIRED"
	CodeInternal             = "INTERNAL"
	CodeUnavailable          = "SERVICE_UNAVAILABLE"
)

// Error is an HTTP error response: a status, a machine-readable code, a message
// meant for people, and optional extra members that are written beside code and
// message (for example "current_etag" on a 412).
//
// Error implements the error interface so it can travel through code that returns
// errors; its Error method returns the message prefixed by the status.
type Error struct {
	// Status is the HTTP status code; zero means 500.
	Status int
	// Code is the machine-readable code, e.g. [CodeConflict].
	Code string
	// Message is a human-readable sentence; it must not contain internal detail.
	Message string
	// Extra holds additional members of the error object. Keys "code" and
	// "message" are ignored. Values must be JSON-encodable.
	Extra map[string]any
}

// New returns an Error with the given status, code and message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// With returns a copy of e with the extra member key set to value.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extra = make(map[string]any, len(e.Extra)+1)
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	c.Extra[key] = value
	return &c
}

// StatusCode returns e.Status, or 500 when it is not a valid error status.
func (e *Error) StatusCode() int {
	if e.Status < 400 || e.Status > 599 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// Error implements the error interface.
func (e *Error) Error() string {
	return "httperr: " + strconv.Itoa(e.StatusCode()) + " " + e.Code + ": " + e.Message
}
