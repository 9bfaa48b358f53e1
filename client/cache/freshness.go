package cache

import (
	"net/http"
	"time"

	cachecontrol "github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/internal/header"
)

// maxAge is the largest age or lifetime computed: 2^31 seconds (RFC 9111
// §1.2.2). Every input is clamped to it first, so that no date, however far
// off, overflows a time.Duration.
const maxAge = time.Duration(header.MaxDeltaSeconds) * time.Second

// freshness is the state of a stored response at one instant.
type freshness struct {
	lifetime time.Duration // RFC 9111 §4.2.1
	age      time.Duration // RFC 9111 §4.2.3 current_age
}

// fresh reports whether the response is fresh (RFC 9111 §4.2:
// freshness_lifetime > current_age).
func (f freshness) fresh() bool { return f.lifetime > f.age }

// staleness is how long the response has been stale (negative while fresh).
func (f freshness) staleness() time.Duration { return f.age - f.lifetime }

// computeFreshness returns the lifetime and current age of e at now. It
// reads Cache-Control (cc, already parsed), Expires, Date, Age and, with
// heuristics on, Last-Modified; invalid values count as RFC 9111 says, and
// nothing panics or overflows. It does not allocate.
func computeFreshness(e *Entry, cc cachecontrol.Control, now time.Time, heuristic bool, heuristicMax time.Duration) freshness {
	h := e.Header
	// RFC 9111 §4.2.3: a response without a valid Date is taken to have
	// been generated when it was received (RFC 9110 §6.6.1).
	date := e.ResponseTime
	if d, ok := httpDate(h, "Date", now); ok {
		date = d
	}
	var f freshness
	switch {
	case cc.MaxAge.IsSet():
		// §4.2.1: max-age wins over Expires (s-maxage is for shared
		// caches only; this one is private).
		f.lifetime = cc.MaxAge.Duration()
	case len(h["Expires"]) > 0:
		// §5.3: an invalid Expires ("0", a bad date) means already
		// expired.
		if exp, ok := httpDate(h, "Expires", now); ok {
			f.lifetime = clampDur(exp.Sub(date))
		}
	case heuristic && heuristicStatus(e.StatusCode):
		// §4.2.2: a fraction of the time since Last-Modified, 10% as
		// the RFC suggests, capped.
		if lm, ok := httpDate(h, "Last-Modified", now); ok && lm.Before(date) {
			f.lifetime = min(clampDur(date.Sub(lm))/10, heuristicMax)
		}
	}
	// §4.2.3, step by step.
	var ageValue time.Duration
	if v := h["Age"]; len(v) > 0 {
		// §5.1: use the first member of a list; ignore an invalid one.
		first, _ := header.NextElement(v[0])
		if n, ok := header.ParseDeltaSeconds(first); ok {
			ageValue = time.Duration(n) * time.Second
		}
	}
	apparent := clampDur(e.ResponseTime.Sub(date))
	delay := clampDur(e.ResponseTime.Sub(e.RequestTime))
	corrected := min(ageValue+delay, maxAge)
	initial := max(apparent, corrected)
	resident := clampDur(now.Sub(e.ResponseTime))
	f.age = min(initial+resident, maxAge)
	return f
}

// clampDur limits d to [0, maxAge]; a negative span (clocks disagreeing,
// a Date after the response arrived) counts as 0, as §4.2.3's max(0, …)
// does.
func clampDur(d time.Duration) time.Duration {
	return min(max(d, 0), maxAge)
}

// httpDate parses the first value of field name as an HTTP-date.
func httpDate(h http.Header, name string, now time.Time) (time.Time, bool) {
	v := h[name]
	if len(v) == 0 {
		return time.Time{}, false
	}
	sec, ok := header.ParseHTTPDate(header.TrimOWS(v[0]), now)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// heuristicStatus reports whether responses with this status may be
// stored and given heuristic freshness (RFC 9110 §15.1 "heuristically
// cacheable": 200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501).
// 206 is left out: this cache does not combine partial content.
func heuristicStatus(code int) bool {
	switch code {
	case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}
