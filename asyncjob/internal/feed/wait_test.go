package feed

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestIdle(t *testing.T) {
	t.Parallel()
	closedCh := make(chan struct{})
	close(closedCh)
	woken := make(chan struct{}, 1)
	woken <- struct{}{}
	never := make(chan struct{})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name      string
		ctx       context.Context
		closed    <-chan struct{}
		wake      <-chan struct{}
		d         time.Duration
		wantCheck error
		wantWait  error
	}{
		{"wake", context.Background(), never, woken, time.Hour, nil, nil},
		{"timer", context.Background(), never, never, time.Nanosecond, nil, nil},
		{"no Closed channel", context.Background(), nil, never, time.Nanosecond, nil, nil},
		{"closed", context.Background(), closedCh, never, time.Hour, errClosed, errClosed},
		// The caller's deadline wins over a concurrent Close in Check.
		{"ctx ended and closed", canceled, closedCh, never, time.Hour, context.Canceled, nil},
		{"ctx ended", canceled, never, never, time.Hour, context.Canceled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := Idle{Closed: tt.closed, ErrClosed: errClosed}
			defer w.Stop()
			assert.ErrorIs(t, w.Check(tt.ctx), tt.wantCheck)
			err := w.Wait(tt.ctx, tt.wake, tt.d)
			if tt.name == "ctx ended and closed" {
				// Both are ready: either answer is right, and it is an error.
				assert.Error(t, err)
				return
			}
			if tt.wantWait == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantWait)
			}
		})
	}
}

// TestIdleWaitOr: the waiter's own wake-up ends the wait as the shared one
// does, and WaitOr tells the shared one apart, so a waiter that cannot use
// it can pass it on.
func TestIdleWaitOr(t *testing.T) {
	t.Parallel()
	ready := func() chan struct{} {
		c := make(chan struct{}, 1)
		c <- struct{}{}
		return c
	}
	never := make(chan struct{})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name       string
		ctx        context.Context
		wake, own  <-chan struct{}
		d          time.Duration
		wantShared bool
		wantErr    error
	}{
		{"shared", context.Background(), ready(), never, time.Hour, true, nil},
		{"own", context.Background(), never, ready(), time.Hour, false, nil},
		{"timer", context.Background(), never, never, time.Nanosecond, false, nil},
		{"ctx ended", canceled, never, never, time.Hour, false, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := Idle{ErrClosed: errClosed}
			defer w.Stop()
			shared, err := w.WaitOr(tt.ctx, tt.wake, tt.own, tt.d)
			assert.Equal(t, tt.wantShared, shared)
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
	closed := make(chan struct{})
	close(closed)
	w := Idle{Closed: closed, ErrClosed: errClosed}
	defer w.Stop()
	_, err := w.WaitOr(context.Background(), never, never, time.Hour)
	assert.ErrorIs(t, err, errClosed)
}

// The timer is reused: a second Wait after a wake does not fire early from
// the first one's timer, and many rounds make one timer.
func TestIdleReusesTimer(t *testing.T) {
	t.Parallel()
	w := Idle{}
	defer w.Stop()
	wake := make(chan struct{}, 1)
	for range 3 {
		wake <- struct{}{}
		assert.NoError(t, w.Wait(context.Background(), wake, time.Hour))
	}
	first := w.timer.t
	assert.NoError(t, w.Wait(context.Background(), nil, time.Nanosecond))
	assert.Same(t, first, w.timer.t)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	// The rows sleep 50 to 150 ms in all.
	tests := []struct {
		name  string
		max   time.Duration
		steps int // Sleeps before the check
		reset bool
		want  time.Duration
	}{
		{"before any", MinBackoff, 0, false, 0},
		{"first is the minimum", 4 * MinBackoff, 1, false, MinBackoff},
		{"doubles", 4 * MinBackoff, 2, false, 2 * MinBackoff},
		{"capped", MinBackoff, 3, false, MinBackoff},
		{"reset", 4 * MinBackoff, 2, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := Backoff{Max: tt.max}
			defer b.Stop()
			for range tt.steps {
				// Done is nil: each Sleep ends on its timer, so it is true.
				assert.True(t, b.Sleep())
			}
			if tt.reset {
				b.Reset()
			}
			assert.Equal(t, tt.want, b.Current())
		})
	}
}

func TestBackoffEndsOnDone(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	close(done)
	b := Backoff{Max: time.Hour, Done: done}
	defer b.Stop()
	b.d = time.Hour // the next wait would be an hour
	assert.False(t, b.Sleep())
}
