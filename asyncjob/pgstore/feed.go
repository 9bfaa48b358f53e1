package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// The change feed is one LISTEN/NOTIFY channel per store, "<schema>.jobs".
// Every change of a Version notifies "<version> <job ID>"; Create and
// Release notify "w" (work is available). Changes made on the pool are
// notified after their commit by the store's notifier connection (see
// notifier), which the listener recognises by its backend's PID and whose
// "w" it ignores (the store woke its own workers already). Changes made
// in a caller's transaction notify in the statement itself, and
// PostgreSQL delivers those when the transaction commits, so a job
// created in it wakes workers only if it commits.
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
	backoff := feed.Backoff{Max: s.maxRW, Done: s.ctx.Done()}
	defer backoff.Stop()
	for {
		conn, err := s.openListener()
		if err == nil {
			// Anything sent while we were away is lost: look again.
			s.hub.Resync()
			var healthy bool
			healthy, err = s.receive(conn)
			if healthy {
				backoff.Reset()
			}
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(cctx)
			cancel()
		}
		if s.ctx.Err() != nil {
			return
		}
		s.log.Warn("pgstore: listener failed, reconnecting", "err", err, "backoff", backoff.Current())
		if !backoff.Sleep() {
			return
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
			if n.Payload == "w" && n.PID == s.notePID.Load() {
				// This store's own Create or Release, which woke its
				// workers already.
				continue
			}
			s.hub.Dispatch(n.Payload)
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

// Watch implements [asyncjob.Store]. The watcher is registered before the
// record is first read, so no change between the two is missed; each
// notification makes it read the record again, and it sends a record only
// when its Version is newer than the last one sent (replacing one the
// receiver has not taken yet). It also reads every Options.WatchInterval
// and after the listener reconnects. A watcher that cannot reach the
// database keeps trying until ctx ends. Watch always reads through the
// pool, also under a context that carries a transaction.
func (s *Store) Watch(ctx context.Context, id string, after uint64) (<-chan *asyncjob.Job, error) {
	return s.hub.Watch(ctx, id, after)
}

// read is the hub's view of a record.
func (s *Store) read(ctx context.Context, id string) (*asyncjob.Job, uint64, bool, error) {
	j, err := s.get(ctx, s.pool, id)
	if err != nil {
		return nil, 0, false, err
	}
	return j, j.Version, j.State.Terminal(), nil
}
