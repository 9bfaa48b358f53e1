package update

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults of [Options].
const (
	// DefaultMaxAttempts is how many writes one [Updater.Do] sends before it
	// gives up on a resource that keeps changing under it.
	DefaultMaxAttempts = 10
	// DefaultBackoff is the base of the jittered wait between a 412 and the
	// re-read: attempt n waits a random time in [0, Backoff·2^(n-1)).
	DefaultBackoff = 10 * time.Millisecond
	// DefaultMaxBackoff caps that wait.
	DefaultMaxBackoff = time.Second
	// DefaultMaxBodyBytes bounds the representation read and the write's
	// response kept in [Result.Body].
	DefaultMaxBodyBytes = 1 << 20
)

// Method is how the new state is written.
type Method int

// The write methods. The zero value is [Put].
const (
	// Put sends the whole new representation (RFC 9110 §9.3.4); Func
	// returns it.
	Put Method = iota
	// MergePatch sends PATCH with application/merge-patch+json (RFC 7396);
	// Func returns the merge patch.
	MergePatch
	// JSONPatch sends PATCH with application/json-patch+json (RFC 6902);
	// Func returns the operations.
	JSONPatch
)

// String returns the method and media type the Method sends.
func (m Method) String() string {
	switch m {
	case Put:
		return "PUT"
	case MergePatch:
		return "PATCH application/merge-patch+json"
	case JSONPatch:
		return "PATCH application/json-patch+json"
	}
	return "Method(" + fmt.Sprint(int(m)) + ")"
}

// Options configure an [Updater]. The zero value is the safe default. For
// the numeric fields, zero means the default constant and a negative value
// is rejected by [New] unless the field says otherwise.
type Options struct {
	// Client sends the requests. Default http.DefaultClient.
	Client *http.Client
	// Method is how the result of the caller's function is written.
	// Default [Put].
	Method Method
	// ContentType is the Content-Type of a PUT. Default: the Content-Type
	// the read answered with, or application/json when it had none.
	ContentType string
	// Accept is sent on the read. Default "application/json".
	Accept string
	// MaxAttempts bounds the writes of one Do. Default [DefaultMaxAttempts].
	MaxAttempts int
	// Backoff is the base of the jittered wait before a re-read. Negative
	// means no wait. Default [DefaultBackoff].
	Backoff time.Duration
	// MaxBackoff caps that wait. Default [DefaultMaxBackoff].
	MaxBackoff time.Duration
	// MaxBodyBytes bounds the representation read (a larger one is an
	// error) and the write response kept. Default [DefaultMaxBodyBytes].
	MaxBodyBytes int64
}

func (o Options) normalize() (Options, error) {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Accept == "" {
		o.Accept = "application/json"
	}
	if o.Method < Put || o.Method > JSONPatch {
		return o, fmt.Errorf("update: Options.Method: unknown %v", o.Method)
	}
	switch {
	case o.MaxAttempts == 0:
		o.MaxAttempts = DefaultMaxAttempts
	case o.MaxAttempts < 0:
		return o, fmt.Errorf("update: Options.MaxAttempts: must not be negative")
	}
	switch {
	case o.Backoff == 0:
		o.Backoff = DefaultBackoff
	case o.Backoff < 0:
		o.Backoff = 0
	}
	switch {
	case o.MaxBackoff == 0:
		o.MaxBackoff = DefaultMaxBackoff
	case o.MaxBackoff < 0:
		return o, fmt.Errorf("update: Options.MaxBackoff: must not be negative")
	}
	switch {
	case o.MaxBodyBytes == 0:
		o.MaxBodyBytes = DefaultMaxBodyBytes
	case o.MaxBodyBytes < 0:
		return o, fmt.Errorf("update: Options.MaxBodyBytes: must not be negative")
	}
	return o, nil
}
