package conditional

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/stretchr/testify/require"
)

// lines splits a fuzzed field into field lines at "\n"; empty means absent.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func FuzzEvaluate(f *testing.F) {
	seeds := []struct {
		method, im, inm, ims, ius, ifRange, rng, cur string
		weak                                         bool
		lm                                           int64
		exists                                       bool
	}{
		{"GET", "", `"a"`, "", "", "", "", "a", false, lm.Unix(), true},
		{"GET", "", `W/"a", "b"`, httpDate(lm), "", "", "", "a", true, lm.Unix(), true},
		{"HEAD", "", "", httpDate(lm), "", "", "", "", false, lm.Unix(), true},
		{"PUT", `"a"`, "", "", httpDate(lm), "", "", "a", false, lm.Unix(), true},
		{"PUT", "*", "*", "", "", "", "", "", false, 0, false},
		{"DELETE", "bogus", "", "", httpDate(lm) + "\n" + httpDate(lm), "", "", "a", false, lm.Unix(), true},
		{"GET", "", "bogus\n\"a\"", rfc850(lm), asctime(lm), `"a"`, "bytes=0-1", "a", false, lm.Unix(), true},
		{"GET", "", "", "", "", httpDate(lm), "bytes=0-1", "", false, lm.Unix(), true},
		{"GET", "", strings.Repeat(`"x", `, 100), "", "", `W/"a"`, "bytes=0-", "a", false, now.Unix() + 10, true},
		{"OPTIONS", `"z"`, "", "", "", "", "", "a", false, 0, true},
		{"PUT", `'a'`, "", "", httpDate(lm), "", "", "a", false, lm.Unix(), true},
		{"GET", `W/a`, `"a`, httpDate(lm), "", "", "", "a", false, lm.Unix(), true},
		{"POST", "", `abc`, "", "", "", "", "", false, 0, false},
	}
	for _, s := range seeds {
		f.Add(s.method, s.im, s.inm, s.ims, s.ius, s.ifRange, s.rng, s.cur, s.weak, s.lm, s.exists)
	}
	f.Fuzz(func(t *testing.T, method, im, inm, ims, ius, ifRange, rng, cur string, weak bool, lmSec int64, exists bool) {
		h := http.Header{}
		for name, v := range map[string]string{
			"If-Match": im, "If-None-Match": inm, "If-Modified-Since": ims,
			"If-Unmodified-Since": ius, "If-Range": ifRange, "Range": rng,
		} {
			if l := lines(v); l != nil {
				h[name] = l
			}
		}
		r := &http.Request{Method: method, Header: h}
		v := Validators{Exists: exists}
		if cur != "" {
			v.ETag = etag.Tag{Opaque: cur, Weak: weak}
		}
		// Keep the date within years 1..9999 (what an HTTP-date can say).
		if lmSec != 0 {
			const lo, hi = -62135596800, 253402300799
			if lmSec < lo || lmSec > hi {
				lmSec = lmSec%hi/2 + hi/2
			}
			v.LastModified = time.Unix(lmSec, 0)
		}
		opts := Options{Now: fixedNow}
		out := Evaluate(r, v, opts)
		getOrHead := method == "GET" || method == "HEAD"

		switch out {
		case Proceed, NotModified, PreconditionFailed, AlreadyApplied:
		default:
			require.Fail(t, fmt.Sprintf("unexpected outcome %v", out))
		}
		require.Falsef(t, out == AlreadyApplied, "AlreadyApplied without AlreadyAppliedFunc")

		// Never 304 unless an If-None-Match member matches (weakly, or "*"
		// on an existing resource), or If-None-Match is absent and an
		// If-Modified-Since of exactly one line applies.
		if out == NotModified {
			require.Truef(t, getOrHead, "304 for %q", method)
			tags, star := etag.ParseList(h["If-None-Match"])
			matched := star && v.exists()
			for _, tag := range tags {
				if !v.ETag.IsZero() && etag.WeakMatch(tag, v.ETag) {
					matched = true
				}
			}
			// A present If-None-Match, parsable or not, makes
			// If-Modified-Since ignored (RFC 9110 §13.1.3).
			imsApplies := h["If-None-Match"] == nil && len(h["If-Modified-Since"]) == 1 && !v.LastModified.IsZero()
			require.Falsef(t, !matched && !imsApplies, "304 without a matching If-None-Match member or applicable If-Modified-Since: %q", h)
		}
		// A present If-Match that nothing can match is false (RFC 9110
		// §13.1.1), whatever follows.
		if ignored := method == http.MethodConnect || method == http.MethodOptions || method == http.MethodTrace; !ignored && h["If-Match"] != nil {
			tags, star := etag.ParseList(h["If-Match"])
			require.Falsef(t, len(tags) == 0 && !star && out != PreconditionFailed, "If-Match %q without a valid member gave %v", h["If-Match"], out)
		}
		// Check's 304 names the current tag exactly, however it found it.
		if out == NotModified && !v.ETag.IsZero() {
			w := httptest.NewRecorder()
			Check(w, r, v, opts)
			got := w.Header()["Etag"]
			require.Equalf(t, []string{v.ETag.String()}, got, "304 ETag %q, want %q", got, v.ETag.String())
		}
		require.Falsef(t, out == PreconditionFailed && h["If-Match"] == nil && h["If-Unmodified-Since"] == nil && h["If-None-Match"] == nil, "412 without a precondition: %q", h)
		switch method {
		case http.MethodConnect, http.MethodOptions, http.MethodTrace:
			require.Equalf(t, Proceed, out, "%s must ignore preconditions, got %v", method, out)
		}

		require.Falsef(t, RangeApplies(r, v, opts) && (method != "GET" || h["Range"] == nil), "range applies to %s without Range", method)

		// Requiring a precondition only adds 428s, for unsafe methods, and
		// only where the request would otherwise proceed.
		req := Evaluate(r, v, Options{Now: fixedNow, RequirePrecondition: true})
		require.Falsef(t, req != out && (req != PreconditionRequired || out != Proceed || getOrHead), "RequirePrecondition changed %v into %v", out, req)
	})
}

// FuzzFindTagForm checks the search behind the 304's ETag value: the tag's
// header form is found in an If-None-Match line exactly when the line holds
// it, and what is found is that form, byte for byte.
func FuzzFindTagForm(f *testing.F) {
	for _, s := range []struct {
		line, opaque string
		weak         bool
	}{
		{`"a"`, "a", false}, {`"x", "a"`, "a", false}, {`W/"a"`, "a", true}, {`W/"a"`, "a", false},
		{`"xa", "ab", *`, "a", false}, {`"a"`, "a", true}, {`W"a", W/"a"`, "a", true}, {`"aa"`, "a", false},
	} {
		f.Add(s.line, s.opaque, s.weak)
	}
	f.Fuzz(func(t *testing.T, line, opaque string, weak bool) {
		if opaque == "" {
			t.Skip("tagValue never searches for an empty opaque-tag")
		}
		tag := etag.Tag{Opaque: opaque, Weak: weak}
		got, ok := findTagForm(line, tag)
		require.Equal(t, strings.Contains(line, tag.String()), ok, "findTagForm(%q, %q)", line, tag.String())
		if ok {
			require.Equal(t, tag.String(), got)
		}
	})
}
