package poll

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults of [Options].
const (
	// DefaultInterval is the wait between polls when a response names none
	// (no or an invalid Retry-After).
	DefaultInterval = time.Second
	// DefaultMinInterval is the floor of every wait: a Retry-After of 0, or
	// an HTTP-date in the past, must not turn the poller into a busy loop.
	DefaultMinInterval = 100 * time.Millisecond
	// DefaultMaxInterval is the ceiling of every wait: a Retry-After of a
	// day is honoured as this.
	DefaultMaxInterval = 30 * time.Second
	// DefaultMaxErrors is how many transient failures in a row (transport
	// errors, 429, 502, 503, 504, an event stream that ends without an
	// event) the poller retries before it gives up.
	DefaultMaxErrors = 3
	// DefaultMaxStatusBytes bounds a status document or one event record.
	DefaultMaxStatusBytes = 1 << 20
	// DefaultCancelTimeout bounds the DELETE sent by Options.CancelOnExit.
	DefaultCancelTimeout = 5 * time.Second
)

// ProgressFunc receives every new status document: the first one, and each
// one whose ETag (or event id) differs from the last. It runs on the
// goroutine that called the [Poller] method, so it must not block for long.
type ProgressFunc func(Status)

// Options configure a [Poller]. The zero value is the safe default. For the
// numeric fields, zero means the default constant; a negative value is
// rejected by [New] unless the field says otherwise.
type Options struct {
	// Client sends the requests. The poller never follows redirects of a
	// status request (it must see the 303 itself), so it uses a copy of
	// Client whose CheckRedirect stops at the first response; fetching the
	// result (FetchResult) uses Client as given. Default http.DefaultClient.
	Client *http.Client
	// Interval is the wait between polls when a response carries no valid
	// Retry-After. Default [DefaultInterval].
	Interval time.Duration
	// MinInterval is the floor of every wait, lowered to MaxInterval when
	// above it. Negative means no floor (a Retry-After of 0 polls again at
	// once). Default [DefaultMinInterval].
	MinInterval time.Duration
	// MaxInterval is the ceiling of every wait. Default [DefaultMaxInterval].
	MaxInterval time.Duration
	// MaxErrors is how many transient failures in a row are retried.
	// Negative means none: the first one is returned. Default
	// [DefaultMaxErrors].
	MaxErrors int
	// MaxStatusBytes bounds a status document and an event record; a
	// larger one is an error. Default [DefaultMaxStatusBytes].
	MaxStatusBytes int64
	// Wait, when positive, makes [Poller.Submit] send Prefer: wait=N
	// (RFC 7240 §4.3, N the whole seconds, rounded up), so that a job that
	// ends within N seconds is answered by the submission itself. Zero or
	// negative sends no Prefer. Default 0.
	Wait time.Duration
	// Events follows the job over Server-Sent Events (Accept:
	// text/event-stream on the status URL) instead of polling; a dropped
	// stream is resumed with Last-Event-ID. A server that answers with JSON
	// instead is polled. Default false.
	Events bool
	// FetchResult makes a completed job's result URL (the 303 Location, or
	// result_url) be fetched with Client; the response is in
	// [Result.Response]. Default false: only [Result.URL] is set.
	FetchResult bool
	// CancelOnExit sends DELETE to the status URL when ctx ends before the
	// job does, so that abandoning the wait also stops the work. Default
	// false.
	CancelOnExit bool
	// CancelTimeout bounds that DELETE. Default [DefaultCancelTimeout].
	CancelTimeout time.Duration
	// ProgressFunc, when set, receives each new status. Default nil.
	ProgressFunc ProgressFunc
	// Now is the clock that places a Retry-After HTTP-date when the
	// response has no valid Date. Default time.Now.
	Now func() time.Time
}

func (o Options) normalize() (Options, error) {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
		none bool
	}{
		{"Interval", &o.Interval, DefaultInterval, false},
		{"MinInterval", &o.MinInterval, DefaultMinInterval, true},
		{"MaxInterval", &o.MaxInterval, DefaultMaxInterval, false},
		{"CancelTimeout", &o.CancelTimeout, DefaultCancelTimeout, false},
	} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0 && d.none:
			*d.v = 0
		case *d.v < 0:
			return o, fmt.Errorf("poll: Options.%s: must not be negative", d.name)
		}
	}
	// A floor above the ceiling (say, MaxInterval set below the default
	// floor) is lowered to the ceiling rather than refused.
	o.MinInterval = min(o.MinInterval, o.MaxInterval)
	switch {
	case o.MaxErrors == 0:
		o.MaxErrors = DefaultMaxErrors
	case o.MaxErrors < 0:
		o.MaxErrors = 0
	}
	switch {
	case o.MaxStatusBytes == 0:
		o.MaxStatusBytes = DefaultMaxStatusBytes
	case o.MaxStatusBytes < 0:
		return o, fmt.Errorf("poll: Options.MaxStatusBytes: must not be negative")
	}
	return o, nil
}
