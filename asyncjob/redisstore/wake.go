package redisstore

import (
	"slices"
	"sync"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// wakes decides when an idle Dequeue of this store looks at the queue
// again, so that a look costs a round trip only when it may find a job.
//
// pending counts the queued jobs that no look of this store has set out to
// claim. Each Create that queues a job publishes its submission number
// ("w <n>"; one that claims for a waiter of its own store publishes
// nothing, see below); a number above horizon, the highest one accounted
// for, adds one. Each
// claim's reply tells how many jobs are still queued and the highest
// number among them: pending becomes at least that count less the other
// looks in flight (which will claim some of them), and the horizon moves
// up to that number, so the messages of jobs the reply counted add
// nothing. Counts only rise from messages and replies and fall only when
// a look sets out, so a message that arrives before a reply that predates
// it is never lost: at worst a look finds nothing.
//
// A look is also owed without a number: after Release (its "w" names no
// job: the job is taken over from its ended lease), after the
// subscription is established (jobs queued before) or re-established
// (messages sent while it was down are lost). And a waiting Dequeue looks
// when its wait times out, at the earliest lease end and after
// Options.PollInterval in any case, so that a lost message costs latency,
// never a job. The counts are per store: a job another instance claims
// still costs one look here that finds nothing, as any wake-up shared
// between instances does.
//
// A Create made while this store has a waiting Dequeue that no counted job
// or owed look has spoken for publishes nothing: it reserves that waiter
// before its script runs, and the script claims the job for it (or, when
// jobs are queued before it, queues the job, and the Create announces its
// number here and has the waiter look), so the job goes to a worker of the
// instance that submitted it without a message, which would cost Redis a
// write to every subscriber and each instance a wake-up, and without a
// Dequeue round trip (see [Store.Create]). A reserved waiter stays until
// its Create resolves the reservation.
type wakes struct {
	mu       sync.Mutex
	pending  int64
	inflight int64
	horizon  int64
	owed     int64
	waiters  []*waiter // Dequeues waiting for a wake-up, oldest first
	reserved int64     // how many of them a Create has reserved
}

// waiter is one waiting Dequeue: its worker and lease, for a Create that
// claims a job for it.
type waiter struct {
	worker string
	lease  time.Duration
	// ready receives the reserving Create's answer; job (nil: none, look
	// again) is set before, under the wakes lock.
	ready    chan struct{}
	job      *asyncjob.Job
	reserved bool
}

// maxOwed bounds the looks owed without a number: a burst of releases
// needs only as many looks as there are waiting workers, and a look that
// finds more queued passes the wake-up on through pending.
const maxOwed = 1 << 10

func newWakes() *wakes { return &wakes{} }

// announce records the Create of submission number n. It reports whether
// a waiting Dequeue should be woken.
func (w *wakes) announce(n int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > w.horizon {
		w.horizon = n
		w.pending++
	}
	return w.pending > 0
}

// wait records a Dequeue of worker, with lease, that starts to wait for a
// wake-up; woke ends the wait.
func (w *wakes) wait(worker string, lease time.Duration) *waiter {
	wt := &waiter{worker: worker, lease: lease, ready: make(chan struct{}, 1)}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiters = append(w.waiters, wt)
	return wt
}

// woke removes wt from the waiters. It reports whether a Create still holds
// wt reserved: the caller must then wait for wt.ready, after which wt.job
// is final.
func (w *wakes) woke(wt *waiter) (reserved bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.remove(wt)
	return wt.reserved
}

// remove takes wt off the waiters; the caller holds w.mu.
func (w *wakes) remove(wt *waiter) {
	if i := slices.Index(w.waiters, wt); i >= 0 {
		w.waiters = slices.Delete(w.waiters, i, i+1)
	}
}

// reserve returns a waiting Dequeue that a Create may claim its job for,
// or nil: one is reserved only while a waiter is free, not spoken for by
// a counted job, an owed look or another reservation. The Create must
// call [wakes.resolve] with it when its script returns.
func (w *wakes) reserve() *waiter {
	w.mu.Lock()
	defer w.mu.Unlock()
	if int64(len(w.waiters))-w.reserved <= w.pending+w.owed {
		return nil
	}
	for _, wt := range w.waiters {
		if !wt.reserved {
			wt.reserved = true
			w.reserved++
			return wt
		}
	}
	return nil
}

// resolve ends wt's reservation: job is what the Create claimed for it;
// else n is the submission number of the job it queued (0: none), counted
// as its message would have been, and failed tells that the Create failed
// after it may have stored a job, which owes a look. wt then looks again.
func (w *wakes) resolve(wt *waiter, job *asyncjob.Job, n int64, failed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Answered, wt waits no more: no other Create may reserve it, which
	// would overwrite its job.
	w.remove(wt)
	wt.reserved = false
	w.reserved = max(w.reserved-1, 0)
	wt.job = job
	switch {
	case job != nil:
	case failed:
		w.owed = min(w.owed+1, maxOwed)
	case n > w.horizon:
		w.horizon = n
		w.pending++
	}
	wt.ready <- struct{}{} // buffered, and a waiter is answered once
}

// owe records a look owed without a submission number.
func (w *wakes) owe() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.owed = min(w.owed+1, maxOwed)
}

// take reports whether a waiting Dequeue should look now; if so the look
// is in flight until [wakes.done], and reserved tells whether it set out
// for a counted job (else it was owed). more reports whether another waiting
// Dequeue should be woken too (the wake-up signal holds one token, so a
// burst of messages wakes one waiter, which passes it on).
func (w *wakes) take() (ok, reserved, more bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.owed > 0:
		w.owed--
	case w.pending > 0:
		w.pending--
		reserved = true
	default:
		return false, false, false
	}
	w.inflight++
	return true, reserved, w.owed > 0 || w.pending > 0
}

// look records a look that takes nothing: one after a timed-out wait.
func (w *wakes) look() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight++
}

// done ends a look. reserved is take's; claimed is the submission number
// of the job the look claimed from the queue (0: none, or one taken over
// from an ended lease), queued how many jobs its reply said are still
// queued and last the highest submission number among them (0 when none
// is, or the reply did not say). It reports whether a waiting Dequeue
// should be woken.
func (w *wakes) done(reserved bool, claimed, queued, last int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight = max(w.inflight-1, 0)
	if !reserved && claimed > 0 && claimed <= w.horizon {
		// An owed look claimed a job that was counted: uncount it. (Were
		// that wrong, the line below restores the count from the truth.)
		w.pending = max(w.pending-1, 0)
	}
	w.pending = max(w.pending, queued-w.inflight)
	// Claims follow submission order, so every number up to last is
	// claimed or counted in queued; messages about them add nothing.
	w.horizon = max(w.horizon, claimed, last)
	return w.pending > 0
}
