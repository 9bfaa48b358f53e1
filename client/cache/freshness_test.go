package cache

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cachecontrol "github.com/httpsem/httpsem/cache"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func date(d time.Duration) string { return t0.Add(d).Format(http.TimeFormat) }

func TestFreshness(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		header    http.Header
		heuristic bool
		// the exchange: request sent at t0+req, response at t0+resp;
		// evaluated at t0+now.
		req, resp, now time.Duration
		lifetime, age  time.Duration
	}{
		// RFC 9111 §4.2.1: max-age is the lifetime.
		{"max-age", http.Header{"Cache-Control": {"max-age=60"}, "Date": {date(0)}}, false, 0, 0, 10 * time.Second, time.Minute, 10 * time.Second},
		// §4.2.1: max-age beats Expires.
		{"max-age over Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {date(time.Hour)}, "Date": {date(0)}}, false, 0, 0, 0, time.Minute, 0},
		// §4.2.1: s-maxage is for shared caches; a private cache ignores it.
		{"s-maxage ignored", http.Header{"Cache-Control": {"s-maxage=600"}, "Date": {date(0)}}, false, 0, 0, 0, 0, 0},
		// §4.2.1: Expires minus Date.
		{"Expires - Date", http.Header{"Expires": {date(time.Hour)}, "Date": {date(0)}}, false, 0, 0, 0, time.Hour, 0},
		// §5.3: an invalid Expires, such as "0", is in the past.
		{"Expires 0", http.Header{"Expires": {"0"}, "Date": {date(0)}}, false, 0, 0, 0, 0, 0},
		{"Expires before Date", http.Header{"Expires": {date(-time.Hour)}, "Date": {date(0)}}, false, 0, 0, 0, 0, 0},
		// §4.2.2: no heuristics unless asked for.
		{"heuristic off", http.Header{"Last-Modified": {date(-100 * time.Hour)}, "Date": {date(0)}}, false, 0, 0, 0, 0, 0},
		{"heuristic 10%", http.Header{"Last-Modified": {date(-100 * time.Hour)}, "Date": {date(0)}}, true, 0, 0, 0, 10 * time.Hour, 0},
		{"heuristic capped", http.Header{"Last-Modified": {date(-1000 * 24 * time.Hour)}, "Date": {date(0)}}, true, 0, 0, 0, DefaultHeuristicMax, 0},
		{"heuristic with Last-Modified after Date", http.Header{"Last-Modified": {date(time.Hour)}, "Date": {date(0)}}, true, 0, 0, 0, 0, 0},
		// §4.2.3: Age plus the response delay.
		{"Age header", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"100"}, "Date": {date(0)}}, false, 0, 2 * time.Second, 2 * time.Second, 10 * time.Minute, 102 * time.Second},
		// §4.2.3: apparent age from a Date in the past.
		{"apparent age", http.Header{"Cache-Control": {"max-age=600"}, "Date": {date(-30 * time.Second)}}, false, 0, 0, 0, 10 * time.Minute, 30 * time.Second},
		// §4.2.3: max(0, …): a Date in the future is no negative age.
		{"Date in the future", http.Header{"Cache-Control": {"max-age=600"}, "Date": {date(time.Hour)}}, false, 0, 0, 0, 10 * time.Minute, 0},
		// §4.2.3: resident time.
		{"resident time", http.Header{"Cache-Control": {"max-age=600"}, "Date": {date(0)}}, false, 0, 0, 5 * time.Minute, 10 * time.Minute, 5 * time.Minute},
		// §5.1: an invalid Age is ignored; a list uses its first member.
		{"Age negative", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"-5"}, "Date": {date(0)}}, false, 0, 0, 0, time.Minute, 0},
		{"Age list", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"7, 100"}, "Date": {date(0)}}, false, 0, 0, 0, time.Minute, 7 * time.Second},
		{"Age huge", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"999999999999999999999"}, "Date": {date(0)}}, false, 0, 0, 0, time.Minute, maxAge},
		// RFC 9110 §6.6.1: no Date means the time of receipt.
		{"no Date", http.Header{"Cache-Control": {"max-age=60"}}, false, 0, 0, 20 * time.Second, time.Minute, 20 * time.Second},
		{"invalid Date", http.Header{"Cache-Control": {"max-age=60"}, "Date": {"yesterday"}}, false, 0, 0, 0, time.Minute, 0},
		{"Date far past", http.Header{"Cache-Control": {"max-age=60"}, "Date": {"Mon, 01 Jan 0001 00:00:00 GMT"}}, false, 0, 0, 0, time.Minute, maxAge},
		{"Expires far future", http.Header{"Expires": {"Fri, 31 Dec 9999 23:59:59 GMT"}, "Date": {date(0)}}, false, 0, 0, 0, maxAge, 0},
		{"clock went back", http.Header{"Cache-Control": {"max-age=60"}, "Date": {date(0)}}, false, 0, 0, -time.Hour, time.Minute, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &Entry{StatusCode: 200, Header: tc.header, RequestTime: t0.Add(tc.req), ResponseTime: t0.Add(tc.resp)}
			f := computeFreshness(e, cachecontrol.ParseHeader(tc.header), t0.Add(tc.now), tc.heuristic, DefaultHeuristicMax)
			assert.Equal(t, tc.lifetime, f.lifetime, "lifetime")
			assert.Equal(t, tc.age, f.age, "age")
		})
	}
}

