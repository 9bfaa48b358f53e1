package cache

import (
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/internal/header"
)

// Parse reads a Cache-Control field value of a request or a response. It never
// fails: RFC 9111 asks caches to tolerate what they do not understand, so Parse
// applies these rules and documents each:
//
//   - Directive names compare case-insensitively (§5.2). Members that do not
//     start with a token are skipped (RFC 9110 §5.6.1).
//   - Whitespace around "=" is not in the §5.2 grammar: "max-age = 60",
//     "max-age =60" and "max-age= 60" all carry an invalid argument, handled
//     as below, so every spelling gets the same answer (max-age=0, stale).
//   - A member that starts with a directive name followed by neither "=" nor
//     the end ("no-store;", "max-age 60") is malformed. It is skipped, except
//     that the restrictive directives no-store, no-cache, private,
//     must-revalidate, proxy-revalidate and no-transform are honoured
//     unqualified, and max-age and s-maxage count as invalid: skipping those
//     could make a response storable or fresh that its sender protected.
//   - Unknown directives are kept in [Control.Extensions] (§5.2.3), up to
//     [MaxExtensions]; the rest are ignored.
//   - Arguments are accepted in token and quoted-string form alike (§5.2:
//     "recipients ought to accept both forms").
//   - A delta-seconds argument above 2^31 becomes [MaxDeltaSeconds] (§1.2.2).
//   - A duplicated directive keeps its first occurrence (§4.2.1: "either the
//     first occurrence should be used or the response should be considered
//     stale"). For private and no-cache, where the qualified and unqualified
//     forms differ in reach, the most restrictive wins instead (§4.2.1: "the
//     most restrictive directive should be honored"): the unqualified form
//     beats a field list and field lists are merged.
//   - An invalid max-age or s-maxage argument (missing, not digits) counts as
//     0, because §4.2.1 encourages treating invalid freshness information as
//     stale. An invalid argument of stale-while-revalidate, stale-if-error,
//     max-stale or min-fresh drops the directive, which is the restrictive
//     reading (no stale use). An invalid field-name list on private or
//     no-cache leaves the unqualified directive.
//   - An argument on a directive that takes none (e.g. "no-store=1") is
//     ignored and the directive kept (§5.2: no argument is "defined (nor
//     allowed)", yet dropping no-store would be the unsafe reading).
//
// Parse does bounded, linear work and allocates only for field-name lists,
// escaped quoted-strings and extensions, never for the common headers.
func Parse(value string) Control {
	var p parser
	p.parse(value)
	return p.c
}

// ParseValues parses the field lines of one Cache-Control field as a single
// list (RFC 9110 §5.3), e.g. ParseValues(r.Header.Values("Cache-Control")).
func ParseValues(values []string) Control {
	var p parser
	for _, v := range values {
		p.parse(v)
	}
	return p.c
}

// ParseHeader parses the Cache-Control field of h.
func ParseHeader(h http.Header) Control {
	return ParseValues(h.Values("Cache-Control"))
}

// MaxExtensions is how many unknown directives [Parse] keeps in
// [Control.Extensions]; later ones are ignored so that a hostile field cannot
// make Parse allocate in proportion to its length.
const MaxExtensions = 16

type parser struct {
	c    Control
	seen uint16 // directives whose first occurrence has been taken
}

const (
	seenMaxAge uint16 = 1 << iota
	seenSMaxAge
	seenSWR
	seenSIE
	seenMaxStale
	seenMinFresh
	seenPrivateAll // unqualified private seen: field lists no longer apply
	seenNoCacheAll
)

func (p *parser) parse(v string) {
	for rest := v; rest != ""; {
		var elem string
		elem, rest = header.NextElement(rest)
		if elem != "" {
			p.directive(elem)
		}
	}
}

func (p *parser) directive(elem string) {
	n := 0
	for n < len(elem) && header.IsTokenChar(elem[n]) {
		n++
	}
	if n == 0 {
		return // RFC 9110 §5.6.1: skip malformed members
	}
	name, tail := elem[:n], elem[n:]
	// §5.2 has no whitespace around "=": "max-age = 60" and "max-age= 60"
	// alike carry an invalid argument, which each directive then treats as
	// documented on Parse (max-age as stale, never as absent).
	hasArg, valOK, val := false, true, ""
	if tail != "" {
		t := trimLeftOWS(tail)
		if t == "" || t[0] != '=' {
			// Neither "=" nor the end: "no-store;", "max-age 60".
			p.malformed(name)
			return
		}
		hasArg = true
		val, valOK = argument(t[1:])
		valOK = valOK && len(t) == len(tail)
	}
	var buf [len("stale-while-revalidate")]byte
	lower := lowerName(buf[:0], name)
	switch string(lower) {
	case "max-age":
		p.freshness(&p.c.MaxAge, seenMaxAge, val, valOK && hasArg)
	case "s-maxage":
		p.freshness(&p.c.SMaxAge, seenSMaxAge, val, valOK && hasArg)
	case "public":
		p.c.Public = true
	case "private":
		p.qualified(&p.c.Private, &p.c.PrivateFields, seenPrivateAll, val, valOK && hasArg)
	case "no-cache":
		p.qualified(&p.c.NoCache, &p.c.NoCacheFields, seenNoCacheAll, val, valOK && hasArg)
	case "no-store":
		p.c.NoStore = true
	case "no-transform":
		p.c.NoTransform = true
	case "must-revalidate":
		p.c.MustRevalidate = true
	case "proxy-revalidate":
		p.c.ProxyRevalidate = true
	case "must-understand":
		p.c.MustUnderstand = true
	case "immutable":
		p.c.Immutable = true
	case "only-if-cached":
		p.c.OnlyIfCached = true
	case "stale-while-revalidate":
		p.optional(&p.c.StaleWhileRevalidate, seenSWR, val, valOK && hasArg)
	case "stale-if-error":
		p.optional(&p.c.StaleIfError, seenSIE, val, valOK && hasArg)
	case "min-fresh":
		p.optional(&p.c.MinFresh, seenMinFresh, val, valOK && hasArg)
	case "max-stale":
		if p.seen&seenMaxStale != 0 {
			return
		}
		if !hasArg {
			// RFC 9111 §5.2.1.2: no argument means any staleness.
			p.seen |= seenMaxStale
			p.c.MaxStaleAny = true
			return
		}
		p.optional(&p.c.MaxStale, seenMaxStale, val, valOK)
	default:
		// Bounded memory on hostile input: past MaxExtensions, unknown
		// directives are ignored, as a cache that does not implement them
		// must do anyway (§5.2.3).
		if valOK && len(p.c.Extensions) < MaxExtensions {
			p.c.Extensions = append(p.c.Extensions, Extension{Name: name, Value: val})
		}
	}
}

