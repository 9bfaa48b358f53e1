package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
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

// TestWakesReserve: a Create claims for a waiting Dequeue only while one
// is free: not spoken for by a counted job, an owed look or another
// Create's reservation; a resolved reservation frees it, and a queued job
// or a failed Create has it look.
func TestWakesReserve(t *testing.T) {
	t.Parallel()
	w := newWakes()
	assert.Nil(t, w.reserve(), "no waiter")
	a, b := w.wait("a", time.Second), w.wait("b", time.Second)
	assert.Same(t, a, w.reserve(), "the oldest free waiter")
	assert.Same(t, b, w.reserve(), "the other")
	assert.Nil(t, w.reserve(), "both reserved")

	job := &asyncjob.Job{ID: "j"}
	w.resolve(a, job, 0, false)
	<-a.ready
	assert.Same(t, job, a.job)
	assert.False(t, w.woke(a), "resolved")
	assert.Equal(t, 0, looks(w), "a claimed job is not counted")

	w.resolve(b, nil, 5, false)
	<-b.ready
	assert.Nil(t, b.job)
	assert.Equal(t, 1, looks(w), "the queued job is counted")
	assert.False(t, w.woke(b))

	c := w.wait("c", time.Second)
	w.owe()
	assert.Nil(t, w.reserve(), "the only waiter is spoken for by the owed look")
	assert.Equal(t, 1, looks(w))
	assert.Same(t, c, w.reserve())
	assert.True(t, w.woke(c), "still reserved: the caller waits for the answer")
	w.resolve(c, nil, 0, true)
	<-c.ready
	assert.Equal(t, 1, looks(w), "a failed Create owes a look")
	assert.EqualValues(t, 0, w.reserved)
	assert.Empty(t, w.waiters)
}

// TestWakesAnsweredWaiterIsNotReservedAgain: a waiter that a Create has
// answered waits no more, so a second Create cannot reserve it before it
// wakes (and overwrite the job the first claimed for it).
func TestWakesAnsweredWaiterIsNotReservedAgain(t *testing.T) {
	t.Parallel()
	w := newWakes()
	a := w.wait("a", time.Second)
	require.Same(t, a, w.reserve())
	w.resolve(a, &asyncjob.Job{ID: "first"}, 0, false)
	assert.Nil(t, w.reserve(), "a is answered")
	assert.False(t, w.woke(a))
	assert.Equal(t, "first", a.job.ID)
}
