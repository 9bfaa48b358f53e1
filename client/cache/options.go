package cache

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults of [Options].
const (
	// DefaultMaxBytes bounds the default in-memory store: 32 MiB of bodies,
	// headers and keys, least recently used entries evicted first.
	DefaultMaxBytes = 32 << 20
	// DefaultMaxEntryBytes is the largest body stored; a larger response
	// streams through unstored (it is never buffered whole).
	DefaultMaxEntryBytes = 1 << 20
	// DefaultMaxVariants bounds the variants (RFC 9111 §4.1) kept per URL;
	// the oldest goes first.
	DefaultMaxVariants = 8
	// DefaultHeuristicMax caps a heuristic freshness lifetime (RFC 9111
	// §4.2.2), when Options.Heuristic turns heuristics on.
	DefaultHeuristicMax = 24 * time.Hour
)

// MaxVaryFields is the most field names a stored response may vary on; a
// response with more is not stored, so a hostile Vary cannot make each
// lookup compare without bound.
const MaxVaryFields = 16

// OutcomeFunc is told how each request was answered.
type OutcomeFunc func(r *http.Request, o Outcome)

// Options configure a [Transport]. The zero value is the safe default. For
// the numeric fields, zero means the default constant and a negative value
// is rejected by [New] unless the field says otherwise.
type Options struct {
	// Transport sends what the cache cannot answer. Default
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Store keeps the responses. Default: NewMemory(MaxBytes).
	Store Store
	// MaxBytes bounds the default store; ignored when Store is set.
	// Default [DefaultMaxBytes].
	MaxBytes int64
	// MaxEntryBytes is the largest body stored. Default
	// [DefaultMaxEntryBytes].
	MaxEntryBytes int64
	// MaxVariants bounds the variants kept per URL. Default
	// [DefaultMaxVariants].
	MaxVariants int
	// Heuristic allows heuristic freshness (RFC 9111 §4.2.2): a response
	// without max-age or Expires but with Last-Modified is fresh for 10% of
	// its age at the time it was sent, at most HeuristicMax. Off by
	// default: without explicit freshness every use revalidates.
	Heuristic bool
	// HeuristicMax caps a heuristic lifetime. Default
	// [DefaultHeuristicMax].
	HeuristicMax time.Duration
	// OutcomeFunc, when set, is called with the outcome of every request
	// (after the response's headers are known). Default nil.
	OutcomeFunc OutcomeFunc
	// Now is the clock of ages and freshness. Default time.Now.
	Now func() time.Time
}

func (o Options) normalize() (Options, error) {
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, f := range []struct {
		name string
		v    *int64
		def  int64
	}{
		{"MaxBytes", &o.MaxBytes, DefaultMaxBytes},
		{"MaxEntryBytes", &o.MaxEntryBytes, DefaultMaxEntryBytes},
	} {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			// An unbounded memory cache is a leak, not a feature.
			return o, fmt.Errorf("cache: Options.%s: must not be negative", f.name)
		}
	}
	switch {
	case o.MaxVariants == 0:
		o.MaxVariants = DefaultMaxVariants
	case o.MaxVariants < 0:
		return o, fmt.Errorf("cache: Options.MaxVariants: must not be negative")
	}
	switch {
	case o.HeuristicMax == 0:
		o.HeuristicMax = DefaultHeuristicMax
	case o.HeuristicMax < 0:
		return o, fmt.Errorf("cache: Options.HeuristicMax: must not be negative")
	}
	if o.Store == nil {
		o.Store = NewMemory(o.MaxBytes)
	}
	return o, nil
}
