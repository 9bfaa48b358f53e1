package poll

import "errors"

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