// malformed handles a member that starts with a directive name but is not a
// directive ("no-store;", "max-age 60"). RFC 9110 §5.6.1 allows skipping it,
// and unknown or permissive directives are skipped; but ignoring a
// restrictive one could let a cache store or reuse what its sender meant to
// protect, so no-store, no-cache, private, must-revalidate, proxy-revalidate
// and no-transform are honoured in their unqualified form, and max-age and
// s-maxage count as invalid, i.e. 0 (§4.2.1: invalid freshness is stale).
func (p *parser) malformed(name string) {
	var buf [len("stale-while-revalidate")]byte
	switch string(lowerName(buf[:0], name)) {
	case "no-store":
		p.c.NoStore = true
	case "no-cache":
		p.qualified(&p.c.NoCache, &p.c.NoCacheFields, seenNoCacheAll, "", false)
	case "private":
		p.qualified(&p.c.Private, &p.c.PrivateFields, seenPrivateAll, "", false)
	case "must-revalidate":
		p.c.MustRevalidate = true
	case "proxy-revalidate":
		p.c.ProxyRevalidate = true
	case "no-transform":
		p.c.NoTransform = true
	case "max-age":
		p.freshness(&p.c.MaxAge, seenMaxAge, "", false)
	case "s-maxage":
		p.freshness(&p.c.SMaxAge, seenSMaxAge, "", false)
	}
}

// lowerName appends name lower-cased to buf when it fits (known names are at
// most 22 bytes, stale-while-revalidate) and returns buf unchanged otherwise,
// so that switch string(b) finds the directive without allocating (§5.2:
// names are case-insensitive).
func lowerName(buf []byte, name string) []byte {
	if len(name) > cap(buf) {
		return buf
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

func trimLeftOWS(s string) string {
	for len(s) > 0 && header.IsOWS(s[0]) {
		s = s[1:]
	}
	return s
}

// freshness handles max-age and s-maxage: first occurrence wins, invalid
// means 0 (stale), RFC 9111 §4.2.1.
func (p *parser) freshness(d *Delta, bit uint16, val string, ok bool) {
	if p.seen&bit != 0 {
		return
	}
	p.seen |= bit
	n, valid := header.ParseDeltaSeconds(val)
	if !ok || !valid {
		n = 0
	}
	*d = Delta{secs: n, set: true}
}

// optional handles the directives that only widen what a cache may do with
// stale or fresh responses: an invalid argument drops the directive and the
// next valid occurrence is used.
func (p *parser) optional(d *Delta, bit uint16, val string, ok bool) {
	if p.seen&bit != 0 || !ok {
		return
	}
	n, valid := header.ParseDeltaSeconds(val)
	if !valid {
		return
	}
	p.seen |= bit
	*d = Delta{secs: n, set: true}
}

// qualified handles private and no-cache with their optional field-name list
// (RFC 9111 §5.2.2.4, §5.2.2.7). The unqualified form is the most restrictive
// and wins over any list (§4.2.1); lists from several occurrences merge.
func (p *parser) qualified(on *bool, fields *[]string, all uint16, val string, hasList bool) {
	*on = true
	if p.seen&all != 0 {
		return
	}
	start := len(*fields)
	if hasList {
		for rest := val; rest != ""; {
			var f string
			f, rest = header.NextElement(rest)
			if header.IsToken(f) {
				*fields = append(*fields, f)
			}
		}
	}
	if len(*fields) == start {
		// No argument, or no valid field name in it: unqualified.
		p.seen |= all
		*fields = nil
	}
}

// argument returns the value of a directive argument in token or
// quoted-string form (RFC 9111 §5.2), unquoted, and whether it is well formed.
func argument(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if s[0] != '"' {
		return s, header.IsToken(s)
	}
	if header.QuotedStringEnd(s) != len(s) {
		return "", false
	}
	inner := s[1 : len(s)-1]
	if !validValue(inner) {
		return "", false
	}
	if strings.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	// quoted-pair: "\" ( HTAB / SP / VCHAR / obs-text ), RFC 9110 §5.6.4.
	var b strings.Builder
	b.Grow(len(inner))
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String(), true
}
