package cache

import (
	"time"

	"github.com/httpsem/httpsem/internal/header"
)

// MaxDeltaSeconds is the largest delta-seconds value this package represents:
// 2^31 seconds, about 68 years. RFC 9111 §1.2.2 tells a recipient to use this
// value for any larger argument, so parsing and [Seconds] clamp to it.
const MaxDeltaSeconds = header.MaxDeltaSeconds

// Delta is a delta-seconds directive argument (RFC 9111 §1.2.2): a whole number
// of seconds from 0 to [MaxDeltaSeconds], or absent. The zero Delta is absent,
// so a [Control] literal names only the directives it sets:
//
//	cache.Control{Public: true, MaxAge: cache.Seconds(60)}
type Delta struct {
	secs int64
	set  bool
}

// Seconds returns a present Delta of n seconds. Negative n becomes 0 and values
// above [MaxDeltaSeconds] become MaxDeltaSeconds, so every Delta is valid on
// the wire.
func Seconds(n int64) Delta {
	return Delta{secs: clampSeconds(n), set: true}
}

// FromDuration returns a present Delta of d rounded down to whole seconds,
// clamped like [Seconds].
func FromDuration(d time.Duration) Delta {
	return Seconds(int64(d / time.Second))
}

func clampSeconds(n int64) int64 {
	switch {
	case n < 0:
		return 0
	case n > MaxDeltaSeconds:
		return MaxDeltaSeconds
	}
	return n
}

// IsSet reports whether the directive is present.
func (d Delta) IsSet() bool { return d.set }

// Seconds returns the number of seconds, or 0 when d is absent; use
// [Delta.IsSet] to tell an absent directive from an explicit zero.
func (d Delta) Seconds() int64 { return d.secs }

// Duration returns d as a time.Duration, or 0 when d is absent.
func (d Delta) Duration() time.Duration { return time.Duration(d.secs) * time.Second }
