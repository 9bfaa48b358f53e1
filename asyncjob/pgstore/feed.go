package pgstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/httpsem/httpsem/asyncjob"
)

// The change feed is one LISTEN/NOTIFY channel per store, "<schema>.jobs".
// Every change of a Version notifies "<version> <job ID>"; Create and
// Release notify "w" (work is available). Changes made on the pool are
// notified after their commit by the store's notifier connection (see
// notifier); changes made in a caller's transaction notify in the
// statement itself, and PostgreSQL delivers those when the transaction
// commits, so a job created in it wakes workers only if it commits.
// Each Store holds one listening connection, outside the pool, and fans
// the notifications out to its watchers and waiting workers, so a Watch
// costs no round trip beyond reading the record, and thousands of SSE
// clients share one connection.
//
// Notifications sent while the listener is disconnected are lost. The feed
// therefore makes every watcher re-read its record and wakes the workers
// whenever the listener (re)connects, and watchers re-read every
// Options.WatchInterval and workers poll every Options.PollInterval in any
// case: the rows, not the notifications, are the truth, so a lost
// notification delays a worker or a watcher but never loses a job or the
// latest record.

// listen runs the listening connection until Close, reconnecting with
// exponential backoff (50 ms doubling up to Options.MaxReconnectWait).
func (s *Store) listen() {
	defer s.wg.Done()
	var (
		backoff time.Duration
		timer   *time.Timer
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		conn, err := s.openListener()
		if err == nil {
			// Anything sent while we were away is lost: look again.
			s.resync()
			var healthy bool
			healthy, err = s.receive(conn)
			if healthy {
				backoff = 0
			}
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(cctx)
			cancel()
		}
		if s.ctx.Err() != nil {
			return
		}
		s.log.Warn("pgstore: listener failed, reconnecting", "err", err, "backoff", backoff)
		backoff = min(max(2*backoff, 50*time.Millisecond), s.maxRW)
		if timer == nil {
			timer = time.NewTimer(backoff)
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// openListener connects a dedicated connection with the pool's settings
// and LISTENs on the store's channel.
func (s *Store) openListener() (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.hint)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// receive dispatches notifications until the connection fails or Close.
// A connection silent for Options.HealthInterval is pinged; healthy
// reports whether anything came through (a notification or a ping).
func (s *Store) receive(conn *pgx.Conn) (healthy bool, err error) {
	for {
		ctx, cancel := context.WithTimeout(s.ctx, s.hint)
		n, err := conn.WaitForNotification(ctx)
		timedOut := ctx.Err() != nil
		cancel()
		if s.ctx.Err() != nil {
			return healthy, s.ctx.Err()
		}
		if err == nil {
			healthy = true
			s.dispatch(n.Payload)
			continue
		}
		if !timedOut || conn.IsClosed() {
			return healthy, err
		}
		pctx, pcancel := context.WithTimeout(s.ctx, s.hint)
		err = conn.Ping(pctx)
		pcancel()
		if err != nil {
			return healthy, err
		}
		healthy = true
	}
}

// dispatch routes one notification.
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

// resync wakes a waiting worker and makes every watcher re-read its job.
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
	w.seen = max(w.seen, v)
	select {
	case w.pokes <- struct{}{}:
	default:
	}
}

// Watch implements [asyncjob.Store]. The watcher is registered before the
// record is first read, so no change between the two is missed; each
// notification makes it read the record again, and it sends a record only
// when its Version is newer than the last one sent (replacing one the
// receiver has not taken yet). It also reads every Options.WatchInterval
// and after the listener reconnects. A watcher that cannot reach the
// database keeps trying until ctx ends. Watch always reads through the
// pool, also under a context that carries a transaction.
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

	j, err := s.get(ctx, s.pool, id)
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
		j, err := s.get(ctx, s.pool, w.id)
		switch {
		case errors.Is(err, asyncjob.ErrNotFound):
			return // forgotten
		case err != nil:
			continue // unreachable: the next poke or tick retries
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
