package cache

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/httpsem/httpsem/internal/header"
)

// Outcome says how the cache answered a request.
type Outcome int

// The outcomes. The zero value means "not known": the response did not pass
// through a Transport.
const (
	// Bypass: the request was not one the cache looks up (an unsafe
	// method, which invalidates; a Range or a caller's own conditional
	// request) and was forwarded as is.
	Bypass Outcome = iota + 1
	// Miss: forwarded; nothing usable was stored (or the stored response
	// was replaced by a new 200).
	Miss
	// Hit: answered from storage without contacting the origin.
	Hit
	// Revalidated: a stored response was validated with a conditional
	// request, the origin answered 304, and the refreshed stored response
	// was returned (RFC 9111 §4.3.4).
	Revalidated
	// Unavailable: only-if-cached was asked and nothing usable was stored,
	// so the cache answered 504 (RFC 9111 §5.2.1.7).
	Unavailable
)

var outcomeNames = [...]string{"unknown", "bypass", "miss", "hit", "revalidated", "unavailable"}

// String returns the outcome in lower case ("hit", "miss", …).
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return "Outcome(" + strconv.Itoa(int(o)) + ")"
	}
	return outcomeNames[o]
}

// StatusName is this cache's name in the Cache-Status header (RFC 9211)
// it adds to every response:
//
//	Cache-Status: httpsem; hit; ttl=42
//	Cache-Status: httpsem; fwd=stale; fwd-status=304
//	Cache-Status: httpsem; fwd=uri-miss; stored
const StatusName = "httpsem"

// FromCache reports whether res was answered from storage: a hit, a
// revalidated stored response, or the cache's own 504.
func FromCache(res *http.Response) bool {
	switch OutcomeOf(res) {
	case Hit, Revalidated, Unavailable:
		return true
	}
	return false
}

// OutcomeOf returns the outcome the Transport recorded in res's
// Cache-Status header (the last member named [StatusName], RFC 9211 §2:
// the cache nearest the client comes last), or 0 when it has none.
func OutcomeOf(res *http.Response) Outcome {
	if res == nil {
		return 0
	}
	var last string
	header.Elements(res.Header["Cache-Status"], func(e string) bool {
		name, _, _ := strings.Cut(e, ";")
		if header.TrimOWS(name) == StatusName {
			last = e
		}
		return true
	})
	if last == "" {
		return 0
	}
	o := Miss
	for _, p := range strings.Split(last, ";")[1:] {
		switch header.TrimOWS(p) {
		case "hit":
			o = Hit
		case "fwd=bypass", "fwd=method":
			o = Bypass
		case "fwd-status=304":
			o = Revalidated
		case "detail=only-if-cached":
			o = Unavailable
		}
	}
	return o
}

// setStatus appends this cache's Cache-Status member to h.
func setStatus(h http.Header, member string) {
	h["Cache-Status"] = append(h["Cache-Status"][:len(h["Cache-Status"]):len(h["Cache-Status"])], StatusName+"; "+member)
}
