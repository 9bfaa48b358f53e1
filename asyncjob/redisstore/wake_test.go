package redisstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// looks counts how many looks wakes allows in a row before it says wait.
func looks(w *wakes) int {
	n := 0
	for ; n < 100; n++ {
		if ok, _, _ := w.take(); !ok {
			break
		}
		w.done(false, 0, 0, 0) // found nothing: the count is what it was
	}
	return n
}

// TestWakes: the looks an idle Dequeue makes for each sequence of feed
// messages and script replies. A look must happen whenever a job may be
// queued that no look set out for (else the job waits for PollInterval),
// and should not happen otherwise (else it is a round trip for nothing).
func TestWakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		steps func(w *wakes)
		looks int
	}{
		{"nothing announced", func(*wakes) {}, 0},
		{"a create", func(w *wakes) { w.announce(1) }, 1},
		{"three creates", func(w *wakes) { w.announce(1); w.announce(2); w.announce(3) }, 3},
		{"the same message twice", func(w *wakes) { w.announce(4); w.announce(4) }, 1},
		{"a create, claimed by the look it woke", func(w *wakes) {
			w.announce(1)
			ok, reserved, _ := w.take()
			assert.True(t, ok)
			assert.True(t, reserved)
			w.done(reserved, 1, 0, 0)
		}, 0},
		{"a create claimed by an owed look, message first", func(w *wakes) {
			w.owe()
			w.announce(7)
			ok, reserved, _ := w.take()
			assert.True(t, ok)
			assert.False(t, reserved, "the owed look goes first")
			w.done(reserved, 7, 0, 0)
		}, 0},
		{"a create claimed by an owed look, reply first", func(w *wakes) {
			w.owe()
			_, reserved, _ := w.take()
			w.done(reserved, 7, 0, 0)
			w.announce(7) // the message of a job already claimed
		}, 0},
		{"a backlog found by the look owed at subscription", func(w *wakes) {
			w.owe()
			_, reserved, _ := w.take()
			w.done(reserved, 1, 4, 5) // claimed 1; 2..5 still queued, never announced here
			w.announce(3)             // late messages of counted jobs add nothing
			w.announce(5)
		}, 4},
		{"a message newer than the reply counts", func(w *wakes) {
			w.owe()
			_, reserved, _ := w.take()
			w.done(reserved, 1, 1, 2)
			w.announce(3)
		}, 2},
		{"a reply counts the other looks in flight", func(w *wakes) {
			w.announce(1)
			w.announce(2)
			w.announce(3)
			_, r1, _ := w.take()
			_, r2, _ := w.take() // in flight
			w.done(r1, 1, 2, 3)  // 2 and 3 queued; the look in flight takes one
			_ = r2
		}, 1},
		{"a release", func(w *wakes) { w.owe() }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWakes()
			tc.steps(w)
			assert.Equal(t, tc.looks, looks(w))
		})
	}
}

func TestWakesOwedCap(t *testing.T) {
	t.Parallel()
	w := newWakes()
	for range 2 * maxOwed {
		w.owe()
	}
	assert.EqualValues(t, maxOwed, w.owed)
}

// TestWakesReserve: a Create goes without a message only while a waiting
// Dequeue is free: not spoken for by a counted job, an owed look or
// another Create's reservation.
func TestWakesReserve(t *testing.T) {
	t.Parallel()
	w := newWakes()
	assert.False(t, w.reserve(), "no waiter")
	w.wait()
	w.wait()
	assert.True(t, w.reserve(), "two free waiters")
	assert.True(t, w.reserve(), "one free waiter")
	assert.False(t, w.reserve(), "both reserved")
	assert.True(t, w.announceQuiet(5), "the stored job wakes a waiter")
	assert.False(t, w.announceQuiet(0), "a Create that stored nothing")
	assert.Equal(t, 1, looks(w), "one job announced")
	w.owe()
	assert.True(t, w.reserve(), "one waiter for the owed look, the other free")
	assert.False(t, w.reserve(), "the other reserved")
	w.woke()
	w.woke()
	w.woke() // more than waited: stays at zero
	assert.False(t, w.reserve())
	assert.EqualValues(t, 0, w.waiting)
}
