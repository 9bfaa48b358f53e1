package redisstore

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/httpsem/httpsem/asyncjob"
)

// The change feed is one Pub/Sub channel per store, "{prefix}:feed". Every
// change of a Version publishes "<version> <job ID>"; Create and Release
// publish "w" (work is available). Each Store holds one subscription and
// fans the messages out to its watchers and waiting workers, so a Watch
// costs no Redis round trip beyond reading the record, and a store with
// thousands of SSE clients holds one connection for them.
//
// Pub/Sub delivers at most once: messages sent while the subscription is
// down are lost. The feed therefore makes every watcher re-read its record
// whenever the subscription is (re)established, and every
// Options.WatchInterval in any case; the records in Redis, not the
// messages, are the truth, so the latest record is never lost.

// feed runs the subscription until Close.
func (s *Store) feed() {
	defer s.wg.Done()
	var (
		backoff time.Duration
		pinged  bool
		timer   *time.Timer
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	sleep := func(d time.Duration) bool {
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-s.ctx.Done():
			return false
		case <-timer.C:
			return true
		}
	}
	ps := s.subscribe()
	for ps != nil {
		msg, err := ps.ReceiveTimeout(s.ctx, s.hint)
		if s.ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if !pinged {
					// Silence: ask for a Pong, which proves the connection.
					pinged = true
					_ = ps.Ping(s.ctx)
					continue
				}
				// No answer to the ping: the connection is half-open.
				s.log.Warn("redisstore: change feed unresponsive, reconnecting")
			} else {
				s.log.Warn("redisstore: change feed failed", "err", err)
				backoff = min(max(2*backoff, 50*time.Millisecond), time.Second)
				if !sleep(backoff) {
					return
				}
				// go-redis reconnects and resubscribes on the next receive.
				continue
			}
			// Replace the subscription: a fresh one resubscribes, and its
			// confirmation resyncs every watcher.
			_ = ps.Close()
			pinged = false
			if ps = s.subscribe(); ps == nil {
				return
			}
			continue
		}
		pinged, backoff = false, 0
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				s.resync()
			}
		case *redis.Message:
			s.dispatch(m.Payload)
		}
	}
}

// subscribe opens the store's subscription, or returns nil after Close.
// A failing SUBSCRIBE (Redis down) is retried by the next receive.
func (s *Store) subscribe() *redis.PubSub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.hint)
	defer cancel()
	s.ps = s.rdb.Subscribe(ctx, s.channel)
	return s.ps
}

// dispatch routes one feed message.
func (s *Store) dispatch(payload string) {
	if payload == "w" {
		s.signalWork()
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
	s.mu.Lock()
	for w := range s.watchers[id] {
		w.poke(v)
	}
	s.mu.Unlock()
}

// resync runs when the subscription is (re)established: anything published
// while it was down is lost, so waiting workers look at the queue again and
// every watcher re-reads its job.
func (s *Store) resync() {
	s.signalWork()
	s.mu.Lock()
	for _, ws := range s.watchers {
		for w := range ws {
			w.poke(0)
		}
	}
	s.mu.Unlock()
}

// watcher is one Watch call: a goroutine that reads the record when poked
// and hands the latest newer version to the caller.
type watcher struct {
	id    string
	pokes chan struct{} // capacity 1: pending "re-read"
	ch    chan *asyncjob.Job
	last  uint64 // Version last sent; owned by the goroutine
	seen  uint64 // highest Version announced; guarded by Store.mu
}

// poke asks the watcher to re-read its record; v is the announced Version
// (0 = unknown). Callers hold Store.mu.
func (w *watcher) poke(v uint64) {
	if v != 0 && v <= w.seen {
		return
	}
	if v > w.seen {
		w.seen = v
	}
	select {
	case w.pokes <- struct{}{}:
	default:
	}
}

// Watch implements [asyncjob.Store]. The watcher is registered before the
// record is first read, so no change between the two is missed; each
// notification makes it read the record again, and it sends a record only
// when its Version is newer than the last one sent (replacing one the
// receiver has not taken yet). It reads on its own every
// Options.WatchInterval and after a reconnection of the feed, because
// Pub/Sub may lose messages. A watcher that cannot reach Redis keeps
// trying until ctx ends.
func (s *Store) Watch(ctx context.Context, id string, after uint64) (<-chan *asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &watcher{id: id, pokes: make(chan struct{}, 1), ch: make(chan *asyncjob.Job, 1), last: after}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	ws := s.watchers[id]
	if ws == nil {
		ws = make(map[*watcher]struct{})
		s.watchers[id] = ws
	}
	ws[w] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()

	j, err := s.Get(ctx, id)
	if err != nil {
		s.unwatch(w)
		s.wg.Done()
		return nil, err
	}
	if w.offer(j) {
		s.unwatch(w)
		s.wg.Done()
		close(w.ch)
		return w.ch, nil
	}
	go s.watch(ctx, w)
	return w.ch, nil
}

// offer sends j when it is newer than what was sent and reports whether
// the feed is over (j is terminal). The goroutine that calls it is the only
// sender, so the send after the drain never blocks.
func (w *watcher) offer(j *asyncjob.Job) (done bool) {
	if j.Version > w.last {
		select {
		case <-w.ch:
		default:
		}
		w.ch <- j
		w.last = j.Version
	}
	return j.State.Terminal()
}

func (s *Store) watch(ctx context.Context, w *watcher) {
	defer s.wg.Done()
	defer close(w.ch)
	defer s.unwatch(w)
	tick := time.NewTicker(s.wint)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		case <-w.pokes:
		case <-tick.C:
		}
		j, err := s.Get(ctx, w.id)
		switch {
		case errors.Is(err, asyncjob.ErrNotFound):
			return // forgotten
		case err != nil:
			continue // Redis unreachable: the next poke or tick retries
		}
		if w.offer(j) {
			return
		}
	}
}

func (s *Store) unwatch(w *watcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ws := s.watchers[w.id]; ws != nil {
		delete(ws, w)
		if len(ws) == 0 {
			delete(s.watchers, w.id)
		}
	}
}
