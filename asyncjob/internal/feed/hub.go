package feed

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Read reads the record id: its version and whether it is final (no later
// version will follow). An error matching Options.Gone ends the watch;
// any other error is retried at the next message or tick.
type Read[T any] func(ctx context.Context, id string) (rec T, version uint64, final bool, err error)

// Options configures a [Hub]. Every field is required.
type Options[T any] struct {
	// Read reads a watched record; a watcher reads on its own goroutine,
	// so Read must be safe for concurrent use.
	Read Read[T]
	// Gone is the error of Read for a record that no longer exists
	// (matched with errors.Is): the watch ends without sending.
	Gone error
	// Closed is the error Watch returns after Close.
	Closed error
	// Interval is how often a watcher reads its record when no message
	// came; it must be positive.
	Interval time.Duration
}

// Hub fans a store's feed messages out to its watchers and waiting
// workers. It is safe for concurrent use.
type Hub[T any] struct {
	opts   Options[T]
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	work   chan struct{} // a token: work may be available

	mu       sync.Mutex
	watchers map[string]map[*watcher[T]]struct{}
	closed   bool
}

// New returns a Hub. It starts nothing until the first Watch.
func New[T any](opts Options[T]) *Hub[T] {
	if opts.Read == nil || opts.Gone == nil || opts.Closed == nil || opts.Interval <= 0 {
		panic("feed: New: Read, Gone, Closed and a positive Interval are required")
	}
	h := &Hub[T]{
		opts:     opts,
		work:     make(chan struct{}, 1),
		watchers: make(map[string]map[*watcher[T]]struct{}),
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// Close ends every watch (closing its channel), makes later Watch calls
// return Options.Closed and waits for the watchers' goroutines. It is
// idempotent.
func (h *Hub[T]) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}

// SignalWork wakes one waiting Dequeue (or the next to wait). One token,
// not a broadcast: a worker that finds a job passes the token on, so a
// burst of work wakes workers one by one instead of all of them for every
// job.
func (h *Hub[T]) SignalWork() {
	select {
	case h.work <- struct{}{}:
	default:
	}
}

// Work is the channel a waiting Dequeue receives the token from.
func (h *Hub[T]) Work() <-chan struct{} { return h.work }

// Dispatch routes one feed message. A malformed message is ignored: the
// periodic reads make up for anything it might have meant.
func (h *Hub[T]) Dispatch(payload string) {
	if payload == "w" {
		h.SignalWork()
		return
	}
	vs, id, ok := strings.Cut(payload, " ")
	if !ok {
		return
	}
	v, err := strconv.ParseUint(vs, 10, 64)
	if err != nil {
		return
	}
	h.mu.Lock()
	for w := range h.watchers[id] {
		w.poke(v)
	}
	h.mu.Unlock()
}

// Resync runs when the store's subscription is (re)established: anything
// sent while it was down is lost, so a waiting worker looks at the queue
// again and every watcher re-reads its record.
func (h *Hub[T]) Resync() {
	h.SignalWork()
	h.mu.Lock()
	for _, ws := range h.watchers {
		for w := range ws {
			w.poke(0)
		}
	}
	h.mu.Unlock()
}

// Watch sends the record id each time its version grows past after, and
// closes the channel after a final record, when the record is gone, when
// ctx ends or at Close. The watcher is registered before the record is
// first read, so no change between the two is missed; each message makes
// it read the record again, and it sends a record only when its version is
// newer than the last one sent (replacing one the receiver has not taken
// yet, so a slow receiver gets the latest record, never a backlog). A
// first read that fails is Watch's error; later failures are retried.
func (h *Hub[T]) Watch(ctx context.Context, id string, after uint64) (<-chan T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &watcher[T]{id: id, pokes: make(chan struct{}, 1), ch: make(chan T, 1), last: after}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, h.opts.Closed
	}
	ws := h.watchers[id]
	if ws == nil {
		ws = make(map[*watcher[T]]struct{})
		h.watchers[id] = ws
	}
	ws[w] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()

	rec, v, final, err := h.opts.Read(ctx, id)
	if err != nil {
		h.unwatch(w)
		h.wg.Done()
		return nil, err
	}
	if w.offer(rec, v, final) {
		h.unwatch(w)
		h.wg.Done()
		close(w.ch)
		return w.ch, nil
	}
	go h.watch(ctx, w)
	return w.ch, nil
}

// watcher is one Watch call: a goroutine that reads the record when poked
// and hands the latest newer version to the caller.
type watcher[T any] struct {
	id    string
	pokes chan struct{} // capacity 1: pending "re-read"
	ch    chan T
	last  uint64 // version last sent; owned by the goroutine
	seen  uint64 // highest version announced; guarded by Hub.mu
}

// poke asks the watcher to re-read its record; v is the announced version
// (0 = unknown, always re-read). An announcement no newer than one already
// seen is dropped: that read is pending or done. Callers hold Hub.mu.
func (w *watcher[T]) poke(v uint64) {
	if v != 0 && v <= w.seen {
		return
	}
	w.seen = max(w.seen, v)
	select {
	case w.pokes <- struct{}{}:
	default:
	}
}

// offer sends rec when it is newer than what was sent and reports whether
// the feed is over (rec is final). The goroutine that calls it is the only
// sender, so the send after the drain never blocks.
func (w *watcher[T]) offer(rec T, v uint64, final bool) (done bool) {
	if v > w.last {
		select {
		case <-w.ch:
		default:
		}
		w.ch <- rec
		w.last = v
	}
	return final
}

func (h *Hub[T]) watch(ctx context.Context, w *watcher[T]) {
	defer h.wg.Done()
	defer close(w.ch)
	defer h.unwatch(w)
	tick := time.NewTicker(h.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.ctx.Done():
			return
		case <-w.pokes:
		case <-tick.C:
		}
		rec, v, final, err := h.opts.Read(ctx, w.id)
		switch {
		case errors.Is(err, h.opts.Gone):
			return // forgotten
		case err != nil:
			continue // unreachable: the next poke or tick retries
		}
		if w.offer(rec, v, final) {
			return
		}
	}
}

func (h *Hub[T]) unwatch(w *watcher[T]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ws := h.watchers[w.id]; ws != nil {
		delete(ws, w)
		if len(ws) == 0 {
			delete(h.watchers, w.id)
		}
	}
}
