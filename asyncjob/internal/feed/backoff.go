package feed

import "time"

// MinBackoff is the first wait of a [Backoff].
const MinBackoff = 50 * time.Millisecond

// Backoff is the wait of a feed connection's loop before it reconnects:
// MinBackoff, doubling after every failure up to Max, back to MinBackoff
// after Reset (a connection that worked). Doubling keeps a down server
// from being hammered by every instance at once; the cap bounds how long
// a recovered server waits to be noticed. Call Stop when the loop ends.
type Backoff struct {
	// Max caps the wait; it must be at least MinBackoff.
	Max time.Duration
	// Done ends a Sleep early (the store closes).
	Done <-chan struct{}

	d     time.Duration
	timer reusedTimer
}

// Current is the wait the last Sleep used, 0 before the first one or
// after Reset.
func (b *Backoff) Current() time.Duration { return b.d }

// Reset makes the next Sleep the shortest again.
func (b *Backoff) Reset() { b.d = 0 }

// Sleep waits the next backoff; it reports false when Done closed first.
func (b *Backoff) Sleep() bool {
	b.d = min(max(2*b.d, MinBackoff), b.Max)
	select {
	case <-b.Done:
		return false
	case <-b.timer.after(b.d):
		return true
	}
}

// Stop releases the timer.
func (b *Backoff) Stop() { b.timer.stop() }

// reusedTimer is one timer for a whole loop instead of one per round.
type reusedTimer struct{ t *time.Timer }

func (r *reusedTimer) after(d time.Duration) <-chan time.Time {
	if r.t == nil {
		r.t = time.NewTimer(d)
	} else {
		// Since Go 1.23 Reset also discards a value the channel still
		// holds, so the wait never ends on a stale tick.
		r.t.Reset(d)
	}
	return r.t.C
}

func (r *reusedTimer) stop() {
	if r.t != nil {
		r.t.Stop()
	}
}
