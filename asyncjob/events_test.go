package asyncjob_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

type sseEvent struct {
	id, event, data, retry string
}

// sseStream is an open event stream read record by record.
type sseStream struct {
	resp     *http.Response
	sc       *bufio.Scanner
	comments atomic.Int32
}

func (l *lab) stream(id string, hdr map[string]string) *sseStream {
	l.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", l.srv.URL+"/jobs/"+id, nil)
	require.NoError(l.t, err)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := l.srv.Client().Do(req)
	require.NoError(l.t, err)
	l.t.Cleanup(func() { resp.Body.Close() })
	return &sseStream{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next record, or ok=false at the end of the stream.
func (s *sseStream) next() (ev sseEvent, ok bool) {
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev, true
			}
		case strings.HasPrefix(line, ":"):
			s.comments.Add(1)
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		case strings.HasPrefix(line, "retry: "):
			ev.retry = line[7:]
		}
	}
	return ev, false
}

func TestSSE(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("sse")
	s.result = asyncjob.Result{URL: "/files/sse"}
	doc := l.submit("sse", nil)
	<-s.started

	st := l.stream(doc.JobID, nil)
	require.Equal(t, http.StatusOK, st.resp.StatusCode)
	assert.Equal(t, "text/event-stream", st.resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", st.resp.Header.Get("Cache-Control"))

	// The stream starts with the current state and follows changes until
	// the terminal record.
	var events []sseEvent
	for {
		ev, ok := st.next()
		if !ok {
			break
		}
		events = append(events, ev)
		d := parseDoc(t, ev.data)
		assert.Equal(t, ev.event, d.Status)
		if d.Progress == 50 {
			select {
			case <-s.release:
			default:
				close(s.release)
			}
		}
	}
	require.GreaterOrEqual(t, len(events), 2)
	last := events[len(events)-1]
	assert.Equal(t, "completed", last.event)
	assert.Equal(t, "/files/sse", parseDoc(t, last.data).ResultURL)
	for i := 1; i < len(events); i++ {
		a, _ := strconv.ParseUint(events[i-1].id, 10, 64)
		b, _ := strconv.ParseUint(events[i].id, 10, 64)
		assert.Greater(t, b, a, "ids increase")
	}

	// Resume: Last-Event-ID of an earlier record yields only newer ones.
	st2 := l.stream(doc.JobID, map[string]string{"Last-Event-ID": events[0].id})
	ev, ok := st2.next()
	require.True(t, ok)
	assert.Equal(t, last, ev, "coalesced to the latest record")
	_, ok = st2.next()
	assert.False(t, ok, "the stream ends after the terminal record")

	// A client that saw the terminal record gets 204, which stops an
	// EventSource from reconnecting.
	st3 := l.stream(doc.JobID, map[string]string{"Last-Event-ID": last.id})
	assert.Equal(t, http.StatusNoContent, st3.resp.StatusCode)

	// Junk Last-Event-ID starts from the current state.
	st4 := l.stream(doc.JobID, map[string]string{"Last-Event-ID": "x"})
	ev, ok = st4.next()
	require.True(t, ok)
	assert.Equal(t, last, ev)
}

func TestSSEHeartbeat(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{Heartbeat: 5 * time.Millisecond})
	s := l.script("hb")
	doc := l.submit("hb", nil)
	<-s.started
	st := l.stream(doc.JobID, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ev, ok := st.next()
			if !ok || ev.event == "completed" {
				return
			}
		}
	}()
	require.Eventually(t, func() bool {
		_, body := l.do("GET", "/jobs/"+doc.JobID, nil, "")
		return parseDoc(t, body).Progress == 50
	}, 5*time.Second, time.Millisecond)
	// Heartbeats keep flowing while nothing changes.
	require.Eventually(t, func() bool { return st.comments.Load() >= 2 }, 5*time.Second, time.Millisecond)
	close(s.release)
	<-done
}

func TestSSEEndsOnShutdown(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	s := l.script("sd")
	doc := l.submit("sd", nil)
	<-s.started
	st := l.stream(doc.JobID, nil)
	_, ok := st.next()
	require.True(t, ok)
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- l.m.Shutdown(ctx)
	}()
	// When shutdown begins, before the job finishes, the stream gets a
	// final record without an id (the client keeps its Last-Event-ID)
	// that says when to reconnect, and closes.
	var last sseEvent
	for {
		ev, ok := st.next()
		if !ok {
			break
		}
		last = ev
	}
	assert.Equal(t, "shutdown", last.event)
	assert.Empty(t, last.id)
	assert.Equal(t, "5000", last.retry, "Options.BusyRetryAfter in milliseconds")
	assert.JSONEq(t, `{"status":"unavailable","message":"the service is shutting down","retry_after":5}`, last.data)
	close(s.release)
	require.NoError(t, <-shut)
}

func TestAcceptEventStream(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	doc := l.submit("acc", nil)
	for _, tc := range []struct {
		accept string
		sse    bool
	}{
		{"text/event-stream", true},
		{"application/json, Text/Event-Stream;q=0.5", true},
		// RFC 9110 §12.4.2: q=0 means "not acceptable".
		{"text/event-stream;q=0", false},
		{"text/event-stream; q=0.000", false},
		{"*/*", false},
		{"", false},
	} {
		st := l.stream(doc.JobID, map[string]string{"Accept": tc.accept})
		isSSE := st.resp.Header.Get("Content-Type") == "text/event-stream"
		assert.Equal(t, tc.sse, isSSE, tc.accept)
		st.resp.Body.Close()
	}
}
