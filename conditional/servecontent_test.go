package conditional

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpsem/httpsem/etag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The differential test feeds the same GET/HEAD request to Evaluate (plus
// RangeApplies) and to http.ServeContent and compares the statuses.
//
// ServeContent deviates from RFC 9110 in a few places. Where the deviation
// is only in how it reads the fields, the request given to ServeContent is
// rewritten to an equivalent one it reads correctly; where the semantics
// differ, the combination is excluded and counted:
//
//   - Several field lines of If-Match / If-None-Match: ServeContent reads only
//     the first line; RFC 9110 §5.3 makes them one list. Oracle gets the lines
//     joined with ", ".
//   - Several field lines of If-Modified-Since / If-Unmodified-Since:
//     ServeContent reads the first; RFC 9110 §13.1.3/§13.1.4 make a list of
//     dates invalid, so the field is ignored. Oracle gets the field removed.
//   - Several field lines of If-Range: ServeContent reads the first; we treat
//     the field as invalid, so the Range is ignored. Oracle gets an invalid
//     If-Range ("x"), which it also evaluates to false.
//   - HEAD with Range: ServeContent answers 206; RFC 9110 §14.2 defines range
//     handling for GET only, so we answer 200. Oracle's 206 on HEAD is read
//     as 200.
//   - EXCLUDED: an If-Match / If-None-Match list whose malformed member comes
//     before a valid one. ServeContent stops at the first malformed member,
//     so what follows never matches; RFC 9110 §5.6.1 lets a recipient skip
//     what it cannot parse, and the valid members decide here.
//   - EXCLUDED: an empty If-Match / If-None-Match field value. ServeContent
//     reads it as absent; it is a present field whose list has no member
//     (RFC 9110 §5.6.1 allows the empty list), so here If-Match is false and
//     If-None-Match makes If-Modified-Since ignored (§13.1.1, §13.1.3).
//
// A field with no valid member at all ("bogus", "'v1'", an unterminated
// "\"v1", "W/v1") is compared, not excluded: both sides treat it as a
// present field, false for If-Match, true for If-None-Match on GET and HEAD
// with If-Modified-Since ignored (§13.1.1, §13.1.3).
//
// Not generated because the two sides differ by design and the unit tests
// cover them: If-Range with a date equal to a Last-Modified of the current
// second (weak, §8.8.2.2, ServeContent does not check), a Last-Modified in
// the future (clamped here, §8.8.2.1), the Unix epoch as Last-Modified
// (ServeContent treats it as "none"), lower-case or otherwise lenient dates
// that time.Parse accepts, and entity-tags followed by text without a comma.

type listCase struct {
	members []string
	split   bool // one field line per member
	skip    bool // excluded, see above
}

func (l listCase) lines() []string {
	if l.members == nil {
		return nil
	}
	if l.split {
		return append([]string(nil), l.members...)
	}
	return []string{strings.Join(l.members, ", ")}
}

func listCases() []listCase {
	valid := func(m string) bool {
		return m == "*" || len(m) > 1 && strings.Count(m, `"`) == 2 && (m[0] == '"' || strings.HasPrefix(m, `W/"`))
	}
	lists := [][]string{
		nil,
		{`"v1"`}, {`W/"v1"`}, {`"v2"`}, {`*`},
		{`"v2"`, `"v1"`}, {`"v2"`, `W/"v1"`}, {`W/"v2"`, `"v3"`},
		{`bogus`}, {`W/v1`}, {`'v1'`}, {`"v1`}, {`bogus`, `'v2'`},
		{`"v2"`, `bogus`}, {`"v1"`, `bogus`},
		{`bogus`, `"v1"`}, {`bogus`, `"v2"`},
		{``},
	}
	var out []listCase
	for _, members := range lists {
		skip := len(members) == 1 && members[0] == ""
		seenBad := false
		for _, m := range members {
			if !valid(m) {
				seenBad = true
			} else if seenBad {
				skip = true
			}
		}
		out = append(out, listCase{members: members, skip: skip})
		if len(members) > 1 {
			out = append(out, listCase{members: members, split: true, skip: skip})
		}
	}
	return out
}

func dateCases() [][]string {
	return [][]string{
		nil,
		{httpDate(lm.Add(-time.Second))},
		{httpDate(lm)},
		{httpDate(lm.Add(time.Second))},
		{rfc850(lm)},
		{asctime(lm.Add(-time.Second))},
		{"garbage"},
		{httpDate(lm) + ", " + httpDate(lm)},
		{httpDate(lm), httpDate(lm.Add(-time.Hour))},
	}
}

type rangeCase struct {
	rng     string
	ifRange []string
}

func rangeCases() []rangeCase {
	out := []rangeCase{{}}
	for _, ir := range [][]string{
		nil, {`"v1"`}, {`W/"v1"`}, {`"v2"`}, {httpDate(lm)}, {httpDate(lm.Add(time.Second))},
		{asctime(lm)}, {"x"}, {`"v1"`, `"v1"`},
	} {
		out = append(out, rangeCase{rng: "bytes=0-4", ifRange: ir})
	}
	return out
}

func TestServeContentDifferential(t *testing.T) {
	t.Parallel()
	methods := []string{"GET", "HEAD"}
	tags := []string{"", `"v1"`, `W/"v1"`}
	mods := []time.Time{{}, lm}
	lists := listCases()
	dates := dateCases()
	ranges := rangeCases()
	content := strings.Repeat("0123456789", 10)

	n := 40000
	if testing.Short() {
		n = 5000
	}
	rng := rand.New(rand.NewPCG(2, 9110))
	compared, excluded := 0, 0
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		method := methods[rng.IntN(len(methods))]
		tag := tags[rng.IntN(len(tags))]
		mod := mods[rng.IntN(len(mods))]
		// Index 0 is "absent"; it is drawn half the time so that the later
		// steps of §13.2.2 are reached often.
		pick := func(n int) int {
			if rng.IntN(2) == 0 {
				return 0
			}
			return rng.IntN(n)
		}
		im := lists[pick(len(lists))]
		ius := dates[pick(len(dates))]
		inm := lists[pick(len(lists))]
		ims := dates[pick(len(dates))]
		rc := ranges[rng.IntN(len(ranges))]
		if im.skip || inm.skip {
			excluded++
			continue
		}

		h := http.Header{}
		oracle := http.Header{}
		setLines := func(name string, lines []string) {
			if len(lines) > 0 {
				h[name] = lines
			}
		}
		setLines("If-Match", im.lines())
		setLines("If-None-Match", inm.lines())
		setLines("If-Unmodified-Since", ius)
		setLines("If-Modified-Since", ims)
		if rc.rng != "" {
			h["Range"] = []string{rc.rng}
		}
		setLines("If-Range", rc.ifRange)
		for k, v := range h {
			switch {
			case len(v) < 2:
				oracle[k] = v
			case k == "If-Match" || k == "If-None-Match":
				oracle[k] = []string{strings.Join(v, ", ")}
			case k == "If-Range":
				oracle[k] = []string{"x"}
			default: // a date field with several lines is ignored
			}
		}

		v := Validators{LastModified: mod, Exists: true}
		if tag != "" {
			parsed, err := etag.Parse(tag)
			require.NoError(t, err)
			v.ETag = parsed
		}
		ours := ourStatus(newRequest(method, h), v)

		req := newRequest(method, oracle)
		w := httptest.NewRecorder()
		if tag != "" {
			w.Header().Set("Etag", tag)
		}
		http.ServeContent(w, req, "", mod, strings.NewReader(content))
		theirs := w.Code
		if method == "HEAD" && theirs == http.StatusPartialContent {
			theirs = http.StatusOK // RFC 9110 §14.2, see above
		}
		compared++
		statuses[theirs]++
		if !assert.Equalf(t, theirs, ours, "%s ETag=%s LM=%v headers=%q: Evaluate → %d, ServeContent → %d", method, tag, !mod.IsZero(), h, ours, theirs) {
			if t.Failed() && compared > 20 {
				t.FailNow()
			}
		}
	}
	// The comparison must have covered most combinations.
	assert.Greater(t, compared, n/2, "excluded %d", excluded)
	// ... and reached every outcome often.
	for _, code := range []int{200, 206, 304, 412} {
		assert.Greater(t, statuses[code], n/100, "status %d: %v", code, statuses)
	}
	t.Logf("compared %d, excluded %d, statuses %v", compared, excluded, statuses)
}

// ourStatus is the status a handler built on this package sends.
func ourStatus(r *http.Request, v Validators) int {
	opts := Options{Now: fixedNow}
	switch Evaluate(r, v, opts) {
	case NotModified:
		return http.StatusNotModified
	case PreconditionFailed:
		return http.StatusPreconditionFailed
	}
	if RangeApplies(r, v, opts) {
		return http.StatusPartialContent
	}
	return http.StatusOK
}
