package precond

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestEvaluateDecisions checks the decisions this package owns on their own:
// what a present field means when the caller's comparison found nothing
// usable in it, and which field makes which other one ignored. The full
// tables with real header values are package conditional's.
func TestEvaluateDecisions(t *testing.T) {
	t.Parallel()
	lm := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return lm.Add(time.Hour) }
	before := lm.Add(-time.Second).Format(http.TimeFormat)
	same := lm.Format(http.TimeFormat)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name     string
		method   string
		h        http.Header
		im, inm  Match
		exists   bool
		required bool
		want     Outcome
	}{
		// RFC 9110 §13.1.1: present If-Match, nothing matchable: false.
		{"If-Match no member GET", "GET", h("If-Match", "x"), NoMember, NoMember, true, false, Failed},
		{"If-Match no member PUT", "PUT", h("If-Match", ""), NoMember, NoMember, true, false, Failed},
		{"If-Match no member, resource missing", "DELETE", h("If-Match", "x"), NoMember, NoMember, false, false, Failed},
		{"If-Match not matched", "PUT", h("If-Match", "x"), NotMatched, NoMember, true, false, Failed},
		{"If-Match matched", "PUT", h("If-Match", "x"), Matched, NoMember, true, false, Proceed},
		{"If-Match * exists", "PUT", h("If-Match", "x"), Any, NoMember, true, false, Proceed},
		{"If-Match * missing", "PUT", h("If-Match", "x"), Any, NoMember, false, false, Failed},
		// A result without the field is never read.
		{"If-Match result without field", "PUT", h(), NotMatched, NoMember, true, false, Proceed},
		// §13.1.4: present If-Match makes If-Unmodified-Since ignored.
		{"If-Match true, If-Unmodified-Since false ignored", "PUT", h("If-Match", "x", "If-Unmodified-Since", before), Matched, NoMember, true, false, Proceed},
		{"If-Unmodified-Since false without If-Match", "PUT", h("If-Unmodified-Since", before), NoMember, NoMember, true, false, Failed},
		// §13.1.2: present If-None-Match with nothing readable: true for
		// GET/HEAD, false for the rest.
		{"If-None-Match no member GET", "GET", h("If-None-Match", "x"), NoMember, NoMember, true, false, Proceed},
		{"If-None-Match no member HEAD", "HEAD", h("If-None-Match", "x"), NoMember, NoMember, true, false, Proceed},
		{"If-None-Match no member PUT", "PUT", h("If-None-Match", "x"), NoMember, NoMember, false, false, NoneMatchFailed},
		{"If-None-Match no member PATCH", "PATCH", h("If-None-Match", ""), NoMember, NoMember, true, false, NoneMatchFailed},
		{"If-None-Match matched GET", "GET", h("If-None-Match", "x"), NoMember, Matched, true, false, NotModified},
		{"If-None-Match matched PUT", "PUT", h("If-None-Match", "x"), NoMember, Matched, true, false, NoneMatchFailed},
		{"If-None-Match * missing PUT", "PUT", h("If-None-Match", "x"), NoMember, Any, false, true, Proceed},
		{"If-None-Match not matched GET", "GET", h("If-None-Match", "x"), NoMember, NotMatched, true, false, Proceed},
		// §13.1.3: present If-None-Match makes If-Modified-Since ignored.
		{"If-None-Match unreadable, If-Modified-Since ignored", "GET", h("If-None-Match", "x", "If-Modified-Since", same), NoMember, NoMember, true, false, Proceed},
		{"If-Modified-Since alone", "GET", h("If-Modified-Since", same), NoMember, NoMember, true, false, NotModified},
		// RFC 6585 §3.
		{"required, unguarded", "PUT", h(), NoMember, NoMember, true, true, Required},
		{"required, If-None-Match tag is no guard", "PUT", h("If-None-Match", "x"), NoMember, NotMatched, true, true, Required},
		{"required, GET", "GET", h(), NoMember, NoMember, true, true, Proceed},
		// §13.2.1.
		{"OPTIONS ignores everything", "OPTIONS", h("If-Match", "x"), NoMember, NoMember, true, true, Proceed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := Input{Method: tc.method, Header: tc.h, IfMatch: Field(tc.h["If-Match"], tc.im), IfNoneMatch: Field(tc.h["If-None-Match"], tc.inm),
				LastModified: lm, Exists: tc.exists, Now: now, RequirePrecondition: tc.required}
			assert.Equal(t, tc.want, Evaluate(&in))
		})
	}
}

func TestField(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Absent, Field(nil, NotMatched), "no line: absent whatever the comparison said")
	assert.Equal(t, Absent, Field([]string{}, Matched))
	assert.Equal(t, NoMember, Field([]string{""}, NoMember), "an empty line is present (RFC 9110 §5.6.1)")
	assert.Equal(t, Matched, Field([]string{`"a"`}, Matched))
}

func TestEvaluateReadsClockOnce(t *testing.T) {
	t.Parallel()
	calls := 0
	lm := time.Date(2024, time.May, 1, 12, 0, 0, 0, time.UTC)
	in := Input{Method: "GET", IfMatch: Absent, IfNoneMatch: Absent, LastModified: lm, Exists: true, Now: func() time.Time { calls++; return lm.Add(time.Hour) },
		Header: http.Header{"If-Unmodified-Since": {lm.Format(http.TimeFormat)}, "If-Modified-Since": {lm.Format(http.TimeFormat)}}}
	assert.Equal(t, NotModified, Evaluate(&in))
	assert.Equal(t, 1, calls)
}
