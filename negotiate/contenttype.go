package negotiate

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

// CheckContentType verifies the request's Content-Type against opts.Consumes
// (see [Options.Consumes] and [Options.MatchSuffix]) and reports whether the
// handler may proceed. When it may not, it has written 415 Unsupported Media
// Type (RFC 9110 §15.5.16) through opts.ErrorWriter, with the supported types
// in the envelope's "supported" member and, for POST, in an Accept-Post header
// (W3C LDP §7.1; for PATCH in Accept-Patch, RFC 5789 §3.1) so the client learns
// what to send.
//
// Only requests that have a body are checked (Content-Length above zero, or a
// chunked body of unknown length); a body without a Content-Type is
// unsupported too, because the server would have to guess (RFC 9110 §8.3).
// An empty Consumes list allows everything. [Middleware] does the same check
// with the list parsed once.
func CheckContentType(w http.ResponseWriter, r *http.Request, opts Options) bool {
	if len(opts.Consumes) == 0 || !hasBody(r) {
		return true
	}
	c := newConsumerLenient(opts.Consumes, opts.MatchSuffix)
	return c.check(w, r, opts.ErrorWriter)
}

// consumer is Options.Consumes parsed once: the valid entries, and the list
// as sent in Accept-Post.
type consumer struct {
	types  []mediaRange
	names  []string
	list   string
	suffix bool
}

// newConsumer parses Consumes for [NewMiddleware], rejecting what is not a
// media type or range, and duplicates.
func newConsumer(types []string, suffix bool) (*consumer, error) {
	c := &consumer{suffix: suffix}
	for i, s := range types {
		name, m, ok := parseConsumed(s)
		if !ok {
			return nil, fmt.Errorf("negotiate: Options.Consumes[%d]: %q is not a media type or range", i, s)
		}
		if slices.ContainsFunc(c.names, func(prev string) bool { return header.EqualFold(prev, name) }) {
			return nil, fmt.Errorf("negotiate: Options.Consumes[%d]: %q listed twice", i, s)
		}
		c.types = append(c.types, m)
		c.names = append(c.names, name)
	}
	c.list = strings.Join(c.names, ", ")
	return c, nil
}

// newConsumerLenient is newConsumer for [CheckContentType], which has no
// error to return: entries NewMiddleware would reject are skipped.
func newConsumerLenient(types []string, suffix bool) *consumer {
	c := &consumer{suffix: suffix}
	for _, s := range types {
		if name, m, ok := parseConsumed(s); ok {
			c.types = append(c.types, m)
			c.names = append(c.names, name)
		}
	}
	c.list = strings.Join(c.names, ", ")
	return c
}

// parseConsumed parses one Consumes entry: a type/subtype or range, whose
// parameters must be well-formed and are then ignored.
func parseConsumed(s string) (name string, m mediaRange, ok bool) {
	s = header.TrimOWS(s)
	m, rest, ok := parseType(s)
	if !ok || (m.typ == "*" && m.sub != "*") || !paramsValid(rest) {
		return "", mediaRange{}, false
	}
	return s[:len(m.typ)+1+len(m.sub)], m, true
}

func (c *consumer) check(w http.ResponseWriter, r *http.Request, wr httperr.Writer) bool {
	values := r.Header.Values("Content-Type")
	// Content-Type is a singleton field (RFC 9110 §8.3); more than one line
	// leaves the media type ambiguous.
	if len(values) == 1 && c.allows(values[0]) {
		return true
	}
	h := w.Header()
	switch r.Method {
	case http.MethodPost:
		h.Set("Accept-Post", c.list)
	case http.MethodPatch:
		h.Set("Accept-Patch", c.list)
	}
	msg := "the request content type is not supported"
	if len(values) == 0 {
		msg = "the request has content but no Content-Type"
	}
	e := httperr.New(http.StatusUnsupportedMediaType, httperr.CodeUnsupportedMedia, msg).
		With("supported", append([]string(nil), c.names...))
	httperr.Write(w, r, wr, e)
	return false
}

// allows reports whether the Content-Type value names one of the consumed
// types. Parameters (charset, boundary, ...) are ignored, but they must be
// well-formed for the value to be a media type at all.
func (c *consumer) allows(ct string) bool {
	m, rest, ok := parseType(header.TrimOWS(ct))
	if !ok || m.typ == "*" || m.sub == "*" || !paramsValid(rest) {
		return false
	}
	for i := range c.types {
		t := &c.types[i]
		if typeMatches(t, &m) {
			return true
		}
		if c.suffix && header.EqualFold(t.typ, m.typ) {
			// RFC 6838 §4.2.8: the suffix after the last "+" names the
			// underlying syntax, e.g. vnd.acme+json is JSON.
			if i := strings.LastIndexByte(m.sub, '+'); i > 0 && header.EqualFold(m.sub[i+1:], t.sub) {
				return true
			}
		}
	}
	return false
}

func paramsValid(s string) bool {
	it := paramIter{s: s}
	for {
		if _, _, more := it.next(); !more {
			return !it.bad
		}
	}
}

// hasBody reports whether r carries content: a positive Content-Length, or an
// unknown length (chunked) with a body that is not http.NoBody, which is what
// net/http gives a server handler for a request without content.
func hasBody(r *http.Request) bool {
	if r.ContentLength > 0 {
		return true
	}
	return r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody
}