func TestUsable(t *testing.T) {
	t.Parallel()
	fresh := freshness{lifetime: time.Minute, age: 30 * time.Second}
	stale := freshness{lifetime: time.Minute, age: 90 * time.Second}
	tests := []struct {
		name     string
		req, res string // Cache-Control of request and stored response
		pragma   string
		f        freshness
		want     bool
	}{
		{"fresh", "", "max-age=60", "", fresh, true},                                                // RFC 9111 §4.2
		{"stale", "", "max-age=60", "", stale, false},                                               // RFC 9111 §4.2.4
		{"request no-cache", "no-cache", "max-age=60", "", fresh, false},                            // RFC 9111 §5.2.1.4
		{"Pragma no-cache", "", "max-age=60", "no-cache", fresh, false},                             // RFC 9111 §5.4
		{"Pragma ignored with Cache-Control", "max-stale=0", "max-age=60", "no-cache", fresh, true}, // RFC 9111 §5.4
		{"response no-cache", "", "no-cache, max-age=60", "", fresh, false},                         // RFC 9111 §5.2.2.4
		{"response no-cache with fields", "", `no-cache="Set-Cookie", max-age=60`, "", fresh, false},
		{"request max-age older", "max-age=10", "max-age=60", "", fresh, false},                           // RFC 9111 §5.2.1.1
		{"request max-age younger", "max-age=40", "max-age=60", "", fresh, true},                          // RFC 9111 §5.2.1.1
		{"min-fresh met", "min-fresh=30", "max-age=60", "", fresh, true},                                  // RFC 9111 §5.2.1.3
		{"min-fresh not met", "min-fresh=31", "max-age=60", "", fresh, false},                             // RFC 9111 §5.2.1.3
		{"max-stale enough", "max-stale=30", "max-age=60", "", stale, true},                               // RFC 9111 §5.2.1.2
		{"max-stale short", "max-stale=29", "max-age=60", "", stale, false},                               // RFC 9111 §5.2.1.2
		{"max-stale any", "max-stale", "max-age=60", "", stale, true},                                     // RFC 9111 §5.2.1.2
		{"must-revalidate beats max-stale", "max-stale", "max-age=60, must-revalidate", "", stale, false}, // RFC 9111 §5.2.2.2
		{"must-revalidate while fresh", "", "max-age=60, must-revalidate", "", fresh, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rh := http.Header{}
			if tc.req != "" {
				rh.Set("Cache-Control", tc.req)
			}
			if tc.pragma != "" {
				rh.Set("Pragma", tc.pragma)
			}
			got := usable(rh, cachecontrol.ParseHeader(rh), cachecontrol.Parse(tc.res), tc.f)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestVary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		vary       []string
		names      []string
		star, ok   bool
		stored, rq http.Header
		match      bool
	}{
		// RFC 9111 §4.1: the named fields must match.
		{"same value", []string{"Accept"}, []string{"Accept"}, false, true, http.Header{"Accept": {"text/html"}}, http.Header{"Accept": {"text/html"}}, true},
		{"other value", []string{"Accept"}, []string{"Accept"}, false, true, http.Header{"Accept": {"text/html"}}, http.Header{"Accept": {"application/json"}}, false},
		// §4.1: whitespace around list members and field lines are normalised.
		{"normalised list", []string{"accept-encoding"}, []string{"Accept-Encoding"}, false, true, http.Header{"Accept-Encoding": {"gzip, br"}}, http.Header{"Accept-Encoding": {"gzip,br"}}, true},
		{"field lines combined", []string{"Accept-Encoding"}, []string{"Accept-Encoding"}, false, true, http.Header{"Accept-Encoding": {"gzip", "br"}}, http.Header{"Accept-Encoding": {"gzip, br"}}, true},
		// §4.1: absent in both matches; absent in one does not.
		{"both absent", []string{"Origin"}, []string{"Origin"}, false, true, http.Header{}, http.Header{}, true},
		{"one absent", []string{"Origin"}, []string{"Origin"}, false, true, http.Header{"Origin": {"https://a"}}, http.Header{}, false},
		{"several names, dedup", []string{"Accept, accept", "Origin"}, []string{"Accept", "Origin"}, false, true, http.Header{"Accept": {"a"}, "Origin": {"o"}}, http.Header{"Accept": {"a"}, "Origin": {"x"}}, false},
		// §4.1: "*" always fails to match.
		{"star", []string{"Accept, *"}, []string{"Accept"}, true, true, nil, nil, false},
		{"malformed member skipped", []string{"Accept, a b"}, []string{"Accept"}, false, true, http.Header{"Accept": {"a"}}, http.Header{"Accept": {"a"}}, true},
		{"too many", []string{strings.Repeat("X-A, ", 0) + manyNames(MaxVaryFields+1)}, nil, false, false, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			names, star, ok := varyNames(http.Header{"Vary": tc.vary})
			assert.Equal(t, tc.star, star, "star")
			assert.Equal(t, tc.ok, ok, "ok")
			if !ok || star {
				return
			}
			assert.Equal(t, tc.names, names)
			e := &Entry{VaryNames: names, VaryValues: make([]string, len(names))}
			for i, n := range names {
				e.VaryValues[i] = varyValue(tc.stored, n)
			}
			assert.Equal(t, tc.match, e.matches(tc.rq))
		})
	}
}

