package cache

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	cachecontrol "github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

// Transport is a private cache (RFC 9111) as an http.RoundTripper: it
// stores responses to GET, answers GET and HEAD from storage while they
// are fresh, revalidates them when stale, and forwards everything else. It
// is safe for concurrent use.
type Transport struct {
	opts Options
}

// New returns a Transport, or an error naming the first invalid option.
func New(opts Options) (*Transport, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return &Transport{opts: o}, nil
}

// RoundTrip implements http.RoundTripper. It never modifies req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	switch {
	case !safeMethod(req.Method):
		res, err := t.opts.Transport.RoundTrip(req)
		if err == nil && res.StatusCode < 400 {
			t.invalidate(ctx, req, res)
		}
		return t.done(req, res, err, Bypass, "fwd=method")
	case req.Method != http.MethodGet && req.Method != http.MethodHead, bypassed(req.Header):
		res, err := t.opts.Transport.RoundTrip(req)
		return t.done(req, res, err, Bypass, "fwd=bypass")
	}

	rc := cachecontrol.ParseHeader(req.Header)
	key := cacheKey(req.URL)
	variants := t.opts.Store.Get(ctx, key)
	var e *Entry
	for _, v := range variants {
		if v.matches(req.Header) {
			e = v
			break
		}
	}
	fwd := "uri-miss"
	if e == nil && len(variants) > 0 {
		fwd = "vary-miss"
	}
	if e != nil {
		sc, f := t.state(e, t.opts.Now())
		if usable(req.Header, rc, sc, f) {
			return t.done(req, t.serve(req, e, f, Hit), nil, Hit, "")
		}
		fwd = "stale"
		if rc.NoCache {
			fwd = "request"
		}
	}
	if rc.OnlyIfCached {
		return t.done(req, unavailable(req), nil, Unavailable, "detail=only-if-cached")
	}
	if req.Method == http.MethodHead {
		// HEAD responses are not stored; a stored GET answers HEAD only
		// while usable as it is.
		res, err := t.opts.Transport.RoundTrip(req)
		return t.done(req, res, err, Miss, "fwd="+fwd)
	}

	out := req
	if e != nil && hasValidators(e.Header) {
		// RFC 9111 §4.3.1: validate with the stored validators.
		out = req.Clone(ctx)
		if v := e.Header.Get("Etag"); v != "" {
			out.Header.Set("If-None-Match", v)
		}
		if v := e.Header.Get("Last-Modified"); v != "" {
			out.Header.Set("If-Modified-Since", v)
		}
	}
	reqTime := t.opts.Now()
	res, err := t.opts.Transport.RoundTrip(out)
	if err != nil {
		return t.done(req, nil, err, Miss, "")
	}
	respTime := t.opts.Now()
	if out != req && res.StatusCode == http.StatusNotModified {
		drain(res)
		if selects(e, res.Header) {
			ne := refresh(e, res.Header, reqTime, respTime)
			t.put(ctx, key, variants, req.Header, ne)
			t.remember(ne)
			_, f := t.state(ne, respTime)
			return t.done(req, t.serve(req, ne, f, Revalidated), nil, Revalidated, "")
		}
		// RFC 9111 §4.3.3: a 304 for a representation not stored cannot
		// complete the response; ask again without conditions.
		reqTime = t.opts.Now()
		if res, err = t.opts.Transport.RoundTrip(req); err != nil {
			return t.done(req, nil, err, Miss, "")
		}
		respTime = t.opts.Now()
	}
	member := "fwd=" + fwd
	if t.store(ctx, req, rc, res, key, variants, reqTime, respTime) {
		member += "; stored"
	}
	return t.done(req, res, nil, Miss, member)
}

// memo is what a Transport computes once when it stores an entry: the
// parsed Cache-Control and the freshness at ResponseTime. Age then grows
// with resident time alone (RFC 9111 §4.2.3), so a hit neither parses nor
// reads dates. Entries from elsewhere (a Store that serialises) have none
// and are computed in full.
type memo struct {
	cc   cachecontrol.Control
	base freshness
}

