package asyncjob

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

// JobHandler serves the status URL of jobs: GET and HEAD answer the status
// ([Manager.StatusHandler]), GET with Accept: text/event-stream streams
// events ([Manager.EventsHandler]), DELETE cancels ([Manager.CancelHandler]),
// and a GET carrying a WebSocket upgrade goes to ws when it is not nil (for
// example a handler from asyncjob/wsfeed). Other methods get 405 with Allow.
// Mount it at the pattern the status URL builder produces, e.g.
// mux.Handle("/jobs/{id}", m.JobHandler(nil)).
func (m *Manager) JobHandler(ws http.Handler) http.Handler {
	status, events, cancel := m.StatusHandler(), m.EventsHandler(), m.CancelHandler()
	allow := "GET, HEAD, DELETE"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			// The same URL serves JSON, an event stream and a WebSocket,
			// chosen by Accept and Upgrade (RFC 9110 §12.5.5).
			header.AddVary(w.Header(), "Accept")
			if ws != nil && r.Method == http.MethodGet && isWebSocket(r) {
				ws.ServeHTTP(w, r)
				return
			}
			if r.Method == http.MethodGet && acceptsEventStream(r) {
				events.ServeHTTP(w, r)
				return
			}
			status.ServeHTTP(w, r)
		case http.MethodDelete:
			cancel.ServeHTTP(w, r)
		default:
			m.methodNotAllowed(w, r, allow)
		}
	})
}

func isWebSocket(r *http.Request) bool {
	return header.HasToken(r.Header.Values("Upgrade"), "websocket")
}

// acceptsEventStream reports whether Accept names text/event-stream with a
// non-zero weight (RFC 9110 §12.5.1). Wildcards do not count: a client that
// accepts anything gets the JSON status, the representation a plain poll
// expects.
func acceptsEventStream(r *http.Request) bool {
	found := false
	header.Elements(r.Header.Values("Accept"), func(e string) bool {
		mt, params, _ := cutByte(e, ';')
		if !header.EqualFold(header.TrimOWS(mt), "text/event-stream") {
			return true
		}
		found = !zeroWeight(params)
		return !found
	})
	return found
}

// zeroWeight reports whether media-type parameters carry q=0 (RFC 9110
// §12.4.2: "not acceptable"). An invalid qvalue is ignored, as §5.6.1 lets
// a recipient do, so it leaves the member acceptable.
func zeroWeight(params string) bool {
	for params != "" {
		var p string
		p, params, _ = cutByte(params, ';')
		name, val, ok := cutByte(header.TrimOWS(p), '=')
		if !ok || !header.EqualFold(header.TrimOWS(name), "q") {
			continue
		}
		q, ok := header.ParseQValue(header.TrimOWS(val))
		return ok && q == 0
	}
	return false
}

func cutByte(s string, c byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// owner returns the request's owner per Options.OwnerFunc.
func (m *Manager) owner(r *http.Request) string {
	if m.opts.OwnerFunc == nil {
		return ""
	}
	return m.opts.OwnerFunc(r)
}

func (m *Manager) writeError(w http.ResponseWriter, r *http.Request, e *httperr.Error) {
	httperr.Write(w, r, m.opts.ErrorWriter, e)
}

func (m *Manager) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	m.writeError(w, r, httperr.New(http.StatusMethodNotAllowed, httperr.CodeMethodNotAllowed, "method not allowed"))
}

func (m *Manager) notFound(w http.ResponseWriter, r *http.Request) {
	m.writeError(w, r, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "job not found"))
}

// unavailable answers 503 with Retry-After: the queue is full, the Manager
// is shutting down or the store failed. The store's error text is logged,
// never sent.
func (m *Manager) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	msg := "the service cannot take the request now"
	switch {
	case errors.Is(err, ErrQueueFull):
		msg = "the job queue is full"
	case errors.Is(err, ErrClosed):
		msg = "the service is shutting down"
	default:
		m.log.Error("asyncjob: store failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Retry-After", seconds(m.opts.BusyRetryAfter))
	m.writeError(w, r, httperr.New(http.StatusServiceUnavailable, httperr.CodeUnavailable, msg))
}

// storeError answers a failed lookup: 404 for a missing job, else 503.
func (m *Manager) storeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		m.notFound(w, r)
		return
	}
	m.unavailable(w, r, err)
}

// seconds renders d as delay-seconds for Retry-After (RFC 9110 §10.2.3),
// rounded up and at least 1.
func seconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
