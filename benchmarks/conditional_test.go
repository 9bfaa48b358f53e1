package benchmarks

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
)

// condResource is one representation with its validators, pre-formatted so
// that the handlers spend their time on the preconditions, not on
// formatting.
type condResource struct {
	body          []byte
	tag           etag.Tag
	modified      time.Time
	etagValue     []string
	modifiedValue []string
	lengthValue   []string
}

func newCondResource() *condResource {
	body := makeBody(1 << 10)
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tag := etag.FromBytes(body)
	return &condResource{
		body:          body,
		tag:           tag,
		modified:      mod,
		etagValue:     []string{tag.String()},
		modifiedValue: []string{mod.Format(http.TimeFormat)},
		lengthValue:   []string{strconv.Itoa(len(body))},
	}
}

// condOptions pins the clock, so the Last-Modified clamp (RFC 9110
// §8.8.2.1) never reads the wall clock during a row. The check handler sets
// its pre-formatted validators itself, so Check need not set them when the
// request proceeds.
var condOptions = conditional.Options{
	Now:                   func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
	OmitProceedValidators: true,
}

// check serves the resource the way package conditional is meant to be used
// on a read: evaluate with Check before producing the body.
func (c *condResource) check() http.Handler {
	v := conditional.Validators{ETag: c.tag, LastModified: c.modified, Exists: true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = textPlain
		if !conditional.Check(w, r, v, condOptions) {
			return
		}
		h["Etag"] = c.etagValue
		h["Last-Modified"] = c.modifiedValue
		h["Content-Length"] = c.lengthValue
		_, _ = w.Write(c.body)
	})
}

// middleware serves it through conditional.Middleware around a handler that
// sets its validators and writes the body.
func (c *condResource) middleware() http.Handler {
	return conditional.Middleware(condOptions)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = textPlain
		h["Etag"] = c.etagValue
		h["Last-Modified"] = c.modifiedValue
		h["Content-Length"] = c.lengthValue
		_, _ = w.Write(c.body)
	}))
}

// serveContent serves it with http.ServeContent, the standard library's
// conditional GET (and Range) implementation.
func (c *condResource) serveContent() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = textPlain
		h["Etag"] = c.etagValue
		http.ServeContent(w, r, "", c.modified, bytes.NewReader(c.body))
	})
}

// condCases are the rows of BenchmarkConditionalGET with the status every
// implementation answers.
func condCases(c *condResource) []struct {
	name   string
	header http.Header
	want   int
} {
	return []struct {
		name   string
		header http.Header
		want   int
	}{
		{"200", http.Header{}, http.StatusOK},
		// RFC 9110 §13.1.2: the tag the client holds is current.
		{"304-if-none-match", http.Header{"If-None-Match": {`"x", ` + c.tag.String()}}, http.StatusNotModified},
		// RFC 9110 §13.1.3: not modified since the date the client holds.
		{"304-if-modified-since", http.Header{"If-Modified-Since": {c.modified.Format(http.TimeFormat)}}, http.StatusNotModified},
		// RFC 9110 §13.1.1: If-Match fails on a GET.
		{"412-if-match", http.Header{"If-Match": {`"x"`}}, http.StatusPreconditionFailed},
	}
}

func condImpls(c *condResource) []struct {
	name string
	h    http.Handler
} {
	return []struct {
		name string
		h    http.Handler
	}{
		{"httpsem", c.check()},
		{"httpsem-middleware", c.middleware()},
		{"servecontent", c.serveContent()},
	}
}

// TestConditionalAgreement checks that every implementation answers each
// benchmarked request with the same status, and the body only on 200.
func TestConditionalAgreement(t *testing.T) {
	c := newCondResource()
	for _, tc := range condCases(c) {
		for _, impl := range condImpls(c) {
			t.Run(tc.name+"/"+impl.name, func(t *testing.T) {
				w := &discardWriter{h: http.Header{}}
				r := getRequest("")
				r.Header = tc.header
				serveDiscard(impl.h, r, w)
				assert.Equal(t, tc.want, w.status)
				if tc.want == http.StatusOK {
					assert.Equal(t, len(c.body), w.n)
				}
				if tc.want == http.StatusNotModified {
					assert.Zero(t, w.n)
					assert.Equal(t, c.tag.String(), w.h.Get("ETag"))
				}
			})
		}
	}
}

// TestConditionalAllocs pins the allocation column of the httpsem rows:
// nothing to let a request proceed or, for the middleware, to answer 304;
// Check's 304 sets the current ETag (one allocation when it finds the tag
// in If-None-Match, two for a Last-Modified it formats), and a 412 writes
// the error envelope in one (issue 16's budget is two): the response, its
// header values and body together, the Content-Length value prepared; the
// middleware builds the body in its recycled guard, so its one allocation
// is the three header values.
func TestConditionalAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race; the allocation counts hold without it")
	}
	c := newCondResource()
	cases := condCases(c)
	for _, tc := range []struct {
		impl string
		h    http.Handler
		want []float64 // per row of condCases
	}{
		{"httpsem", c.check(), []float64{0, 1, 2, 1}},
		{"httpsem-middleware", c.middleware(), []float64{0, 0, 0, 1}},
	} {
		require.Len(t, tc.want, len(cases))
		for i, want := range tc.want {
			r, w := getRequest(""), &discardWriter{h: http.Header{}}
			r.Header = cases[i].header
			assert.Equal(t, want, testing.AllocsPerRun(100, func() { serveDiscard(tc.h, r, w) }), tc.impl+" "+cases[i].name)
		}
	}
}

func BenchmarkConditionalGET(b *testing.B) {
	c := newCondResource()
	for _, tc := range condCases(c) {
		for _, impl := range condImpls(c) {
			b.Run("path="+tc.name+"/impl="+impl.name, func(b *testing.B) {
				r, w := getRequest(""), &discardWriter{h: http.Header{}}
				r.Header = tc.header
				b.ReportAllocs()
				for b.Loop() {
					serveDiscard(impl.h, r, w)
				}
				if w.status != tc.want {
					b.Fatalf("status %d, want %d", w.status, tc.want)
				}
			})
		}
	}
}