// remember fills e's memo; e must not be shared yet.
func (t *Transport) remember(e *Entry) {
	cc := cachecontrol.ParseHeader(e.Header)
	e.memo = &memo{cc: cc, base: computeFreshness(e, cc, e.ResponseTime, t.opts.Heuristic, t.opts.HeuristicMax)}
}

// state returns e's Cache-Control and freshness at now.
func (t *Transport) state(e *Entry, now time.Time) (cachecontrol.Control, freshness) {
	if m := e.memo; m != nil {
		f := m.base
		f.age = min(f.age+clampDur(now.Sub(e.ResponseTime)), maxAge)
		return m.cc, f
	}
	cc := cachecontrol.ParseHeader(e.Header)
	return cc, computeFreshness(e, cc, now, t.opts.Heuristic, t.opts.HeuristicMax)
}

// done records the outcome on res (Cache-Status) and with OutcomeFunc.
func (t *Transport) done(req *http.Request, res *http.Response, err error, o Outcome, member string) (*http.Response, error) {
	if err != nil {
		return nil, err
	}
	if res.Header == nil {
		res.Header = http.Header{}
	}
	if member != "" { // serve has set it already
		setStatus(res.Header, member)
	}
	if t.opts.OutcomeFunc != nil {
		t.opts.OutcomeFunc(req, o)
	}
	return res, nil
}

// usable reports whether a stored response may answer the request without
// validation (RFC 9111 §4, §4.2.4, §5.2).
func usable(rh http.Header, rc, sc cachecontrol.Control, f freshness) bool {
	switch {
	case rc.NoCache, len(rh["Cache-Control"]) == 0 && pragmaNoCache(rh):
		return false // §5.2.1.4; §5.4: Pragma only without Cache-Control
	case sc.NoCache:
		// §5.2.2.4. The qualified form is treated as unqualified: the
		// conservative reading.
		return false
	case rc.MaxAge.IsSet() && f.age > rc.MaxAge.Duration():
		return false // §5.2.1.1
	case rc.MinFresh.IsSet() && f.lifetime-f.age < rc.MinFresh.Duration():
		return false // §5.2.1.3
	case f.fresh():
		return true
	case sc.MustRevalidate:
		return false // §5.2.2.2: never served stale
	}
	// §4.2.4, §5.2.1.2: stale only when the client accepts that much.
	return rc.MaxStaleAny || rc.MaxStale.IsSet() && f.staleness() <= rc.MaxStale.Duration()
}

func pragmaNoCache(h http.Header) bool {
	found := false
	header.Elements(h["Pragma"], func(e string) bool {
		found = header.EqualFold(e, "no-cache")
		return !found
	})
	return found
}

// store keeps res when RFC 9111 §3 allows it and it fits, and reports
// whether it did. res.Body is replaced by the buffered bytes (or a reader
// that replays what was read and streams the rest).
func (t *Transport) store(ctx context.Context, req *http.Request, rc cachecontrol.Control, res *http.Response, key string, variants []*Entry, reqTime, respTime time.Time) bool {
	sc := cachecontrol.ParseHeader(res.Header)
	switch {
	case rc.NoStore, sc.NoStore: // §5.2.1.5, §5.2.2.5
		return false
	case !heuristicStatus(res.StatusCode): // §3: a status this cache understands
		return false
	case res.ContentLength > t.opts.MaxEntryBytes:
		return false
	}
	// §5.2.2.7: private forbids shared caches only; this one is private.
	names, star, ok := varyNames(res.Header)
	if star || !ok {
		return false // §4.1: Vary: * never matches
	}
	e := &Entry{StatusCode: res.StatusCode, Header: storedHeader(res.Header), RequestTime: reqTime, ResponseTime: respTime, VaryNames: names}
	e.memo = &memo{cc: sc, base: computeFreshness(e, sc, respTime, t.opts.Heuristic, t.opts.HeuristicMax)}
	if e.memo.base.lifetime == 0 && !hasValidators(res.Header) {
		return false // never fresh and never validatable: useless
	}
	buf, err := io.ReadAll(io.LimitReader(res.Body, t.opts.MaxEntryBytes+1))
	if err != nil || int64(len(buf)) > t.opts.MaxEntryBytes {
		res.Body = &replay{Reader: io.MultiReader(bytes.NewReader(buf), errOr(err, res.Body)), c: res.Body}
		return false
	}
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(buf))
	e.Body = buf
	e.VaryValues = make([]string, len(names))
	for i, n := range names {
		e.VaryValues[i] = varyValue(req.Header, n)
	}
	t.put(ctx, key, variants, req.Header, e)
	return true
}

