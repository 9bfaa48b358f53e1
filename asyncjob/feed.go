package asyncjob

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// EventShutdown is the type of the last event of a feed that ends because
// its Manager shuts down. It carries no id, so a client that reconnects
// resumes from the last job record it saw.
const EventShutdown = "shutdown"

// Event is one message of a job's change feed, ready for a transport.
type Event struct {
	// ID is the event id, the job's Version; 0 on the shutdown event.
	ID uint64
	// Type is the job's state, or [EventShutdown].
	Type string
	// Data is the job's status document, as its status URL would answer;
	// on the shutdown event {"status":"unavailable","message":…,
	// "retry_after":seconds}. It is valid until the next call of
	// [Feed.Next].
	Data []byte
	// RetryAfter, on the shutdown event, is how long the client should
	// wait before it reconnects (Options.BusyRetryAfter).
	RetryAfter time.Duration
}

// Feed is a job's change feed opened for a transport by [Manager.Feed]:
// the SSE handler and asyncjob/wsfeed both send exactly its events. It is
// used by one goroutine.
type Feed struct {
	m      *Manager
	ch     <-chan *Job
	cancel context.CancelFunc
	done   bool
	buf    []byte
}

// Feed opens the change feed of the job r addresses (Options.IDFunc) for
// r's owner (Options.OwnerFunc), resuming after the event id in the
// Last-Event-ID header or, for clients that cannot set headers, the
// last_event_id query parameter (anything else starts from the current
// record, which is always safe). It returns [ErrNotFound] for a job the
// owner may not see and the store's error when it fails. Release it with
// [Feed.Close]; it also ends with r's context.
func (m *Manager) Feed(r *http.Request) (*Feed, error) {
	j, err := m.Get(r.Context(), m.opts.IDFunc(r), m.owner(r))
	if err != nil {
		return nil, err
	}
	f := &Feed{m: m}
	after := lastEventID(r)
	if j.State.Terminal() && after >= j.Version {
		f.done = true
		return f, nil
	}
	ctx, cancel := context.WithCancel(r.Context())
	if f.ch, err = m.watch(ctx, j.ID, after); err != nil {
		cancel()
		return nil, err
	}
	f.cancel = cancel
	return f, nil
}

// Seen reports whether the client has seen the job's terminal record
// already, so that the feed has nothing to send (SSE answers 204 then,
// which tells an EventSource to stop reconnecting).
func (f *Feed) Seen() bool { return f.done && f.ch == nil }

// Next returns the next event. After the event of a terminal state, after
// the shutdown event, and when the job is forgotten it returns io.EOF; when
// ctx ends first, ctx.Err() (the feed stays usable, so a transport may
// wait with a deadline to send keep-alives).
func (f *Feed) Next(ctx context.Context) (Event, error) {
	if f.done {
		return Event{}, io.EOF
	}
	select {
	case j, ok := <-f.ch:
		if !ok {
			f.finish()
			if f.m.closed.Load() {
				return f.shutdown(), nil
			}
			return Event{}, io.EOF
		}
		if j.State.Terminal() {
			f.finish()
		}
		f.buf = f.m.appendStatus(f.buf[:0], j)
		return Event{ID: j.Version, Type: string(j.State), Data: f.buf}, nil
	case <-f.m.takeCtx.Done():
		f.finish()
		return f.shutdown(), nil
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// Close releases the feed. It is idempotent.
func (f *Feed) Close() {
	if f.cancel != nil {
		f.cancel()
	}
	f.done = true
}

func (f *Feed) finish() {
	f.done = true
	if f.cancel != nil {
		f.cancel()
	}
}

func (f *Feed) shutdown() Event {
	d := f.m.opts.BusyRetryAfter
	b := append(f.buf[:0], `{"status":"unavailable","message":"the service is shutting down","retry_after":`...)
	b = append(b, seconds(d)...)
	f.buf = append(b, '}')
	return Event{Type: EventShutdown, Data: f.buf, RetryAfter: d}
}

// lastEventID returns the resume point a reconnecting client sends, 0 when
// absent or not an id a feed wrote (then the feed starts from the current
// record).
func lastEventID(r *http.Request) uint64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" || len(v) > 20 {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
