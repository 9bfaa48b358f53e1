package wsfeed

import (
	"context"
	"errors"
	"fmt"
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
)

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
	// [DefaultPingInterval].
	PingInterval time.Duration
	// WriteTimeout bounds each message write and ping. Default
	// [DefaultWriteTimeout].
	WriteTimeout time.Duration
	// ErrorWriter renders errors before the upgrade. Default:
	// httperr.JSON.
	ErrorWriter httperr.Writer
}

// Handler serves job feeds over WebSocket. It is safe for concurrent use.
type Handler struct {
	m    *asyncjob.Manager
	opts Options
}

// New returns a Handler for m's jobs. It fails when a pattern in
// OriginPatterns is malformed.
func New(m *asyncjob.Manager, opts Options) (*Handler, error) {
	if m == nil {
		return nil, errors.New("wsfeed: nil Manager")
	}
	opts.OriginPatterns = append([]string(nil), opts.OriginPatterns...)
	for _, p := range opts.OriginPatterns {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("wsfeed: origin pattern %q: %w", p, err)
		}
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	return &Handler{m: m, opts: opts}, nil
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
	if !tokenListHas(r.Header, "Connection", "upgrade") || !tokenListHas(r.Header, "Upgrade", "websocket") {
		// RFC 9110 §15.5.22: 426 names the protocol to switch to.
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		h.fail(w, r, http.StatusUpgradeRequired, "UPGRADE_REQUIRED", "a WebSocket upgrade is required")
		return
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" || r.Header.Get("Sec-WebSocket-Key") == "" {
		// RFC 6455 §4.2.2: tell the client the version we speak.
		w.Header().Set("Sec-WebSocket-Version", "13")
		h.fail(w, r, http.StatusBadRequest, httperr.CodeBadRequest, "unsupported WebSocket handshake")
		return
	}
	if !h.originAllowed(r) {
		h.fail(w, r, http.StatusForbidden, "FORBIDDEN", "this origin may not open the feed")
		return
	}
	id, owner := h.m.JobID(r), h.m.Owner(r)
	after := lastEventID(r)
	feed, err := h.m.Watch(r.Context(), id, owner, after)
	if err != nil {
		if errors.Is(err, asyncjob.ErrNotFound) {
			h.fail(w, r, http.StatusNotFound, httperr.CodeNotFound, "job not found")
			return
		}
		w.Header().Set("Retry-After", "5")
		h.fail(w, r, http.StatusServiceUnavailable, httperr.CodeUnavailable, "the service cannot take the request now")
		return
	}
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

func (h *Handler) stream(ctx context.Context, c *websocket.Conn, feed <-chan *asyncjob.Job) {
	tick := time.NewTicker(h.opts.PingInterval)
	defer tick.Stop()
	var b []byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		case j, ok := <-feed:
			if !ok {
				_ = c.Close(websocket.StatusGoingAway, "feed ended")
				return
			}
			b = h.appendMessage(b[:0], j)
			wctx, cancel := context.WithTimeout(ctx, h.opts.WriteTimeout)
			err := c.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				return
			}
			if j.State.Terminal() {
				_ = c.Close(websocket.StatusNormalClosure, "job finished")
				return
			}
		}
	}
}

// appendMessage appends {"id":"<version>","event":"<state>","data":<status>}.
func (h *Handler) appendMessage(b []byte, j *asyncjob.Job) []byte {
	b = append(b, `{"id":"`...)
	b = strconv.AppendUint(b, j.Version, 10)
	b = append(b, `","event":"`...)
	b = append(b, j.State...)
	b = append(b, `","data":`...)
	b = h.m.AppendStatus(b, j)
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

func tokenListHas(h http.Header, name, token string) bool {
	found := false
	header.Elements(h.Values(name), func(e string) bool {
		found = header.EqualFold(e, token)
		return !found
	})
	return found
}

// lastEventID reads the resume point from Last-Event-ID or the
// last_event_id query parameter; anything unparsable means "from now".
func lastEventID(r *http.Request) uint64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
