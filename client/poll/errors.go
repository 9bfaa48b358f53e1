package poll

import (
	"errors"
	"net/http"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/httperr"
)

// Errors returned by the [Poller]. A failed job is returned as its
// *asyncjob.Error (code, message, retryable); an error response of the
// server (4xx, 5xx) as *httperr.Error decoded from its envelope; both are
// matched with errors.As.
var (
	// ErrCanceled means the job ended in state canceled.
	ErrCanceled = errors.New("poll: job canceled")
	// ErrNoStatusURL means a 202 Accepted named no status URL (Location or
	// Content-Location).
	ErrNoStatusURL = errors.New("poll: 202 Accepted without a status URL")
	// ErrUnexpected means the server answered with something that is not a
	// status document or a redirect to the result.
	ErrUnexpected = errors.New("poll: unexpected response")
)

// Retryable reports whether err says that submitting the same request again
// may succeed: a failed job whose error is marked retryable, or an error
// response the server meant as temporary (408, 429, 502, 503, 504). A
// canceled job, a non-retryable failure, any other error response and
// context errors are not.
func Retryable(err error) bool {
	var je *asyncjob.Error
	if errors.As(err, &je) {
		return je.Retryable
	}
	var he *httperr.Error
	if errors.As(err, &he) {
		switch he.Status {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}