func manyNames(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("X-F")
		b.WriteString(strings.Repeat("a", i+1))
	}
	return b.String()
}

// FuzzFreshness feeds arbitrary Cache-Control, Date, Expires, Age and
// Last-Modified values and clock offsets: no panic, and lifetime and age
// stay within [0, 2^31 s].
func FuzzFreshness(f *testing.F) {
	f.Add("max-age=60", date(0), "", "5", "", int64(10))
	f.Add("", date(0), date(time.Hour), "", "", int64(0))
	f.Add("", "", "0", "-1", date(-time.Hour), int64(-1e9))
	f.Add("max-age=99999999999999", "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "999999999999999999999", "x", int64(1<<62))
	f.Add(strings.Repeat("max-age=1,", 1000), "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "1,2", "Sun Nov  6 08:49:37 1994", int64(5))
	f.Fuzz(func(t *testing.T, cc, dt, exp, age, lm string, offset int64) {
		h := http.Header{}
		for k, v := range map[string]string{"Cache-Control": cc, "Date": dt, "Expires": exp, "Age": age, "Last-Modified": lm} {
			if v != "" {
				h[k] = []string{v}
			}
		}
		e := &Entry{StatusCode: 200, Header: h, RequestTime: t0, ResponseTime: t0}
		fr := computeFreshness(e, cachecontrol.ParseHeader(h), t0.Add(time.Duration(offset)), true, DefaultHeuristicMax)
		require.Falsef(t, fr.lifetime < 0 || fr.lifetime > maxAge || fr.age < 0 || fr.age > maxAge, "out of range: %+v", fr)
		_ = usable(h, cachecontrol.ParseHeader(h), cachecontrol.ParseHeader(h), fr)
	})
}

// FuzzVary: arbitrary Vary and request values never panic, stay bounded,
// and a request always matches the variant stored from itself.
func FuzzVary(f *testing.F) {
	f.Add("Accept, Accept-Encoding", "text/html", "gzip, br")
	f.Add("*", "", "")
	f.Add(`"a,b", ,,Accept`, `x="1,2"`, "\t")
	f.Add(manyNames(40), "a", "b")
	f.Fuzz(func(t *testing.T, vary, accept, enc string) {
		names, star, ok := varyNames(http.Header{"Vary": {vary}})
		require.LessOrEqualf(t, len(names), MaxVaryFields, "%d names", len(names))
		if star || !ok {
			return
		}
		rq := http.Header{"Accept": {accept}, "Accept-Encoding": {enc}}
		e := &Entry{VaryNames: names, VaryValues: make([]string, len(names))}
		for i, n := range names {
			e.VaryValues[i] = varyValue(rq, n)
		}
		require.Truef(t, e.matches(rq), "a request does not match its own variant: %q", vary)
	})
}

// BenchmarkFreshness is the full computation a stored entry without a memo
// needs on every use: Cache-Control parse, Date, Age and the §4.2.3
// arithmetic; hostile64KiB shows the cost stays linear in a hostile field.
func BenchmarkFreshness(b *testing.B) {
	for _, bc := range []struct{ name, cc string }{
		{"typical", "public, max-age=60"},
		{"hostile64KiB", strings.Repeat("x-ext=1, ", 7000) + "max-age=60"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := http.Header{"Cache-Control": {bc.cc}, "Date": {date(0)}, "Age": {"3"}, "Etag": {`"v1"`}}
			e := &Entry{StatusCode: 200, Header: h, RequestTime: t0, ResponseTime: t0}
			b.SetBytes(int64(len(bc.cc)))
			b.ReportAllocs()
			for b.Loop() {
				cc := cachecontrol.ParseHeader(e.Header)
				_ = computeFreshness(e, cc, t0.Add(time.Second), false, DefaultHeuristicMax)
			}
		})
	}
}
