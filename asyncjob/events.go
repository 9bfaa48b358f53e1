package asyncjob

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// EventsHandler streams a job's changes as Server-Sent Events
// (text/event-stream, HTML Living Standard §9.2). Each change is one record:
//
//	id: <version>
//	event: <status>
//	data: <the status document, as the status URL would answer>
//
// The stream starts with the current state, ends after the record of a
// terminal state, and sends a comment line every Options.Heartbeat while
// nothing changes, so idle proxies keep the connection. A reconnecting
// client's Last-Event-ID resumes it: only newer changes are sent (the feed
// coalesces, so a slow client may skip intermediate progress, never the
// terminal record). A client that has already seen the terminal record gets
// 204 No Content, which tells an EventSource to stop reconnecting. When the
// Manager shuts down, the stream ends with a last record without an id,
//
//	event: shutdown
//	retry: <Options.BusyRetryAfter in ms>
//	data: {"status":"unavailable","message":"…","retry_after":<seconds>}
//
// so that the client reconnects after the delay with the Last-Event-ID it
// had (possibly to another instance). It works through the store's change
// feed, so it sees changes made on any instance.
//
// Only GET is served (405 otherwise); unknown and foreign jobs get 404.
func (m *Manager) EventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			m.methodNotAllowed(w, r, "GET")
			return
		}
		feed, err := m.Feed(r)
		if err != nil {
			m.storeError(w, r, err)
			return
		}
		defer feed.Close()
		if feed.Seen() {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		rc := http.NewResponseController(w)
		// A server WriteTimeout would cut a long stream; lift it for this
		// response (an error just means the writer has no deadline).
		_ = rc.SetWriteDeadline(time.Time{})
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		w.WriteHeader(http.StatusOK)
		if rc.Flush() != nil {
			return
		}
		ctx := r.Context()
		var b []byte
		for {
			ev, err := m.nextBeat(ctx, feed)
			switch {
			case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
				if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil || rc.Flush() != nil {
					return
				}
				continue
			case err != nil:
				return
			}
			b = appendEvent(b[:0], ev)
			if _, err := w.Write(b); err != nil || rc.Flush() != nil {
				return
			}
		}
	})
}

// nextBeat waits for the next event of feed for at most one heartbeat
// interval (for ever without heartbeats).
func (m *Manager) nextBeat(ctx context.Context, feed *Feed) (Event, error) {
	if m.opts.Heartbeat < 0 {
		return feed.Next(ctx)
	}
	hctx, cancel := context.WithTimeout(ctx, m.opts.Heartbeat)
	defer cancel()
	return feed.Next(hctx)
}

// Watch returns the change feed of job id as owner may see it: a copy of the
// job after every change newer than after (the event id, [Job.Version]),
// starting with the current record when it is newer; see [Store.Watch] for
// the coalescing and closing rules. The channel is also closed when ctx ends
// and when the Manager begins to shut down. A job owner may not see yields
// [ErrNotFound]. Transports use [Manager.Feed], which builds on it.
func (m *Manager) Watch(ctx context.Context, id, owner string, after uint64) (<-chan *Job, error) {
	if _, err := m.Get(ctx, id, owner); err != nil {
		return nil, err
	}
	return m.watch(ctx, id, after)
}

// watch is Watch without the visibility check, for callers that made it.
func (m *Manager) watch(ctx context.Context, id string, after uint64) (<-chan *Job, error) {
	wctx, cancel := context.WithCancel(ctx)
	// End the feed when shutdown begins; the registration itself ends with
	// the feed's context, so nothing outlives the caller's ctx.
	stop := context.AfterFunc(m.takeCtx, cancel)
	context.AfterFunc(wctx, func() { stop() })
	feed, err := m.store.Watch(wctx, id, after)
	if err != nil {
		cancel()
		return nil, err
	}
	// wctx ends with ctx at the latest; the store closes feed then.
	return feed, nil
}

// appendEvent appends one SSE record. The status document holds no raw
// newlines (JSON escapes them), so it fits one data line; the shutdown
// record has no id, so the client keeps the last one.
func appendEvent(b []byte, ev Event) []byte {
	if ev.ID != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendUint(b, ev.ID, 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, ev.Type...)
	if ev.RetryAfter > 0 {
		b = append(b, "\nretry: "...)
		b = strconv.AppendInt(b, ev.RetryAfter.Milliseconds(), 10)
	}
	b = append(b, "\ndata: "...)
	b = append(b, ev.Data...)
	return append(b, "\n\n"...)
}
