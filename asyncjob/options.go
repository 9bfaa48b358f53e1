package asyncjob

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/httpsem/httpsem/httperr"
)

// Defaults applied by [New] to zero fields of [Options].
const (
	DefaultWorkers        = 8
	DefaultQueueSize      = 1024
	DefaultMaxBatch       = 1000
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

	// DefaultDeliveryWorkers bounds the webhook attempts one Manager makes
	// at once, and so the receiver connections it holds.
	DefaultDeliveryWorkers = 16
	// DefaultDeliveryAttempts bounds the attempts of one webhook, the first
	// included, across all instances.
	DefaultDeliveryAttempts = 5
	// DefaultDeliveryBackoff is the backoff ceiling after the first failed
	// attempt; it doubles after each further failure.
	DefaultDeliveryBackoff = time.Second
	// DefaultDeliveryMaxBackoff caps one wait between attempts, a
	// Retry-After included.
	DefaultDeliveryMaxBackoff = time.Minute
	// DefaultDeliveryLease is how long a claimed delivery stays with the
	// Manager that claimed it; it must exceed one attempt (the webhook
	// package's default attempt timeout is 15 s).
	DefaultDeliveryLease = time.Minute
	// DefaultDeliveryPollInterval is how often an idle dispatcher looks
	// for deliveries due, recorded by any instance.
	DefaultDeliveryPollInterval = time.Second
)

