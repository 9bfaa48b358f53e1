package pgstore

import (
	"context"
	"strconv"
	"time"

	"github.com/httpsem/httpsem/asyncjob/internal/feed"
	"github.com/jackc/pgx/v5"
)

// maxPendingNotes bounds the notifications waiting to be sent; past it new
// ones are dropped, which the polling fallback makes a delay, not a loss.
const maxPendingNotes = 4096

// noteLinger is how long the notifier waits after the first notification
// of a batch for more: a small delay beside a commit's WAL flush (some ms),
// and one statement instead of one per change.
const noteLinger = 2 * time.Millisecond

// notify queues a notification for the notifier connection. Identical
// pending notifications are sent once.
func (s *Store) notify(payload string) {
	s.nmu.Lock()
	if _, dup := s.noteSet[payload]; !dup && len(s.notes) < maxPendingNotes {
		s.noteSet[payload] = struct{}{}
		s.notes = append(s.notes, payload)
	}
	s.nmu.Unlock()
	select {
	case s.noteWake <- struct{}{}:
	default:
	}
}

func (s *Store) notifyVersion(id string, v uint64) {
	s.notify(strconv.FormatUint(v, 10) + " " + id)
}

// notifier sends the queued notifications of committed changes, all that
// are pending in one statement, on a connection of its own whose commits
// are asynchronous (synchronous_commit = off): a notification is not data,
// so its transaction need not wait for a WAL flush, and it holds
// PostgreSQL's notification lock only briefly. A batch that cannot be sent
// (the database is down) is dropped: listeners resync when they reconnect,
// and workers and watchers poll.
func (s *Store) notifier() {
	defer s.wg.Done()
	var conn *pgx.Conn
	backoff := feed.Backoff{Max: s.maxRW, Done: s.ctx.Done()}
	defer backoff.Stop()
	defer func() {
		if conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(ctx)
			cancel()
		}
	}()
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	defer linger.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.noteWake:
		}
		// The changes of a busy store come a few at a time (the outcomes
		// of one group commit, the jobs of the Creates in flight): wait a
		// moment for the rest, so that one statement sends them all.
		linger.Reset(noteLinger)
		select {
		case <-s.ctx.Done():
			return
		case <-linger.C:
		}
		s.nmu.Lock()
		batch := s.notes
		s.notes = nil
		clear(s.noteSet)
		s.nmu.Unlock()
		if len(batch) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.hint)
		var err error
		if conn == nil {
			cfg := s.pool.Config().ConnConfig.Copy()
			cfg.RuntimeParams["synchronous_commit"] = "off"
			conn, err = pgx.ConnectConfig(ctx, cfg)
		}
		if err == nil {
			s.notePID.Store(conn.PgConn().PID())
			_, err = conn.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, s.channel, batch)
		}
		cancel()
		if err == nil {
			backoff.Reset()
			continue
		}
		if s.ctx.Err() != nil {
			return
		}
		s.log.Warn("pgstore: notifier failed, notifications dropped", "err", err, "dropped", len(batch))
		if conn != nil {
			cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(cctx)
			ccancel()
			conn = nil
		}
		if !backoff.Sleep() {
			return
		}
	}
}
