package poll

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// event is one Server-Sent Events record (HTML Living Standard §9.2.6).
type event struct {
	id, name string
	data     []byte
	hasData  bool
	retry    time.Duration // 0 when the record sets none
}

// stream follows u over Server-Sent Events, reconnecting with Last-Event-ID
// when the stream ends before the terminal record, waiting wait first.
func (p *Poller) stream(ctx context.Context, u *url.URL, r *Result, wait time.Duration) (*Result, error) {
	lastID := ""
	errs := 0
	for {
		if err := p.sleep(ctx, u, wait); err != nil {
			return r, err
		}
		res, err := p.get(ctx, u, r, "text/event-stream", "Last-Event-ID", lastID)
		if errors.Is(err, errRequest) {
			return r, err
		}
		if err != nil {
			if ctx.Err() != nil {
				return r, p.abandon(ctx, u)
			}
			if errs++; errs > p.opts.MaxErrors {
				return r, fmt.Errorf("poll: %w", err)
			}
			wait = p.delay(nil)
			continue
		}
		mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		switch {
		case res.StatusCode == http.StatusNoContent:
			// An event stream's 204 means "stop reconnecting": the job
			// ended before our Last-Event-ID's successor. Ask the status
			// URL how.
			drain(res)
			p := *p
			p.opts.Events = false
			return p.run(ctx, u, r, 0, "")
		case res.StatusCode != http.StatusOK || mt != "text/event-stream":
			// Not a stream (an error, a 303, a server without SSE): read
			// it as a poll and go on polling.
			done, transient, err := p.handle(ctx, res, u, r, nil)
			switch {
			case err != nil && transient:
				if errs++; errs > p.opts.MaxErrors {
					return r, err
				}
				wait = p.delay(res.Header)
				continue
			case err != nil || done:
				return r, err
			}
			p := *p
			p.opts.Events = false
			return p.run(ctx, u, r, p.delay(res.Header), "")
		}
		got, retry, done, err := p.read(ctx, res, u, r, &lastID)
		drain(res)
		if err != nil || done {
			return r, err
		}
		if ctx.Err() != nil {
			return r, p.abandon(ctx, u)
		}
		if got {
			errs = 0
		} else if errs++; errs > p.opts.MaxErrors {
			return r, fmt.Errorf("%w: the event stream ended %d times without an event", ErrUnexpected, errs)
		}
		wait = p.delay(nil)
		if retry > 0 {
			wait = min(max(retry, p.opts.MinInterval), p.opts.MaxInterval)
		}
	}
}

// read consumes one event stream until it ends or a terminal status
// arrives. got reports whether any status record arrived; retry is the
// last reconnection time the stream set. Lines end in LF or CRLF; a lone
// CR, which the HTML grammar also allows and asyncjob never sends, is not
// taken as a line end.
func (p *Poller) read(ctx context.Context, res *http.Response, u *url.URL, r *Result, lastID *string) (got bool, retry time.Duration, done bool, err error) {
	sc := bufio.NewScanner(res.Body)
	max := int(min(p.opts.MaxStatusBytes, 1<<30))
	sc.Buffer(make([]byte, 0, min(4096, max)), max)
	var ev event
	size := 0
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 {
			if size += len(line); size > max {
				return got, retry, true, fmt.Errorf("poll: event record over %d bytes", max)
			}
			ev.field(line)
			continue
		}
		// A blank line dispatches the record.
		if ev.retry > 0 {
			retry = ev.retry
		}
		if ev.id != "" {
			*lastID = ev.id
		}
		if len(ev.data) > 0 {
			var st Status
			if err := json.Unmarshal(ev.data, &st); err != nil || !st.State.Valid() {
				return got, retry, true, fmt.Errorf("%w: event data is not a status document", ErrUnexpected)
			}
			got = true
			r.Status = st
			p.progress(st)
			if d, _, err := p.terminal(ctx, r, u); d || err != nil {
				return got, retry, true, err
			}
		}
		ev, size = event{}, 0
	}
	// A read error is a dropped connection: reconnect. bufio.ErrTooLong
	// is a record over the limit: give up.
	if err := sc.Err(); err == bufio.ErrTooLong {
		return got, retry, true, fmt.Errorf("poll: event line over %d bytes", max)
	}
	return got, retry, false, nil
}

// field applies one "name: value" line (HTML §9.2.6): a leading colon is a
// comment; one space after the colon is dropped; data lines join with LF;
// an id holding NUL is ignored; retry takes only digits.
func (ev *event) field(line []byte) {
	if line[0] == ':' {
		return
	}
	name, value, _ := bytes.Cut(line, []byte{':'})
	value = bytes.TrimPrefix(value, []byte{' '})
	switch string(name) {
	case "data":
		if ev.hasData {
			ev.data = append(ev.data, '\n')
		}
		ev.hasData = true
		ev.data = append(ev.data, value...)
	case "event":
		ev.name = string(value)
	case "id":
		if !bytes.ContainsRune(value, 0) {
			ev.id = string(value)
		}
	case "retry":
		s := string(value)
		if s != "" && strings.Trim(s, "0123456789") == "" {
			if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms <= int64(24*time.Hour/time.Millisecond) {
				ev.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}