// Options configures a [Manager].
//
// The zero value of every field is a safe default; only Kinds must be
// filled in for jobs to run. Numeric fields follow one rule: zero means the
// exported default (DefaultXxx); a negative value means "none" where the
// field's comment says what that does, and is rejected by [New] elsewhere.
type Options struct {
	// Store holds jobs, keys, the queue, the webhook outbox and the change
	// feed. Default: a [MemStore] owned by the Manager (with the default
	// [MemStoreOptions], so at most [DefaultMaxJobs] jobs).
	Store Store
	// Kinds maps a kind name to the function that builds its job. Every
	// Manager sharing a Store must know every kind submitted to it.
	Kinds map[string]Kind

	// Workers is the number of jobs run at once. Default [DefaultWorkers].
	// Negative runs no workers: the Manager only accepts, serves and
	// cancels jobs that other instances run. A worker takes its next job
	// while the previous job's outcome is being written, so at most two
	// outcomes per worker are being written at once (its finisher's and
	// its own, when its finisher is still busy); an outcome never waits for
	// another to be written, and nothing reports it (the change feed, SSE,
	// webhooks) before it is stored.
	Workers int
	// QueueSize bounds the jobs waiting to start; when it is reached,
	// submissions fail with [ErrQueueFull] (HTTP 503 with Retry-After),
	// and so does a [Manager.SubmitBatch] whose jobs do not all fit.
	// Default [DefaultQueueSize]; negative means unbounded.
	QueueSize int
	// MaxBatch bounds the specs of one [Manager.SubmitBatch]; a longer
	// batch is refused with [ErrBatchTooLarge] before anything is checked
	// or stored. A batch is one store step (one statement, one script,
	// one critical section), so this bounds how long it holds the store
	// and the memory it takes. Default [DefaultMaxBatch]; negative is
	// rejected (an unbounded batch could stall a shared store).
	MaxBatch int
	// Timeout bounds one run of a job when its [Spec] gives none. Default
	// [DefaultTimeout]; negative means no timeout.
	Timeout time.Duration
	// Retention is how long a finished job (and its idempotency key) is
	// kept before the store forgets it. Default [DefaultRetention];
	// negative is rejected.
	Retention time.Duration
	// Lease is how long a worker's claim on a job holds without renewal;
	// workers renew at a third of it. A job whose worker vanished is taken
	// over after at most this long. Default [DefaultLease]; negative is
	// rejected.
	Lease time.Duration
	// MaxAttempts bounds how often a job is started (takeovers after a
	// crashed worker count); past it the job fails with code
	// ATTEMPTS_EXCEEDED. Default [DefaultMaxAttempts]; negative is
	// rejected (a job that crashes its worker would loop for ever).
	MaxAttempts int

	// PollInterval is the Retry-After sent with 202 and with the status of
	// an unfinished job, rounded up to whole seconds. Default
	// [DefaultPollInterval]; negative is rejected.
	PollInterval time.Duration
	// BusyRetryAfter is the Retry-After sent with 503 (queue full, store
	// unavailable, shutting down) and the reconnection delay of the final
	// event of a stream at shutdown. Default [DefaultBusyRetryAfter];
	// negative is rejected.
	BusyRetryAfter time.Duration
	// MaxWait caps the wait a client may ask for with Prefer: wait=N.
	// Rounded up to whole seconds. Default [DefaultMaxWait]; negative
	// means Prefer: wait is not honoured.
	MaxWait time.Duration
	// Heartbeat is the interval of SSE comment lines that keep idle
	// connections and proxies alive. Default [DefaultHeartbeat]; negative
	// means no heartbeats.
	Heartbeat time.Duration
	// MaxBodyBytes bounds a submission's body (413 beyond). Default
	// [DefaultMaxBodyBytes]; negative is rejected.
	MaxBodyBytes int64
	// MaxResultBytes bounds an embedded result value; a larger value fails
	// the job with code RESULT_TOO_LARGE. Default [DefaultMaxResultBytes];
	// negative is rejected.
	MaxResultBytes int
	// StoreTimeout bounds each store call the Manager makes outside a
	// request (finishing a job, recording progress, claiming and recording
	// deliveries). Default [DefaultStoreTimeout]; negative is rejected.
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

	// Notifier sends webhooks (for example a *webhook.Sender). Without one,
	// submissions with a callback URL are refused with 422. A job that
	// carries one (submitted on another instance) still gets its delivery
	// recorded when it finishes here, for an instance with a Notifier to
	// send. Default nil.
	Notifier Notifier
	// DeliveryWorkers bounds the webhook attempts this Manager makes at
	// once; waiting deliveries cost a store record, not a goroutine or a
	// connection. Default [DefaultDeliveryWorkers]; negative means this
	// Manager sends none (other instances do).
	DeliveryWorkers int
	// DeliveryAttempts bounds the attempts of one webhook across all
	// instances; after the last failure its record says failed, with the
	// last status and error. Default [DefaultDeliveryAttempts]; negative
	// is rejected.
	DeliveryAttempts int
	// DeliveryBackoff is the backoff ceiling after the first failed
	// attempt, doubling after each further one ("full jitter": the wait is
	// uniform below the ceiling). Default [DefaultDeliveryBackoff];
	// negative is rejected.
	DeliveryBackoff time.Duration
	// DeliveryMaxBackoff caps each wait, including one a receiver asked for
	// with Retry-After. Default [DefaultDeliveryMaxBackoff]; raised to
	// DeliveryBackoff if smaller; negative is rejected.
	DeliveryMaxBackoff time.Duration
	// DeliveryLease is how long a claimed delivery stays with this
	// Manager; when the Manager dies mid-attempt, another instance resumes
	// the delivery after it. It must exceed the Notifier's attempt timeout.
	// Default [DefaultDeliveryLease]; negative is rejected.
	DeliveryLease time.Duration
	// DeliveryPollInterval is how often an idle dispatcher looks for
	// deliveries due, so it bounds how late a retry recorded by another
	// instance is sent. Default [DefaultDeliveryPollInterval]; negative is
	// rejected.
	DeliveryPollInterval time.Duration

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

// ErrNoKinds is returned by [New] when Options.Kinds is empty and workers
// would run.
var ErrNoKinds = errors.New("asyncjob: Options.Kinds is empty")

// normalize applies the defaults and the Options rule, copying Kinds.
func (o Options) normalize() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.Workers > 0 && len(o.Kinds) == 0 {
		return o, ErrNoKinds
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.DeliveryWorkers == 0 {
		o.DeliveryWorkers = DefaultDeliveryWorkers
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
		none bool // negative means "none" and is kept
	}{
		{"Timeout", &o.Timeout, DefaultTimeout, true},
		{"Retention", &o.Retention, DefaultRetention, false},
		{"Lease", &o.Lease, DefaultLease, false},
		{"PollInterval", &o.PollInterval, DefaultPollInterval, false},
		{"BusyRetryAfter", &o.BusyRetryAfter, DefaultBusyRetryAfter, false},
		{"MaxWait", &o.MaxWait, DefaultMaxWait, true},
		{"Heartbeat", &o.Heartbeat, DefaultHeartbeat, true},
		{"StoreTimeout", &o.StoreTimeout, DefaultStoreTimeout, false},
		{"DeliveryBackoff", &o.DeliveryBackoff, DefaultDeliveryBackoff, false},
		{"DeliveryMaxBackoff", &o.DeliveryMaxBackoff, DefaultDeliveryMaxBackoff, false},
		{"DeliveryLease", &o.DeliveryLease, DefaultDeliveryLease, false},
		{"DeliveryPollInterval", &o.DeliveryPollInterval, DefaultDeliveryPollInterval, false},
	}
	for _, d := range durations {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0 && !d.none:
			return o, fmt.Errorf("asyncjob: Options.%s: must not be negative", d.name)
		}
	}
	counts := []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxAttempts", &o.MaxAttempts, DefaultMaxAttempts},
		{"MaxBatch", &o.MaxBatch, DefaultMaxBatch},
		{"MaxResultBytes", &o.MaxResultBytes, DefaultMaxResultBytes},
		{"DeliveryAttempts", &o.DeliveryAttempts, DefaultDeliveryAttempts},
	}
	for _, c := range counts {
		switch {
		case *c.v == 0:
			*c.v = c.def
		case *c.v < 0:
			return o, fmt.Errorf("asyncjob: Options.%s: must not be negative", c.name)
		}
	}
	switch {
	case o.MaxBodyBytes == 0:
		o.MaxBodyBytes = DefaultMaxBodyBytes
	case o.MaxBodyBytes < 0:
		return o, errors.New("asyncjob: Options.MaxBodyBytes: must not be negative")
	}
	// Prefer: wait counts whole seconds; so does the cap, so that
	// Preference-Applied states exactly what was honoured.
	if o.MaxWait > 0 {
		o.MaxWait = (o.MaxWait + time.Second - 1).Truncate(time.Second)
	}
	o.DeliveryMaxBackoff = max(o.DeliveryMaxBackoff, o.DeliveryBackoff)
	if o.StatusURLFunc == nil {
		o.StatusURLFunc = func(id string) string { return DefaultStatusPrefix + id }
	}
	if o.IDFunc == nil {
		o.IDFunc = defaultID
	}
	kinds := make(map[string]Kind, len(o.Kinds))
	for k, v := range o.Kinds {
		if v == nil {
			return o, fmt.Errorf("asyncjob: Options.Kinds: kind %q has a nil Kind", k)
		}
		kinds[k] = v
	}
	o.Kinds = kinds
	return o, nil
}
