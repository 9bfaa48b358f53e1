package wsfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

// Defaults for zero [Options] fields.
const (
	DefaultPingInterval = 15 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	// DefaultRetryAfter is the Retry-After of a 503 answered before the
	// upgrade, when the store fails.
	DefaultRetryAfter = 5 * time.Second
)

// Error codes of the refusals before the upgrade, besides httperr's.
const (
	CodeUpgradeRequired = "UPGRADE_REQUIRED"
	CodeForbidden       = "FORBIDDEN"
)

// Source is what a [Handler] needs of the job manager: the feed of the job
// a request addresses, with visibility, the resume point and the status
// documents decided there. *asyncjob.Manager implements it.
type Source interface {
	Feed(r *http.Request) (*asyncjob.Feed, error)
}

// Options configures a [Handler]. The zero value allows same-origin
// browsers and non-browser clients only.
type Options struct {
	// OriginPatterns lists further origins allowed to connect, as
	// path.Match patterns over the origin's host ("app.example.com",
	// "*.example.com") or, when a pattern contains "://", over
	// scheme://host ("https://app.example.com"). Default: none.
	OriginPatterns []string
	// PingInterval is how often the server pings an idle connection; a
	// missing pong within WriteTimeout ends it. Default
	// [DefaultPingInterval]; negative means no pings.
	PingInterval time.Duration
	// WriteTimeout bounds each message write and ping. Default
	// [DefaultWriteTimeout]; negative is rejected by [New].
	WriteTimeout time.Duration
	// RetryAfter is sent with a 503 answered before the upgrade. Default
	// [DefaultRetryAfter]; negative is rejected by [New].
	RetryAfter time.Duration
	// ErrorWriter renders errors before the upgrade. Default:
	// httperr.JSON.
	ErrorWriter httperr.Writer
}

// Handler serves job feeds over WebSocket. It is safe for concurrent use.
type Handler struct {
	src  Source
	opts Options
}

// New returns a Handler for src's jobs (an *asyncjob.Manager). It fails
// when a pattern in OriginPatterns is malformed or a duration is negative
// where the Options rule (zero is the default, negative is "none" where a
// field says so) forbids it.
func New(src Source, opts Options) (*Handler, error) {
	if src == nil {
		return nil, errors.New("wsfeed: nil Source")
	}
	opts.OriginPatterns = append([]string(nil), opts.OriginPatterns...)
	for _, p := range opts.OriginPatterns {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("wsfeed: origin pattern %q: %w", p, err)
		}
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = DefaultPingInterval
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"WriteTimeout", &opts.WriteTimeout, DefaultWriteTimeout}, {"RetryAfter", &opts.RetryAfter, DefaultRetryAfter}} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			return nil, fmt.Errorf("wsfeed: Options.%s: must not be negative", d.name)
		}
	}
	return &Handler{src: src, opts: opts}, nil
}

// ServeHTTP checks the handshake, the origin and the job before upgrading,
// answering errors through httperr (400 for a malformed handshake, 426
// without an upgrade, 403 for a foreign origin, 404 for an unknown or
// foreign job, 503 when the store fails), then streams the feed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		h.fail(w, r, http.StatusMethodNotAllowed, httperr.CodeMethodNotAllowed, "method not allowed")
		return
	}
	if !header.HasToken(r.Header.Values("Connection"), "upgrade") || !header.HasToken(r.Header.Values("Upgrade"), "websocket") {
		// RFC 9110 §15.5.22: 426 names the protocol to switch to.
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		h.fail(w, r, http.StatusUpgradeRequired, CodeUpgradeRequired, "a WebSocket upgrade is required")
		return
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" || r.Header.Get("Sec-WebSocket-Key") == "" {
		// RFC 6455 §4.2.2: tell the client the version we speak.
		w.Header().Set("Sec-WebSocket-Version", "13")
		h.fail(w, r, http.StatusBadRequest, httperr.CodeBadRequest, "unsupported WebSocket handshake")
		return
	}
	if !h.originAllowed(r) {
		h.fail(w, r, http.StatusForbidden, CodeForbidden, "this origin may not open the feed")
		return
	}
	feed, err := h.src.Feed(r)
	if err != nil {
		if errors.Is(err, asyncjob.ErrNotFound) {
			h.fail(w, r, http.StatusNotFound, httperr.CodeNotFound, "job not found")
			return
		}
		w.Header().Set("Retry-After", strconv.FormatInt(int64((h.opts.RetryAfter+time.Second-1)/time.Second), 10))
		h.fail(w, r, http.StatusServiceUnavailable, httperr.CodeUnavailable, "the service cannot take the request now")
		return
	}
	defer feed.Close()
	// The origin was checked above with the same rule, so the library's
	// check (which writes plain-text errors) is redundant.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer c.CloseNow()
	// Reading handles pings, pongs and the close handshake; client
	// messages are not part of the protocol and end the read side.
	ctx := c.CloseRead(r.Context())
	h.stream(ctx, c, feed)
}

// stream sends the feed's events, pinging while it is idle. The shutdown
// event is sent like the others, then the connection closes with 1001
// Going Away (RFC 6455 §7.4.1), so the client reconnects with the last id
// it received.
func (h *Handler) stream(ctx context.Context, c *websocket.Conn, feed *asyncjob.Feed) {
	var b []byte
	for {
		ev, err := h.next(ctx, feed)
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			pctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
			continue
		case errors.Is(err, io.EOF):
			_ = c.Close(websocket.StatusNormalClosure, "feed ended")
			return
		case err != nil:
			return
		}
		b = appendMessage(b[:0], ev)
		wctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
		err = c.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			return
		}
		if ev.Type == asyncjob.EventShutdown {
			_ = c.Close(websocket.StatusGoingAway, "service shutting down")
			return
		}
	}
}

// next waits for the next event for at most one ping interval.
func (h *Handler) next(ctx context.Context, feed *asyncjob.Feed) (asyncjob.Event, error) {
	if h.opts.PingInterval < 0 {
		return feed.Next(ctx)
	}
	nctx, cancel := context.WithTimeout(ctx, h.opts.PingInterval)
	defer cancel()
	return feed.Next(nctx)
}

// appendMessage appends {"id":"<version>","event":"<type>","data":<doc>};
// the shutdown message has no id, like its SSE twin.
func appendMessage(b []byte, ev asyncjob.Event) []byte {
	b = append(b, '{')
	if ev.ID != 0 {
		b = append(b, `"id":"`...)
		b = strconv.AppendUint(b, ev.ID, 10)
		b = append(b, `",`...)
	}
	b = append(b, `"event":"`...)
	b = append(b, ev.Type...)
	b = append(b, `","data":`...)
	b = append(b, ev.Data...)
	return append(b, '}')
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	httperr.Write(w, r, h.opts.ErrorWriter, httperr.New(status, code, msg))
}

// originAllowed applies the same-origin rule of RFC 6455 §10.2: browsers
// always send Origin, so a foreign one is refused unless allowed.
func (h *Handler) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range h.opts.OriginPatterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
