package poll

import (
	"net/http"
	"time"

	"github.com/httpsem/httpsem/internal/header"
)

// retryAfter returns the wait a response asks for with Retry-After (RFC 9110
// §10.2.3): delay-seconds, or an HTTP-date. A date is measured against the
// response's own Date when that is valid, so a client whose clock is off
// still waits what the server meant; otherwise against now. ok is false
// when the field is absent or invalid. The result may be negative (a date
// in the past); it never overflows.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := h["Retry-After"]
	if len(v) == 0 {
		return 0, false
	}
	s := header.TrimOWS(v[0])
	if n, ok := header.ParseDeltaSeconds(s); ok {
		return time.Duration(n) * time.Second, true
	}
	at, ok := header.ParseHTTPDate(s, now)
	if !ok {
		return 0, false
	}
	ref := now.Unix()
	if dv := h["Date"]; len(dv) > 0 {
		if date, ok := header.ParseHTTPDate(header.TrimOWS(dv[0]), now); ok {
			ref = date
		}
	}
	// HTTP-dates span ten millennia; clamp before converting so the
	// nanoseconds cannot overflow.
	secs := max(min(at-ref, header.MaxDeltaSeconds), -header.MaxDeltaSeconds)
	return time.Duration(secs) * time.Second, true
}

// delay is the wait before the next request after a response with header h
// (nil after a transport error): Retry-After or Options.Interval, clamped to
// [MinInterval, MaxInterval].
func (p *Poller) delay(h http.Header) time.Duration {
	d, ok := retryAfter(h, p.opts.Now())
	if !ok {
		d = p.opts.Interval
	}
	return min(max(d, p.opts.MinInterval), p.opts.MaxInterval)
}
