package cache

import (
	"net/http"

	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/response"
)

// Middleware returns middleware that applies a caching policy to responses as
// [Options] describes:
//
//   - 2xx and 304: Vary gains Options.Vary; when the handler set neither
//     Cache-Control nor Expires, Cache-Control is set to Options.Control,
//     made private for requests with Authorization unless
//     Options.AllowAuthorizedPublic (RFC 9111 §3.5). A 304 gets the same
//     Cache-Control as the 200 would have, so caches refresh the stored
//     entry with it (RFC 9111 §4.3.4).
//   - 5xx: Cache-Control is set to Options.ServerError ("no-store" by default).
//   - 1xx, 3xx other than 304, and 4xx are left as the handler wrote them.
//
// The policy applies whatever the method; a "no-store" on a POST that returns
// a token is exactly what [Credentials] is for. The middleware neither
// buffers nor delays the body: it edits the header at the moment the handler
// commits it. Directive strings are formatted once, here, and the header
// values it sets are shared by every response so that the middleware
// allocates nothing per request: replace them with Header.Set, never modify
// the slice in place. The returned middleware is safe for concurrent use.
func Middleware(opts Options) func(http.Handler) http.Handler {
	m := &middleware{
		control:     opts.Control.String(),
		serverError: opts.ServerError.String(),
		honor5xx:    opts.HonorServerErrorControl,
		pool:        response.NewPool(0),
	}
	if m.serverError == "" {
		m.serverError = DefaultServerError().String()
	}
	m.authorized = m.control
	if !opts.AllowAuthorizedPublic {
		m.authorized = privateForAuthorization(opts.Control).String()
	}
	// Merge once, here: the result is both the names to add to a handler's
	// Vary and, joined, the whole field when the handler set none.
	vary := http.Header{}
	header.AddVary(vary, opts.Vary...)
	if v := vary.Get("Vary"); v != "" {
		m.varyLine = v
		header.Elements([]string{v}, func(name string) bool {
			m.vary = append(m.vary, name)
			return true
		})
	}
	m.controlV = one(m.control)
	m.authorizedV = one(m.authorized)
	m.serverErrorV = one(m.serverError)
	m.varyV = one(m.varyLine)
	m.opts = response.Options{OnCommit: m.commit}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := m.pool.Get(w, r, m.opts)
			next.ServeHTTP(rw.ResponseWriter(), r)
			// Not deferred: after a panic the response must not be
			// committed as a 200; net/http aborts the connection instead.
			_ = rw.Finish()
			m.pool.Put(rw)
		})
	}
}

type middleware struct {
	control     string // Cache-Control for 2xx/304; "" = none
	authorized  string // control as sent when the request has Authorization
	serverError string
	honor5xx    bool
	vary        []string // canonical, deduplicated names for AddVary
	varyLine    string   // vary joined, for a response without Vary
	pool        *response.Pool
	opts        response.Options

	// Shared header values (capacity 1, so an Add reallocates rather than
	// writing into them).
	controlV, authorizedV, serverErrorV, varyV []string
}

func one(v string) []string { return []string{v}[:1:1] }

func (m *middleware) commit(c *response.Commit) bool {
	h := c.Header
	switch s := c.Status; {
	case s >= 500:
		if _, set := h["Cache-Control"]; set && m.honor5xx {
			return false
		}
		h["Cache-Control"] = m.serverErrorV
	case c.Strips:
		m.commitStripping(c)
	case s >= 200 && s < 300 || s == http.StatusNotModified:
		if len(m.vary) > 0 {
			if _, set := h["Vary"]; set {
				header.AddVary(h, m.vary...)
			} else {
				h["Vary"] = m.varyV
			}
		}
		if m.control == "" {
			return false
		}
		if _, set := h["Cache-Control"]; set {
			return false
		}
		if _, set := h["Expires"]; set {
			return false
		}
		m.setControl(c)
	}
	return false
}

// commitStripping is commit for a 304 that this middleware's Writer would
// strip after the hook (RFC 9110 §15.4.5) in a pass over the header
// (response.Commit.Strips): stripping here instead, the same pass finds
// the fields that commit looks up for a 2xx.
func (m *middleware) commitStripping(c *response.Commit) {
	h := c.Header
	kept := response.Strip304Kept(h)
	c.Stripped = true
	if len(m.vary) > 0 {
		if kept&response.KeptVary != 0 {
			header.AddVary(h, m.vary...)
		} else {
			h["Vary"] = m.varyV
		}
	}
	if m.control != "" && kept&(response.KeptCacheControl|response.KeptExpires) == 0 {
		m.setControl(c)
	}
}

// setControl sets the policy's Cache-Control, made private for a request
// with Authorization unless the options allow it public (RFC 9111 §3.5).
func (m *middleware) setControl(c *response.Commit) {
	v := m.controlV
	if _, auth := c.Request.Header["Authorization"]; auth {
		v = m.authorizedV
	}
	c.Header["Cache-Control"] = v
}
