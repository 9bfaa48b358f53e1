package webhook

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// backoff returns the wait after the attempt-th failure (attempt ≥ 1): a
// uniform random duration in [0, min(max, initial·2^(attempt-1))), the "full
// jitter" that keeps many senders failing together from retrying together.
// A Retry-After request lengthens the wait, capped at max like the rest.
func (s *Sender) backoff(attempt int, retryAfter time.Duration) time.Duration {
	ceiling := s.initial
	for i := 1; i < attempt && ceiling < s.max; i++ {
		if ceiling > s.max/2 {
			ceiling = s.max // doubling would pass max, or overflow
			break
		}
		ceiling *= 2
	}
	wait := time.Duration(s.randN(int64(ceiling)))
	if retryAfter > wait {
		wait = min(retryAfter, s.max)
	}
	return wait
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date (RFC
// 9110 §10.2.3). Missing, malformed or past values mean no request.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleep waits for d or until ctx ends, whichever is first, and returns
// ctx.Err() in the latter case. A timer, not time.Sleep, so cancellation is
// immediate.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
