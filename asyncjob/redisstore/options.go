package redisstore

import (
	"log/slog"
	"time"
)

// Defaults applied by [New] to zero fields of [Options].
const (
	// DefaultPrefix names the store's keys when Options.Prefix is empty.
	DefaultPrefix = "asyncjob"
	// DefaultPollInterval bounds how long a blocked Dequeue waits before it
	// looks at the queue again when no wake-up message arrives.
	DefaultPollInterval = time.Second
	// DefaultWatchInterval bounds how long a watcher may miss a change
	// whose notification was lost (Pub/Sub delivers at most once).
	DefaultWatchInterval = 5 * time.Second
	// DefaultHealthInterval is how long the change-feed connection may stay
	// silent before it is pinged; a ping left unanswered for as long again
	// makes the store reconnect it.
	DefaultHealthInterval = 3 * time.Second
)

// Options configures a [Store]. The zero value is ready to use; a zero
// interval means its default, and a negative one is rejected by [New].
type Options struct {
	// Prefix names every key of the store: keys are "{Prefix}:…", so the
	// braces make Prefix the Redis Cluster hash tag and the whole store one
	// hash slot (see the package documentation for why). Stores with
	// different prefixes on one Redis are independent. It must not contain
	// '{' or '}'. Default [DefaultPrefix].
	Prefix string
	// PollInterval bounds how long a blocked Dequeue waits before it looks
	// for work again when no notification wakes it (a lost message, a lease
	// that ended). Default [DefaultPollInterval].
	PollInterval time.Duration
	// WatchInterval is how often a watcher re-reads its job even when no
	// notification arrived. Default [DefaultWatchInterval].
	WatchInterval time.Duration
	// HealthInterval is how long the change-feed connection may stay silent
	// before it is pinged. Default [DefaultHealthInterval].
	HealthInterval time.Duration
	// Logger receives change-feed connection problems. Default: silent.
	Logger *slog.Logger
	// Now is the clock for leases and expiry. Every instance sharing a
	// store must run a clock synchronised well within the lease (NTP).
	// Default time.Now.
	Now func() time.Time
}
