package conditional

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	both := Validators{ETag: tagA, LastModified: lm}
	onlyTag := Validators{ETag: tagA}
	onlyDate := Validators{LastModified: lm}
	weakOnly := Validators{ETag: weakTagA, LastModified: lm}
	missing := Validators{}
	bare := Validators{Exists: true}
	future := Validators{ETag: tagA, LastModified: now.Add(time.Hour)}

	before := httpDate(lm.Add(-time.Second))
	same := httpDate(lm) // lm truncated to its second
	after := httpDate(lm.Add(time.Second))

	tests := []struct {
		name   string
		method string
		h      http.Header
		v      Validators
		want   Outcome
	}{
		{"no preconditions", "GET", hdr(), both, Proceed},
		{"no preconditions PUT", "PUT", hdr(), both, Proceed},

		// RFC 9110 §13.2.2 step 1: If-Match, strong comparison (§13.1.1).
		{"step1 If-Match matches", "PUT", hdr("If-Match", `"a"`), both, Proceed},
		{"step1 If-Match differs", "PUT", hdr("If-Match", `"b"`), both, PreconditionFailed},
		{"step1 If-Match weak member never matches", "PUT", hdr("If-Match", `W/"a"`), both, PreconditionFailed},
		{"step1 If-Match against weak current tag", "PUT", hdr("If-Match", `"a"`), weakOnly, PreconditionFailed},
		{"step1 If-Match list, later member matches", "PUT", hdr("If-Match", `"x", "a"`), both, Proceed},
		{"step1 If-Match field lines combine (§5.3)", "PUT", hdr("If-Match", `"x"`, "If-Match", `"a"`), both, Proceed},
		{"step1 If-Match * with representation", "PUT", hdr("If-Match", `*`), both, Proceed},
		{"step1 If-Match * exists without validators", "PUT", hdr("If-Match", `*`), bare, Proceed},
		{"step1 If-Match * without representation", "PUT", hdr("If-Match", `*`), missing, PreconditionFailed},
		{"step1 If-Match tag without representation", "PUT", hdr("If-Match", `"a"`), missing, PreconditionFailed},
		{"step1 If-Match tag, resource has no ETag", "PUT", hdr("If-Match", `"a"`), onlyDate, PreconditionFailed},
		{"step1 If-Match fails on GET too", "GET", hdr("If-Match", `"b"`), both, PreconditionFailed},
		{"step1 If-Match fails on DELETE", "DELETE", hdr("If-Match", `"b"`), both, PreconditionFailed},
		{"step1 If-Match malformed member skipped", "PUT", hdr("If-Match", `bogus, "a"`), both, Proceed},
		// RFC 9110 §13.1.1: a present If-Match is a condition; with no member
		// that can match it is false, for every method (issue 12 reversed
		// the old "no valid member counts as absent").
		{"step1 If-Match without valid member is false", "PUT", hdr("If-Match", `bogus`), both, PreconditionFailed},
		{"step1 If-Match unquoted is false", "PUT", hdr("If-Match", `abc`), both, PreconditionFailed},
		{"step1 If-Match single-quoted is false", "PUT", hdr("If-Match", `'a'`), both, PreconditionFailed},
		{"step1 If-Match unterminated is false", "PUT", hdr("If-Match", `"a`), both, PreconditionFailed},
		{"step1 If-Match unquoted weak is false", "PUT", hdr("If-Match", `W/a`), both, PreconditionFailed},
		{"step1 If-Match empty is false", "PUT", hdr("If-Match", ``), both, PreconditionFailed},
		{"step1 If-Match only commas is false", "PUT", hdr("If-Match", ` , ,`), both, PreconditionFailed},
		{"step1 If-Match malformed is false on GET", "GET", hdr("If-Match", `abc`), both, PreconditionFailed},
		{"step1 If-Match malformed is false on HEAD", "HEAD", hdr("If-Match", `abc`), both, PreconditionFailed},
		{"step1 If-Match malformed is false on DELETE", "DELETE", hdr("If-Match", `'a'`), both, PreconditionFailed},
		{"step1 If-Match malformed is false on PATCH", "PATCH", hdr("If-Match", `"a`), both, PreconditionFailed},
		{"step1 If-Match malformed is false on POST", "POST", hdr("If-Match", `W/a`), both, PreconditionFailed},
		{"step1 If-Match malformed is false without representation", "PUT", hdr("If-Match", `abc`), missing, PreconditionFailed},
		{"step1 If-Match malformed line beside a matching one", "PUT", hdr("If-Match", `abc`, "If-Match", `"a"`), both, Proceed},
		{"step1 If-Match malformed beats matching If-None-Match on GET", "GET", hdr("If-Match", `abc`, "If-None-Match", `"a"`), both, PreconditionFailed},
		{"step1 If-Match true, If-Unmodified-Since not evaluated", "PUT", hdr("If-Match", `"a"`, "If-Unmodified-Since", before), both, Proceed},
		{"step1 If-Match false beats true If-Unmodified-Since", "PUT", hdr("If-Match", `"b"`, "If-Unmodified-Since", after), both, PreconditionFailed},
		{"step1 If-Match true, step3 If-None-Match false on PUT", "PUT", hdr("If-Match", `"a"`, "If-None-Match", `"a"`), both, PreconditionFailed},
		{"step1 If-Match true, step3 If-None-Match false on GET", "GET", hdr("If-Match", `"a"`, "If-None-Match", `"a"`), both, NotModified},

		// RFC 9110 §13.2.2 step 2: If-Unmodified-Since when If-Match is absent (§13.1.4).
		{"step2 If-Unmodified-Since equal second", "PUT", hdr("If-Unmodified-Since", same), both, Proceed},
		{"step2 If-Unmodified-Since later", "PUT", hdr("If-Unmodified-Since", after), both, Proceed},
		{"step2 If-Unmodified-Since earlier", "PUT", hdr("If-Unmodified-Since", before), both, PreconditionFailed},
		{"step2 If-Unmodified-Since earlier on GET", "GET", hdr("If-Unmodified-Since", before), both, PreconditionFailed},
		{"step2 If-Unmodified-Since rfc850-date", "PUT", hdr("If-Unmodified-Since", rfc850(lm.Add(-time.Second))), both, PreconditionFailed},
		{"step2 If-Unmodified-Since asctime-date", "PUT", hdr("If-Unmodified-Since", asctime(lm.Add(-time.Second))), both, PreconditionFailed},
		{"step2 invalid date ignored (§13.1.4)", "PUT", hdr("If-Unmodified-Since", "yesterday"), both, Proceed},
		{"step2 list of dates ignored (§13.1.4)", "PUT", hdr("If-Unmodified-Since", before+", "+before), both, Proceed},
		{"step2 several field lines ignored (§13.1.4)", "PUT", hdr("If-Unmodified-Since", before, "If-Unmodified-Since", before), both, Proceed},
		{"step2 ignored without Last-Modified (§13.1.4)", "PUT", hdr("If-Unmodified-Since", before), onlyTag, Proceed},
		// RFC 9110 §13.1.4, §13.2.2 step 2: a present If-Match, parsable or
		// not, makes If-Unmodified-Since ignored.
		{"step2 ignored when If-Match present but unparsable", "PUT", hdr("If-Match", "bogus", "If-Unmodified-Since", after), both, PreconditionFailed},
		{"step2 ignored when If-Match present and true", "PUT", hdr("If-Match", `*`, "If-Unmodified-Since", before), both, Proceed},
		{"step2 ignored when If-Match empty", "DELETE", hdr("If-Match", ``, "If-Unmodified-Since", after), both, PreconditionFailed},
		{"step2 future Last-Modified clamped to now (§8.8.2.1)", "PUT", hdr("If-Unmodified-Since", httpDate(now)), future, Proceed},

		// RFC 9110 §13.2.2 step 3: If-None-Match, weak comparison (§13.1.2).
		{"step3 If-None-Match matches on GET", "GET", hdr("If-None-Match", `"a"`), both, NotModified},
		{"step3 If-None-Match matches on HEAD", "HEAD", hdr("If-None-Match", `"a"`), both, NotModified},
		{"step3 If-None-Match weak member matches", "GET", hdr("If-None-Match", `W/"a"`), both, NotModified},
		{"step3 If-None-Match matches weak current tag", "GET", hdr("If-None-Match", `"a"`), weakOnly, NotModified},
		{"step3 If-None-Match matches on PUT", "PUT", hdr("If-None-Match", `"a"`), both, PreconditionFailed},
		{"step3 If-None-Match matches on DELETE", "DELETE", hdr("If-None-Match", `"a"`), both, PreconditionFailed},
		{"step3 If-None-Match matches on POST", "POST", hdr("If-None-Match", `W/"a"`), both, PreconditionFailed},
		{"step3 If-None-Match differs", "GET", hdr("If-None-Match", `"b"`), both, Proceed},
		{"step3 If-None-Match field lines combine (§5.3)", "GET", hdr("If-None-Match", `"b"`, "If-None-Match", `"c", "a"`), both, NotModified},
		{"step3 If-None-Match * with representation on GET", "GET", hdr("If-None-Match", `*`), both, NotModified},
		{"step3 If-None-Match * exists without validators", "GET", hdr("If-None-Match", `*`), bare, NotModified},
		{"step3 If-None-Match * with representation on PUT", "PUT", hdr("If-None-Match", `*`), both, PreconditionFailed},
		{"step3 If-None-Match * without representation on PUT", "PUT", hdr("If-None-Match", `*`), missing, Proceed},
		{"step3 If-None-Match * without representation on GET", "GET", hdr("If-None-Match", `*`), missing, Proceed},
		{"step3 If-None-Match, resource has no ETag", "GET", hdr("If-None-Match", `"a"`), onlyDate, Proceed},
		{"step3 If-None-Match present, If-Modified-Since not evaluated", "GET", hdr("If-None-Match", `"b"`, "If-Modified-Since", same), both, Proceed},
		// RFC 9110 §13.1.3: a present If-None-Match, parsable or not, makes
		// If-Modified-Since ignored (issue 12 reversed the old 304 here).
		{"step3 If-None-Match without valid member, If-Modified-Since ignored", "GET", hdr("If-None-Match", `bogus`, "If-Modified-Since", same), both, Proceed},
		{"step3 If-None-Match empty, If-Modified-Since ignored", "GET", hdr("If-None-Match", ``, "If-Modified-Since", same), both, Proceed},
		{"step3 If-None-Match unterminated, If-Modified-Since ignored on HEAD", "HEAD", hdr("If-None-Match", `"a`, "If-Modified-Since", same), both, Proceed},
		// Unparsable If-None-Match: true for GET/HEAD (send the full
		// representation, as net/http does), false for other methods (a
		// guard that cannot be read refuses the write).
		{"step3 If-None-Match unparsable on GET is true", "GET", hdr("If-None-Match", `abc`), both, Proceed},
		{"step3 If-None-Match unparsable on PUT is false", "PUT", hdr("If-None-Match", `abc`), both, PreconditionFailed},
		{"step3 If-None-Match mangled * on PUT to create is false", "PUT", hdr("If-None-Match", `"*"x`), missing, PreconditionFailed},
		{"step3 If-None-Match empty on DELETE is false", "DELETE", hdr("If-None-Match", ``), both, PreconditionFailed},
		{"step3 If-None-Match unparsable on POST is false", "POST", hdr("If-None-Match", `W/a`), missing, PreconditionFailed},
		{"step3 If-None-Match malformed member skipped beside a valid one", "GET", hdr("If-None-Match", `bogus, "a"`), both, NotModified},
		{"step3 If-None-Match malformed member skipped on PUT", "PUT", hdr("If-None-Match", `bogus, "b"`), both, Proceed},
		{"step3 after passing If-Unmodified-Since", "GET", hdr("If-Unmodified-Since", after, "If-None-Match", `"a"`), both, NotModified},

		// RFC 9110 §13.2.2 step 4: If-Modified-Since, GET/HEAD, If-None-Match absent (§13.1.3).
		{"step4 If-Modified-Since equal second", "GET", hdr("If-Modified-Since", same), both, NotModified},
		{"step4 If-Modified-Since equal second on HEAD", "HEAD", hdr("If-Modified-Since", same), both, NotModified},
		{"step4 If-Modified-Since later", "GET", hdr("If-Modified-Since", after), both, NotModified},
		{"step4 If-Modified-Since earlier", "GET", hdr("If-Modified-Since", before), both, Proceed},
		{"step4 rfc850-date", "GET", hdr("If-Modified-Since", rfc850(lm)), both, NotModified},
		{"step4 asctime-date", "GET", hdr("If-Modified-Since", asctime(lm)), both, NotModified},
		{"step4 ignored on PUT", "PUT", hdr("If-Modified-Since", same), both, Proceed},
		{"step4 ignored on POST", "POST", hdr("If-Modified-Since", after), both, Proceed},
		{"step4 invalid date ignored", "GET", hdr("If-Modified-Since", "Sat, 32 Oct 1994 19:43:31 GMT"), both, Proceed},
		{"step4 HTTP-date is case-sensitive", "GET", hdr("If-Modified-Since", "wed, 01 may 2024 12:00:00 gmt"), both, Proceed},
		{"step4 list of dates ignored", "GET", hdr("If-Modified-Since", same+", "+same), both, Proceed},
		{"step4 several field lines ignored", "GET", hdr("If-Modified-Since", same, "If-Modified-Since", same), both, Proceed},
		{"step4 ignored without Last-Modified", "GET", hdr("If-Modified-Since", same), onlyTag, Proceed},
		{"step4 ignored when resource missing", "GET", hdr("If-Modified-Since", same), missing, Proceed},
		{"step4 future Last-Modified clamped to now (§8.8.2.1)", "GET", hdr("If-Modified-Since", httpDate(now)), future, NotModified},
		{"step4 surrounding whitespace trimmed", "GET", hdr("If-Modified-Since", " "+same+"\t"), both, NotModified},

		// RFC 9110 §13.2.1: preconditions ignored for methods that select no representation.
		{"OPTIONS ignores If-Match", "OPTIONS", hdr("If-Match", `"b"`), both, Proceed},
		{"TRACE ignores If-None-Match", "TRACE", hdr("If-None-Match", `*`), both, Proceed},
		{"CONNECT ignores If-Unmodified-Since", "CONNECT", hdr("If-Unmodified-Since", before), both, Proceed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRequest(tc.method, tc.h)
			got := Evaluate(r, tc.v, Options{Now: fixedNow})
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestEvaluateRequirePrecondition(t *testing.T) {
	t.Parallel()
	both := Validators{ETag: tagA, LastModified: lm}
	tests := []struct {
		name   string
		method string
		h      http.Header
		v      Validators
		want   Outcome
	}{
		// RFC 6585 §3: the origin server requires the request to be conditional.
		{"PUT without precondition", "PUT", hdr(), both, PreconditionRequired},
		{"PATCH without precondition", "PATCH", hdr(), both, PreconditionRequired},
		{"DELETE without precondition", "DELETE", hdr(), both, PreconditionRequired},
		{"POST without precondition", "POST", hdr(), both, PreconditionRequired},
		{"PUT with matching If-Match", "PUT", hdr("If-Match", `"a"`), both, Proceed},
		{"PUT with If-Match *", "PUT", hdr("If-Match", `*`), both, Proceed},
		{"PUT with valid If-Unmodified-Since", "PUT", hdr("If-Unmodified-Since", httpDate(lm)), both, Proceed},
		{"PUT with If-None-Match * to create", "PUT", hdr("If-None-Match", `*`), Validators{}, Proceed},
		{"PUT with If-None-Match tag is not a guard", "PUT", hdr("If-None-Match", `"b"`), both, PreconditionRequired},
		// RFC 9110 §13.1.1: an unparsable If-Match is a false condition: 412, not 428.
		{"If-Match without valid member is 412", "PUT", hdr("If-Match", `bogus`), both, PreconditionFailed},
		{"unparsable If-None-Match is 412", "PUT", hdr("If-None-Match", `bogus`), Validators{}, PreconditionFailed},
		{"invalid If-Unmodified-Since is absent", "PUT", hdr("If-Unmodified-Since", "soon"), both, PreconditionRequired},
		{"If-Unmodified-Since ignored without Last-Modified", "PUT", hdr("If-Unmodified-Since", httpDate(lm)), Validators{ETag: tagA}, PreconditionRequired},
		{"If-Modified-Since is no guard", "PUT", hdr("If-Modified-Since", httpDate(lm)), both, PreconditionRequired},
		{"412 wins over 428", "PUT", hdr("If-None-Match", `"a"`), both, PreconditionFailed},
		{"failed If-Match is 412", "PUT", hdr("If-Match", `"b"`), both, PreconditionFailed},
		{"GET needs nothing", "GET", hdr(), both, Proceed},
		{"HEAD needs nothing", "HEAD", hdr(), both, Proceed},
		{"OPTIONS needs nothing", "OPTIONS", hdr(), both, Proceed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRequest(tc.method, tc.h)
			got := Evaluate(r, tc.v, Options{RequirePrecondition: true, Now: fixedNow})
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestEvaluateAlreadyApplied(t *testing.T) {
	t.Parallel()
	both := Validators{ETag: tagA, LastModified: lm}
	tests := []struct {
		name      string
		method    string
		h         http.Header
		applied   bool
		want      Outcome
		wantCalls int
	}{
		// RFC 9110 §13.2.2 steps 1 and 2: "unless it can be determined that
		// the state-changing request has already succeeded".
		{"step1 If-Match false, applied", "PUT", hdr("If-Match", `"b"`), true, AlreadyApplied, 1},
		{"step1 If-Match false, not applied", "PUT", hdr("If-Match", `"b"`), false, PreconditionFailed, 1},
		{"step2 If-Unmodified-Since false, applied", "DELETE", hdr("If-Unmodified-Since", httpDate(lm.Add(-time.Second))), true, AlreadyApplied, 1},
		{"safe method never asks", "GET", hdr("If-Match", `"b"`), true, PreconditionFailed, 0},
		{"step3 If-None-Match failure never asks", "PUT", hdr("If-None-Match", `"a"`), true, PreconditionFailed, 0},
		{"passing request never asks", "PUT", hdr("If-Match", `"a"`), true, Proceed, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRequest(tc.method, tc.h)
			calls := 0
			opts := Options{Now: fixedNow, AlreadyAppliedFunc: func(got *http.Request, v Validators) bool {
				calls++
				assert.Same(t, r, got)
				assert.Equal(t, both, v)
				return tc.applied
			}}
			assert.Equal(t, tc.want, Evaluate(r, both, opts))
			assert.Equal(t, tc.wantCalls, calls)
		})
	}
}

func TestEvaluateDefaultClock(t *testing.T) {
	t.Parallel()
	// Without Options.Now the clock is time.Now: a Last-Modified an hour
	// ahead is clamped to the present, which is before a date a day ahead.
	v := Validators{LastModified: time.Now().Add(time.Hour)}
	r := newRequest("GET", hdr("If-Modified-Since", httpDate(time.Now().Add(24*time.Hour))))
	assert.Equal(t, NotModified, Evaluate(r, v, Options{}))
}

func TestRangeApplies(t *testing.T) {
	t.Parallel()
	both := Validators{ETag: tagA, LastModified: lm}
	tests := []struct {
		name   string
		method string
		h      http.Header
		v      Validators
		want   bool
	}{
		// RFC 9110 §13.2.2 step 5 and §13.1.5.
		{"Range without If-Range", "GET", hdr("Range", "bytes=0-1"), both, true},
		{"no Range", "GET", hdr("If-Range", `"a"`), both, false},
		{"empty Range", "GET", hdr("Range", " "), both, false},
		{"HEAD ignores Range (§14.2)", "HEAD", hdr("Range", "bytes=0-1"), both, false},
		{"PUT ignores Range (§14.2)", "PUT", hdr("Range", "bytes=0-1"), both, false},
		{"step5 strong tag matches", "GET", hdr("Range", "bytes=0-1", "If-Range", `"a"`), both, true},
		{"step5 strong tag differs", "GET", hdr("Range", "bytes=0-1", "If-Range", `"b"`), both, false},
		{"step5 weak tag never matches", "GET", hdr("Range", "bytes=0-1", "If-Range", `W/"a"`), Validators{ETag: weakTagA}, false},
		{"step5 strong tag against weak current", "GET", hdr("Range", "bytes=0-1", "If-Range", `"a"`), Validators{ETag: weakTagA}, false},
		{"step5 tag, resource has no ETag", "GET", hdr("Range", "bytes=0-1", "If-Range", `""`), Validators{LastModified: lm}, false},
		{"step5 date equals old Last-Modified", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(lm)), both, true},
		{"step5 date earlier", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(lm.Add(-time.Second))), both, false},
		{"step5 date later", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(lm.Add(time.Second))), both, false},
		{"step5 date without Last-Modified", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(lm)), Validators{ETag: tagA}, false},
		{"step5 date of the current second is weak (§8.8.2.2)", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(now)), Validators{LastModified: now}, false},
		{"step5 future Last-Modified clamped, then weak", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(now)), Validators{LastModified: now.Add(time.Hour)}, false},
		{"step5 date one second old is strong", "GET", hdr("Range", "bytes=0-1", "If-Range", httpDate(now.Add(-time.Second))), Validators{LastModified: now.Add(-time.Second)}, true},
		{"step5 malformed If-Range", "GET", hdr("Range", "bytes=0-1", "If-Range", "a"), both, false},
		{"step5 tag with trailing text", "GET", hdr("Range", "bytes=0-1", "If-Range", `"a" x`), both, false},
		{"step5 list of tags", "GET", hdr("Range", "bytes=0-1", "If-Range", `"a", "a"`), both, false},
		{"step5 several field lines", "GET", hdr("Range", "bytes=0-1", "If-Range", `"a"`, "If-Range", `"a"`), both, false},
		{"step5 invalid characters in tag", "GET", hdr("Range", "bytes=0-1", "If-Range", "\"a\x01\""), both, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRequest(tc.method, tc.h)
			assert.Equal(t, tc.want, RangeApplies(r, tc.v, Options{Now: fixedNow}))
		})
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o      Outcome
		name   string
		status int
	}{
		{Outcome(0), "Outcome(0)", 0},
		{Proceed, "Proceed", 0},
		{NotModified, "NotModified", http.StatusNotModified},
		{PreconditionFailed, "PreconditionFailed", http.StatusPreconditionFailed},
		{PreconditionRequired, "PreconditionRequired", http.StatusPreconditionRequired},
		{AlreadyApplied, "AlreadyApplied", http.StatusNoContent},
		{Outcome(99), "Outcome(99)", 0},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.name, tc.o.String())
		assert.Equal(t, tc.status, tc.o.Status())
	}
}

func TestEvaluateDoesNotMutateRequest(t *testing.T) {
	t.Parallel()
	h := hdr("If-Match", `"a"`, "If-None-Match", ` "b" `, "If-Modified-Since", httpDate(lm))
	want := h.Clone()
	r := newRequest("GET", h)
	require.Equal(t, Proceed, Evaluate(r, Validators{ETag: tagA, LastModified: lm}, Options{Now: fixedNow}))
	assert.Equal(t, want, r.Header)
}
