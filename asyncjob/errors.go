package asyncjob

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by the [Manager] and by every [Store].
var (
	// ErrNotFound means the job does not exist, has expired, or belongs to
	// another owner.
	ErrNotFound = errors.New("asyncjob: job not found")
	// ErrConflict means a compare-and-set lost a race: the record changed
	// since it was read, or the transition is not allowed from its state.
	ErrConflict = errors.New("asyncjob: conflicting job update")
	// ErrDuplicate means the idempotency key is already held by a live job;
	// [Store.Create] returns that job alongside it.
	ErrDuplicate = errors.New("asyncjob: idempotency key already used")
	// ErrQueueFull means the bounded queue holds as many waiting jobs as it
	// may; the caller should retry later.
	ErrQueueFull = errors.New("asyncjob: queue full")
	// ErrLeaseLost means the worker no longer holds the job's lease: it
	// expired and another worker took the job over, or the job finished.
	ErrLeaseLost = errors.New("asyncjob: lease lost")
	// ErrFinished means the job already completed or failed, so it cannot be
	// canceled.
	ErrFinished = errors.New("asyncjob: job already finished")
	// ErrClosed means the Manager is shutting down and takes no new work.
	ErrClosed = errors.New("asyncjob: manager shut down")
	// ErrNoDelivery means no webhook delivery is due: [Store.ClaimDelivery]
	// found nothing to claim.
	ErrNoDelivery = errors.New("asyncjob: no webhook delivery due")
	// ErrUnknownKind means a job names a kind the Manager has no [Kind] for.
	ErrUnknownKind = errors.New("asyncjob: unknown job kind")
)

// Error codes recorded on failed jobs by the Manager itself. A job function
// may use its own codes through [Error].
const (
	CodeInternal    = "INTERNAL"          // the function panicked or returned an untyped error
	CodeTimeout     = "TIMEOUT"           // the per-job timeout elapsed
	CodeAttempts    = "ATTEMPTS_EXCEEDED" // the job was taken over more often than MaxAttempts allows
	CodeBadResult   = "RESULT_TOO_LARGE"  // the result value exceeded MaxResultBytes
	CodeUnknownKind = "UNKNOWN_KIND"      // no Kind is registered for the job
)

// Error is the typed failure of a job: a machine-readable code, a message
// meant for the client, and whether retrying the same request may succeed.
// A job function returns it (possibly wrapped) to control what the status
// body says; any other error is recorded as code INTERNAL with a generic
// message, so internal error text never reaches clients.
type Error struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("asyncjob: %s: %s", e.Code, e.Message)
}