// put stores e as the newest variant of key, replacing the variants the
// request selected, keeping at most MaxVariants.
func (t *Transport) put(ctx context.Context, key string, variants []*Entry, rh http.Header, e *Entry) {
	next := make([]*Entry, 1, min(len(variants)+1, t.opts.MaxVariants))
	next[0] = e
	for _, v := range variants {
		if len(next) == t.opts.MaxVariants {
			break
		}
		if !v.matches(rh) {
			next = append(next, v)
		}
	}
	t.opts.Store.Set(ctx, key, next)
}

// serve builds the response of a stored entry, with Age (RFC 9111 §5.1)
// and the Cache-Status of o. This is the hit path: the header copy, its two
// added values, the response and its body are the only allocations.
func (t *Transport) serve(req *http.Request, e *Entry, f freshness, o Outcome) *http.Response {
	h := e.Header.Clone()
	var buf [64]byte
	b := append(buf[:0], StatusName...)
	if o == Hit {
		b = append(b, "; hit; ttl="...)
		b = strconv.AppendInt(b, int64((f.lifetime-f.age)/time.Second), 10)
	} else {
		b = append(b, "; fwd=stale; fwd-status=304"...)
	}
	// One backing array for both values; stored headers hold neither
	// field (storedHeader drops Cache-Status, Age is replaced).
	vals := []string{strconv.FormatInt(int64(f.age/time.Second), 10), string(b)}
	h["Age"] = vals[0:1:1]
	h["Cache-Status"] = vals[1:2:2]
	status := "200 OK"
	if e.StatusCode != http.StatusOK {
		status = strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode)
	}
	res := &http.Response{
		Status:     status,
		StatusCode: e.StatusCode,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        h,
		ContentLength: int64(len(e.Body)),
		Request:       req,
	}
	if req.Method == http.MethodHead {
		res.Body = http.NoBody
	} else {
		res.Body = &bodyReader{Reader: *bytes.NewReader(e.Body)}
	}
	return res
}

// selects reports whether a 304 with header h validates e (RFC 9111
// §4.3.4): same entity tag when it has one, else same Last-Modified when
// both have one.
func selects(e *Entry, h http.Header) bool {
	if v := h.Get("Etag"); v != "" {
		got, err1 := etag.Parse(v)
		had, err2 := etag.Parse(e.Header.Get("Etag"))
		return err1 == nil && err2 == nil && etag.WeakMatch(got, had)
	}
	if lm := h.Get("Last-Modified"); lm != "" && e.Header.Get("Last-Modified") != "" {
		return lm == e.Header.Get("Last-Modified")
	}
	return true
}

// refresh returns e updated with the header of a 304 (RFC 9111 §3.2,
// §4.3.4): each field replaces the stored one, except those that describe
// the stored bytes or the connection.
func refresh(e *Entry, h http.Header, reqTime, respTime time.Time) *Entry {
	ne := *e
	ne.Header = e.Header.Clone()
	skip := connectionFields(h)
	for k, v := range h {
		if noUpdate(k) || skip(k) {
			continue
		}
		ne.Header[k] = v
	}
	ne.RequestTime, ne.ResponseTime = reqTime, respTime
	ne.memo = nil
	return &ne
}

// noUpdate lists the fields a 304 must not change: Content-Length (§3.2),
// the hop-by-hop fields (§3.1) and the Cache-Status of other caches.
func noUpdate(k string) bool {
	switch k {
	case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Content-Range", "Connection", "Keep-Alive",
		"Proxy-Connection", "Te", "Trailer", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization", "Cache-Status":
		return true
	}
	return false
}

