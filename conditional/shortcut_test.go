package conditional

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/internal/precond"
)

// evaluateGeneral is Evaluate without its shortcuts: every entity-tag field
// through etag.Match, every outcome through precond.Evaluate. It is the
// oracle the shortcuts of match and evaluate are held to.
func evaluateGeneral(r *http.Request, v Validators, opts Options) Outcome {
	switch r.Method {
	case http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return Proceed
	}
	field := func(name string, weak bool) precond.Match {
		values := r.Header[name]
		return precond.Field(values, precond.Match(etag.Match(values, v.ETag, weak)))
	}
	in := precond.Input{
		Method: r.Method, Header: r.Header,
		IfMatch: field("If-Match", false), IfNoneMatch: field("If-None-Match", true),
		LastModified: v.LastModified, Exists: v.exists(), Now: opts.Now,
		RequirePrecondition: opts.RequirePrecondition,
	}
	// The mapping of the evaluator's outcome is shared: the shortcuts are
	// before it.
	return decide(precond.Evaluate(&in), r, v, &opts)
}

// TestEvaluateShortcutsAgree holds Evaluate's shortcuts (a field that is
// the current tag's header form matches without a scan; a matching
// If-None-Match on a GET or HEAD with no If-Match and no Last-Modified is a
// 304 without the evaluator) to the general path, on every combination of
// fields that are and are not the current tag's exact form, tags that are
// and are not valid, with and without dates (RFC 9110 §13.2.2).
func TestEvaluateShortcutsAgree(t *testing.T) {
	t.Parallel()
	tags := []etag.Tag{
		{}, {Opaque: "a"}, {Opaque: "a", Weak: true}, {Opaque: "", Weak: true},
		{Opaque: `a"b`}, {Opaque: `a" "b`}, {Opaque: "a b"}, {Opaque: "a,b"},
	}
	fields := []string{
		"", `"a"`, `W/"a"`, `"a", "b"`, `"b", W/"a"`, ` "a"`, `"a" `, `*`, `"b"`, `W/""`, `""`,
		`"a"b"`, `"a" "b"`, `"a b"`, `"a,b"`, `bogus`, "\"a\"\n\"b\"", "\"b\"\n\"a\"",
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions}
	dates := []string{"", httpDate(lm), httpDate(lm.Add(-3600e9))}
	n := 0
	for _, tag := range tags {
		for _, withDate := range []bool{false, true} {
			v := Validators{ETag: tag, Exists: true}
			if withDate {
				v.LastModified = lm
			}
			for _, method := range methods {
				for _, im := range fields {
					for _, inm := range fields {
						for _, date := range dates {
							h := http.Header{}
							for name, val := range map[string]string{"If-Match": im, "If-None-Match": inm, "If-Modified-Since": date, "If-Unmodified-Since": date} {
								if l := lines(val); l != nil {
									h[name] = l
								}
							}
							r := &http.Request{Method: method, Header: h}
							for _, opts := range []Options{{Now: fixedNow}, {Now: fixedNow, RequirePrecondition: true}} {
								n++
								if !assert.Equalf(t, evaluateGeneral(r, v, opts), Evaluate(r, v, opts),
									"%s If-Match %q If-None-Match %q date %q tag %#v Last-Modified %v", method, im, inm, date, tag, withDate) {
									return
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d combinations", n)
}

// TestMatchShortcut checks the exact-form shortcut of match on its edges:
// it answers Matched for the current tag's header form and otherwise
// agrees with the list scan.
func TestMatchShortcut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field string
		tag   etag.Tag
		weak  bool
		want  precond.Match
	}{
		{`"a"`, etag.Tag{Opaque: "a"}, true, precond.Matched},                   // §8.8.3.2 weak comparison
		{`"a"`, etag.Tag{Opaque: "a"}, false, precond.Matched},                  // strong comparison, both strong
		{`W/"a"`, etag.Tag{Opaque: "a", Weak: true}, true, precond.Matched},     // weak tags match weakly
		{`W/"a"`, etag.Tag{Opaque: "a", Weak: true}, false, precond.NotMatched}, // never strongly
		{`""`, etag.Tag{}, true, precond.NotMatched},                            // the zero Tag is no tag
		{`"a"b"`, etag.Tag{Opaque: `a"b`}, true, precond.NoMember},              // not a tag's form: "a" then junk, one malformed member
		{`"a" "b"`, etag.Tag{Opaque: `a" "b`}, true, precond.NoMember},          // two tags without a comma: one malformed member
	} {
		got := match([]string{tc.field}, tc.tag, tc.weak)
		assert.Equalf(t, tc.want, got, "match(%q, %#v, weak=%v)", tc.field, tc.tag, tc.weak)
		assert.Equalf(t, precond.Field([]string{tc.field}, precond.Match(etag.Match([]string{tc.field}, tc.tag, tc.weak))), got,
			"match(%q, %#v, weak=%v) against the scan", tc.field, tc.tag, tc.weak)
	}
}
