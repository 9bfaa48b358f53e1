package asyncjob

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/httpsem/httpsem/httperr"
)

// Defaults applied by [New] to zero fields of [Options].
const (
	DefaultWorkers        = 8
	DefaultQueueSize      = 1024
	DefaultTimeout        = time.Hour
	DefaultRetention      = 24 * time.Hour
	DefaultLease          = 30 * time.Second
	DefaultMaxAttempts    = 3
	DefaultPollInterval   = time.Second
	DefaultBusyRetryAfter = 5 * time.Second
	DefaultMaxWait        = 60 * time.Second
	DefaultHeartbeat      = 15 * time.Second
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxResultBytes = 64 << 10
	DefaultMaxKeyLength   = 256
	DefaultStoreTimeout   = 10 * time.Second
	DefaultStatusPrefix   = "/jobs/"
)

// Options configures a [Manager]. The zero value of every field is a safe
// default; only Kinds must be filled in for jobs to run.
type Options struct {
	// Store holds jobs, keys, the queue and the change feed. Default: a
	// [MemStore] owned by the Manager.
	Store Store
	// Kinds maps a kind name to the function that builds its job. Every
	// Manager sharing a Store must know every kind submitted to it.
	Kinds map[string]Kind

	// Workers is the number of jobs run at once. Default [DefaultWorkers].
	// A negative value runs no workers: the Manager only accepts, serves and
	// cancels jobs that other instances run.
	Workers int
	// QueueSize bounds the jobs waiting to start; when it is reached,
	// submissions fail with [ErrQueueFull] (HTTP 503 with Retry-After).
	// Default [DefaultQueueSize]; negative means unbounded.
	QueueSize int
	// Timeout bounds one run of a job when its [Spec] gives none. Default
	// [DefaultTimeout].
	Timeout time.Duration
	// Retention is how long a finished job (and its idempotency key) is
	// kept before the store forgets it. Default [DefaultRetention].
	Retention time.Duration
	// Lease is how long a worker's claim on a job holds without renewal;
	// workers renew at a third of it. A job whose worker vanished is taken
	// over after at most this long. Default [DefaultLease].
	Lease time.Duration
	// MaxAttempts bounds how often a job is started (takeovers after a
	// crashed worker count); past it the job fails with code
	// ATTEMPTS_EXCEEDED. Default [DefaultMaxAttempts].
	MaxAttempts int

	// PollInterval is the Retry-After sent with 202 and with the status of
	// an unfinished job, rounded up to whole seconds. Default
	// [DefaultPollInterval].
	PollInterval time.Duration
	// BusyRetryAfter is the Retry-After sent with 503 (queue full, store
	// unavailable, shutting down). Default [DefaultBusyRetryAfter].
	BusyRetryAfter time.Duration
	// MaxWait caps the wait a client may ask for with Prefer: wait=N.
	// Rounded up to whole seconds. Default [DefaultMaxWait].
	MaxWait time.Duration
	// Heartbeat is the interval of SSE comment lines that keep idle
	// connections and proxies alive. Default [DefaultHeartbeat].
	Heartbeat time.Duration
	// MaxBodyBytes bounds a submission's body (413 beyond). Default
	// [DefaultMaxBodyBytes].
	MaxBodyBytes int64
	// MaxResultBytes bounds an embedded result value; a larger value fails
	// the job with code RESULT_TOO_LARGE. Default [DefaultMaxResultBytes].
	MaxResultBytes int
	// StoreTimeout bounds each store call the Manager makes outside a
	// request (finishing a job, recording progress). Default
	// [DefaultStoreTimeout].
	StoreTimeout time.Duration

	// EmbedResult answers the status of a completed job with 200 and the
	// result embedded, instead of 303 See Other to the result URL. A result
	// without a URL is always embedded. Default false.
	EmbedResult bool
	// RequireIdempotencyKey answers submissions without an Idempotency-Key
	// with 400. Default false.
	RequireIdempotencyKey bool

	// OwnerFunc derives the owner of a request (user, tenant, API key). A
	// job is visible, cancellable and streamable only with requests of the
	// same owner; others get 404. Default: every request has owner "".
	OwnerFunc func(r *http.Request) string
	// StatusURLFunc builds the status URL of a job, sent in Location and
	// status_url. Default: [DefaultStatusPrefix] + id.
	StatusURLFunc func(id string) string
	// IDFunc extracts the job ID from a status, cancel or events request.
	// Default: r.PathValue("id"), else the last path segment.
	IDFunc func(r *http.Request) string

	// Webhook configures callback deliveries; Secret must be set for a job
	// to carry a callback URL (submissions with one are rejected with 422
	// otherwise). The Manager applies its Now and Logger when they are nil.
	Webhook webhook.Options

	// ErrorWriter renders error responses. Default: [httperr.JSON].
	ErrorWriter httperr.Writer
	// Logger receives panics (with stack), failures and store errors.
	// Default: silent.
	Logger *slog.Logger
	// Now is the clock for timestamps, retention, leases and estimates.
	// Default time.Now. Timers (heartbeats, lease renewals, timeouts) run on
	// real time.
	Now func() time.Time
}
