package feed

import (
	"context"
	"time"
)

// Idle is the wait of a Dequeue loop between two looks at the queue: it
// keeps one timer for the whole loop instead of one per round. The zero
// value waits with no Closed channel (a store that cannot be closed).
// Call Stop when the loop ends.
type Idle struct {
	// Closed ends every wait with ErrClosed; nil never does.
	Closed <-chan struct{}
	// ErrClosed is what Check and Wait return once Closed is closed.
	ErrClosed error

	timer reusedTimer
}

// Check reports why the loop must not look at the queue again: ctx's
// error first (the caller's deadline wins over a concurrent Close), then
// ErrClosed; nil when it may.
func (w *Idle) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-w.Closed:
		return w.ErrClosed
	default:
		return nil
	}
}

// Wait blocks until wake fires or d passes (nil: look again), ctx ends
// (ctx.Err()) or Closed closes (ErrClosed).
func (w *Idle) Wait(ctx context.Context, wake <-chan struct{}, d time.Duration) error {
	_, err := w.WaitOr(ctx, wake, nil, d) // a nil channel never fires
	return err
}

// WaitOr is Wait with a second wake-up channel, own: a wake-up addressed
// to this waiter alone. It reports whether wake (the shared one) fired, so
// that a waiter that cannot use that wake-up can pass it on.
func (w *Idle) WaitOr(ctx context.Context, wake, own <-chan struct{}, d time.Duration) (shared bool, err error) {
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-w.Closed:
		return false, w.ErrClosed
	case <-wake:
		return true, nil
	case <-own:
	case <-w.timer.after(d):
	}
	return false, nil
}

// Stop releases the timer.
func (w *Idle) Stop() { w.timer.stop() }