// storedHeader copies h without the fields a cache must not store (RFC
// 9111 §3.1: hop-by-hop fields and those Connection names).
func storedHeader(h http.Header) http.Header {
	out := h.Clone()
	skip := connectionFields(h)
	for k := range out {
		switch k {
		case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Transfer-Encoding", "Trailer", "Upgrade", "Cache-Status":
			delete(out, k)
		default:
			if skip(k) {
				delete(out, k)
			}
		}
	}
	return out
}

// connectionFields returns a test for the fields the Connection header
// names (RFC 9110 §7.6.1).
func connectionFields(h http.Header) func(string) bool {
	c := h["Connection"]
	if len(c) == 0 {
		return func(string) bool { return false }
	}
	return func(k string) bool {
		found := false
		header.Elements(c, func(e string) bool {
			found = header.EqualFold(e, k)
			return !found
		})
		return found
	}
}

// invalidate drops what an unsafe request changed (RFC 9111 §4.4): the
// target URI, and Location and Content-Location when on the same origin.
func (t *Transport) invalidate(ctx context.Context, req *http.Request, res *http.Response) {
	t.opts.Store.Delete(ctx, cacheKey(req.URL))
	for _, f := range []string{"Location", "Content-Location"} {
		v := res.Header.Get(f)
		if v == "" {
			continue
		}
		u, err := req.URL.Parse(v)
		if err != nil || !strings.EqualFold(u.Scheme, req.URL.Scheme) || !strings.EqualFold(u.Host, req.URL.Host) {
			continue // §4.4: another origin's entries are not ours to drop
		}
		t.opts.Store.Delete(ctx, cacheKey(u))
	}
}

// unavailable is the 504 of only-if-cached (RFC 9111 §5.2.1.7), in the
// httperr envelope like every error this library produces.
func unavailable(req *http.Request) *http.Response {
	w := &bufWriter{h: http.Header{}}
	httperr.Write(w, req, nil, httperr.New(http.StatusGatewayTimeout, "NOT_CACHED", "only-if-cached: no stored response can answer this request"))
	return &http.Response{
		Status:     "504 " + http.StatusText(http.StatusGatewayTimeout),
		StatusCode: http.StatusGatewayTimeout,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        w.h,
		Body:          io.NopCloser(bytes.NewReader(w.b.Bytes())),
		ContentLength: int64(w.b.Len()),
		Request:       req,
	}
}

// bufWriter is the http.ResponseWriter that httperr writes the 504 into.
type bufWriter struct {
	h http.Header
	b bytes.Buffer
}

func (w *bufWriter) Header() http.Header         { return w.h }
func (w *bufWriter) Write(p []byte) (int, error) { return w.b.Write(p) }
func (w *bufWriter) WriteHeader(int)             {}

// cacheKey is the primary cache key (RFC 9111 §2): the target URI, with
// scheme and host in lower case and without a fragment.
func cacheKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath() + queryPart(u)
}

func queryPart(u *url.URL) string {
	if u.RawQuery == "" && !u.ForceQuery {
		return ""
	}
	return "?" + u.RawQuery
}

// safeMethod reports whether m is safe (RFC 9110 §9.2.1); the others
// invalidate (RFC 9111 §4.4).
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// bypassed reports whether the caller's request is one the cache must not
// answer from storage: its own preconditions or a range.
func bypassed(h http.Header) bool {
	for _, k := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		if len(h[k]) > 0 {
			return true
		}
	}
	return false
}

func hasValidators(h http.Header) bool {
	return len(h["Etag"]) > 0 || len(h["Last-Modified"]) > 0
}

// bodyReader is a stored body as a ReadCloser, in one allocation.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// replay is a body that replays buffered bytes, then the rest; Close closes
// the original.
type replay struct {
	io.Reader
	c io.Closer
}

func (r *replay) Close() error { return r.c.Close() }

// errOr returns a reader failing with err when err is set, else r.
func errOr(err error, r io.Reader) io.Reader {
	if err != nil {
		return errReader{err}
	}
	return r
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func drain(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, 4<<10)
	_ = res.Body.Close()
}
