package asyncjob

import (
	"context"
	"time"
)

// Notifier sends a job's terminal status as a signed event (a webhook). It
// is all asyncjob needs of a webhook sender; *webhook.Sender implements it.
// The Manager owns the retry schedule (see [Options].DeliveryAttempts), so
// that waiting deliveries live in the [Store] rather than in a goroutine.
type Notifier interface {
	// CheckURL reports whether rawURL may receive events; it is called at
	// submission, and an error rejects the submission with 422.
	CheckURL(rawURL string) error
	// Notify makes one attempt to POST body, signed, to rawURL with the
	// message id id (the same on every attempt, so receivers can
	// deduplicate). It returns the response status (0 when none came), the
	// wait the receiver asked for with Retry-After (0 when none), and nil
	// exactly when the status was 2xx. A non-nil error's message must be
	// safe to show to the job's owner (no addresses or local detail): the
	// Manager records it. An error with a Temporary() bool method that
	// returns false ends the delivery at once (a refused destination);
	// other failures are retried as the schedule allows, except 3xx and
	// 4xx answers other than 429.
	Notify(ctx context.Context, rawURL, id string, body []byte) (status int, retryAfter time.Duration, err error)
}
