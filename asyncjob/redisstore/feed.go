package redisstore

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// The change feed is one Pub/Sub channel per store, "{prefix}:feed". Every
// change of a Version of a watched record publishes "<version> <job ID>";
// a Create that queues its job publishes "w <submission number>" and
// Release "w" (work is available; see wakes). A record is watched once a watcher has read it
// (field "wt", set by the script that reads it): most jobs are never
// watched, and their changes would cost every instance a message each. Each Store holds one subscription and
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
	var pinged bool
	backoff := feed.Backoff{Max: time.Second, Done: s.ctx.Done()}
	defer backoff.Stop()
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
				if !backoff.Sleep() {
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
		pinged = false
		backoff.Reset()
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				s.wk.owe()
				s.hub.Resync()
			}
		case *redis.Message:
			if strings.HasPrefix(m.Payload, "w") {
				s.wake(m.Payload)
			} else {
				s.hub.Dispatch(m.Payload)
			}
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

// Watch implements [asyncjob.Store]. The watcher is registered before the
// record is first read, so no change between the two is missed; each
// notification makes it read the record again, and it sends a record only
// when its Version is newer than the last one sent (replacing one the
// receiver has not taken yet). It reads on its own every
// Options.WatchInterval and after a reconnection of the feed, because
// Pub/Sub may lose messages. A watcher that cannot reach Redis keeps
// trying until ctx ends.
func (s *Store) Watch(ctx context.Context, id string, after uint64) (<-chan *asyncjob.Job, error) {
	return s.hub.Watch(ctx, id, after)
}

// read is the hub's view of a record. It marks the record watched in the
// same script that reads it, so every change after the read is published
// and none before it is missed.
func (s *Store) read(ctx context.Context, id string) (*asyncjob.Job, uint64, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	res, err := s.sc.watch.runKeys(ctx, s.rdb, []string{s.jobKey(id)}).Slice()
	if err != nil {
		return nil, 0, false, s.fail(ctx, "watch", err)
	}
	j, err := s.live(pairs(res))
	if err != nil {
		return nil, 0, false, err
	}
	return j, j.Version, j.State.Terminal(), nil
}
