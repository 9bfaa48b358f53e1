package asyncjob

import (
	"context"
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
// 204 No Content, which tells an EventSource to stop reconnecting. The
// stream also ends when the Manager shuts down (clients reconnect with
// Last-Event-ID, possibly to another instance). It works through the
// store's change feed, so it sees changes made on any instance.
//
// Only GET is served (405 otherwise); unknown and foreign jobs get 404.
func (m *Manager) EventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			m.methodNotAllowed(w, r, "GET")
			return
		}
		j, err := m.Get(r.Context(), m.opts.IDFunc(r), m.owner(r))
		if err != nil {
			m.storeError(w, r, err)
			return
		}
		after := lastEventID(r)
		if j.State.Terminal() && after >= j.Version {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		feed, err := m.Watch(r.Context(), j.ID, j.Owner, after)
		if err != nil {
			m.storeError(w, r, err)
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
		tick := time.NewTicker(m.opts.Heartbeat)
		defer tick.Stop()
		var b []byte
		for {
			select {
			case <-tick.C:
				if _, err := w.Write([]byte(": heartbeat\n\n")); err != nil || rc.Flush() != nil {
					return
				}
			case rec, ok := <-feed:
				if !ok {
					return
				}
				b = m.appendEvent(b[:0], rec)
				if _, err := w.Write(b); err != nil || rc.Flush() != nil {
					return
				}
				if rec.State.Terminal() {
					return
				}
			}
		}
	})
}

// Watch returns the change feed of job id as owner may see it: a copy of the
// job after every change newer than after (the event id, [Job.Version]),
// starting with the current record when it is newer; see [Store.Watch] for
// the coalescing and closing rules. The channel is also closed when ctx ends
// and when the Manager begins to shut down. A job owner may not see yields
// [ErrNotFound]. Transports other than SSE (asyncjob/wsfeed) build on it.
func (m *Manager) Watch(ctx context.Context, id, owner string, after uint64) (<-chan *Job, error) {
	if _, err := m.Get(ctx, id, owner); err != nil {
		return nil, err
	}
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

// Owner returns the owner of r per Options.OwnerFunc ("" without one).
func (m *Manager) Owner(r *http.Request) string { return m.owner(r) }

// JobID returns the job ID addressed by r per Options.IDFunc.
func (m *Manager) JobID(r *http.Request) string { return m.opts.IDFunc(r) }

// AppendStatus appends j's status document — the JSON body of the status
// URL, of SSE data lines and of webhooks — to b.
func (m *Manager) AppendStatus(b []byte, j *Job) []byte { return m.appendStatus(b, j) }

// appendEvent appends one SSE record for j. The status document holds no
// raw newlines (JSON escapes them), so it fits one data line.
func (m *Manager) appendEvent(b []byte, j *Job) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, j.Version, 10)
	b = append(b, "\nevent: "...)
	b = append(b, j.State...)
	b = append(b, "\ndata: "...)
	b = m.appendStatus(b, j)
	return append(b, "\n\n"...)
}

// lastEventID returns the Last-Event-ID a reconnecting EventSource sends,
// 0 when absent or not an ID this handler wrote (then the stream starts
// from the current state, which is always safe).
func lastEventID(r *http.Request) uint64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" || len(v) > 20 {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
