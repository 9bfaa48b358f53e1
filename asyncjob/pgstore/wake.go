package pgstore

import "sync"

// wakes decides when the claimer looks at the queue for its waiting
// Dequeues, so that a look costs a round trip only when it may find a job,
// and one look serves every worker waiting.
//
// avail counts the jobs that may be waiting unclaimed: each Create of this
// store adds one, each CreateBatch its size, and every hint without a
// count (a "w" notification from another instance or from a caller's
// transaction, a Release, the listener's (re)connection) adds one, for a
// look. A look that claims fewer jobs than it asked for saw an empty queue
// (every job committed before it began was visible to it): avail is then
// what was announced while it was in flight, which it may not have seen.
// A look that got all it asked for leaves what avail had beyond them, at
// least one more look. Jobs nobody announced (a lease that ended, a job
// written with plain SQL, a lost notification) are found by the look the
// claimer makes every Options.PollInterval while workers wait.
type wakes struct {
	mu     sync.Mutex
	avail  int64
	total  int64         // every announcement so far, summed
	signal chan struct{} // capacity 1: to the claimer, avail grew
}

func newWakes() *wakes {
	// One look at the start: jobs may be waiting from before.
	return &wakes{avail: 1, signal: make(chan struct{}, 1)}
}

// announce records n jobs that may be waiting and wakes the claimer.
func (w *wakes) announce(n int) {
	w.mu.Lock()
	w.avail += int64(n)
	w.total += int64(n)
	w.mu.Unlock()
	w.poke()
}

// poke wakes the claimer without announcing anything (a waiting Dequeue
// gave up).
func (w *wakes) poke() {
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

// want reports whether a look may find a job, and the mark to give done.
func (w *wakes) want() (bool, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.avail > 0, w.total
}

// done records a look that began at mark, asked for asked jobs and got got.
func (w *wakes) done(mark int64, asked, got int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if got < asked {
		w.avail = min(w.avail, w.total-mark)
		return
	}
	w.avail = max(w.avail-int64(got), 1)
}
