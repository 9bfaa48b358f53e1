package redisstore

import "sync"

// wakes decides when an idle Dequeue of this store looks at the queue
// again, so that a look costs a round trip only when it may find a job.
//
// pending counts the queued jobs that no look of this store has set out to
// claim. Each Create publishes its job's submission number ("w <n>"); a
// number above horizon, the highest one accounted for, adds one. Each
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
// (quiet) before its script runs and announces its own number here when
// the script returns, so the job goes to a worker of the instance that
// submitted it without a message, which would cost Redis a write to every
// subscriber and each instance a wake-up (see [Store.Create]).
type wakes struct {
	mu       sync.Mutex
	pending  int64
	inflight int64
	horizon  int64
	owed     int64
	waiting  int64 // Dequeues waiting for a wake-up
	quiet    int64 // Creates that reserved a waiter and have not announced
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

// wait records a Dequeue that starts to wait for a wake-up; woke ends it.
func (w *wakes) wait() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting++
}

func (w *wakes) woke() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waiting = max(w.waiting-1, 0)
}

// reserve reports whether a Create may go without a wake-up message: a
// waiting Dequeue is free, not spoken for by a counted job, an owed look or
// another reservation. If so the Create must call [wakes.announceQuiet]
// when its script returns, with its submission number or 0 when it stored
// nothing.
func (w *wakes) reserve() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting <= w.pending+w.owed+w.quiet {
		return false
	}
	w.quiet++
	return true
}

// announceQuiet ends a reservation: n is the submission number of the job
// the Create stored (0: none), announced as its message would have been.
// It reports whether a waiting Dequeue should be woken.
func (w *wakes) announceQuiet(n int64) bool {
	w.mu.Lock()
	w.quiet = max(w.quiet-1, 0)
	w.mu.Unlock()
	if n <= 0 {
		return false
	}
	return w.announce(n)
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
