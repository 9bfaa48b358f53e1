package pgstore

import (
	"log/slog"
	"time"
)

// Defaults applied by [New] to zero fields of [Options].
const (
	// DefaultSchema is the PostgreSQL schema of the store's table.
	DefaultSchema = "asyncjob"
	// DefaultPollInterval bounds how long a blocked Dequeue waits before it
	// looks at the queue again when no notification wakes it.
	DefaultPollInterval = time.Second
	// DefaultWatchInterval bounds how long a watcher may miss a change
	// whose notification was lost (while the listener reconnects).
	DefaultWatchInterval = 5 * time.Second
	// DefaultSweepInterval is how often expired jobs are deleted.
	DefaultSweepInterval = time.Minute
	// DefaultSweepBatch is how many expired rows one DELETE removes.
	DefaultSweepBatch = 500
	// DefaultHealthInterval is how long the listening connection may stay
	// silent before it is pinged; a failed ping makes the store reconnect.
	DefaultHealthInterval = 10 * time.Second
	// DefaultMaxReconnectWait caps the listener's reconnection backoff.
	DefaultMaxReconnectWait = 5 * time.Second
)

// maxSchemaLen keeps "<schema>.jobs", the notification channel, within
// PostgreSQL's 63-byte identifiers.
const maxSchemaLen = 58

// Options configures a [Store]. The zero value is ready to use. Following
// the project-wide rule, a zero duration or count means its default; a
// negative one is rejected by [New] where "none" would be unsafe.
type Options struct {
	// Schema holds the store's table, "<Schema>.jobs", and names its
	// notification channel. Stores with different schemas on one database
	// are independent. At most 58 bytes, no NUL. Default [DefaultSchema].
	Schema string
	// PollInterval bounds how long a blocked Dequeue waits before it looks
	// for work again when no notification wakes it (a notification lost
	// while the listener reconnected, a lease that ended). Negative is
	// rejected. Default [DefaultPollInterval].
	PollInterval time.Duration
	// WatchInterval is how often a watcher re-reads its job even when no
	// notification arrived. Negative is rejected. Default
	// [DefaultWatchInterval].
	WatchInterval time.Duration
	// SweepInterval is how often expired jobs are deleted (they are
	// invisible from the moment they expire; the sweep only reclaims
	// space). Negative turns the sweeper off, for deployments that delete
	// expired rows themselves (see [Store.Sweep]). Default
	// [DefaultSweepInterval].
	SweepInterval time.Duration
	// SweepBatch bounds the rows one DELETE of a sweep removes, so that no
	// sweep holds many row locks or runs long; a sweep repeats batches
	// until fewer remain. Negative is rejected. Default [DefaultSweepBatch].
	SweepBatch int
	// HealthInterval is how long the listening connection may stay silent
	// before it is pinged, so that a half-open connection is noticed.
	// Negative is rejected. Default [DefaultHealthInterval].
	HealthInterval time.Duration
	// MaxReconnectWait caps the backoff between attempts to re-open the
	// listening connection. Negative is rejected. Default
	// [DefaultMaxReconnectWait].
	MaxReconnectWait time.Duration
	// Logger receives listener connection problems and sweep failures.
	// Default: silent.
	Logger *slog.Logger
	// Now is the clock for leases and expiry. Every instance sharing a
	// store must run a clock synchronised well within the lease (NTP).
	// Default time.Now.
	Now func() time.Time
}
