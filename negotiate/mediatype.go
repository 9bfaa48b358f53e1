package negotiate

import (
	"github.com/httpsem/httpsem/internal/header"
)

// mediaRange is one parsed media type or media range. Every string is a slice
// of the input, so parsing allocates nothing; params holds the raw parameter
// text (before any weight) and is re-scanned when parameters are compared.
type mediaRange struct {
	typ, sub string
	params   string
	nparams  int
	q        int // weight in thousandths (header.ParseQValue); 1000 when absent
}

// Specificity levels of RFC 9110 §12.5.1: "*/*" < "type/*" < "type/subtype",
// and within a level more parameters are more specific
// ("text/plain;format=flowed" overrides "text/plain").
const (
	levelAny     = 0
	levelType    = 1
	levelSubtype = 2
	levelShift   = 16
	maxParams    = 1<<levelShift - 1
)

func (m *mediaRange) specificity() int {
	level := levelSubtype
	switch {
	case m.typ == "*":
		level = levelAny
	case m.sub == "*":
		level = levelType
	}
	return level<<levelShift | min(m.nparams, maxParams)
}

// parseMediaRange parses one Accept member (RFC 9110 §12.5.1):
//
//	media-range = ( "*/*" / ( type "/*" ) / ( type "/" subtype ) ) parameters
//	Accept      = #( media-range [ weight ] )
//
// A "q" parameter is the weight; it ends the media range, and whatever follows
// it (the accept-ext of RFC 7231, dropped by RFC 9110) is ignored. ok is false
// for a member that does not match the grammar, which the caller skips
// (RFC 9110 §5.6.1 lets a recipient ignore invalid list elements).
func parseMediaRange(s string) (m mediaRange, ok bool) {
	m, rest, ok := parseType(s)
	if !ok || (m.typ == "*" && m.sub != "*") {
		return mediaRange{}, false
	}
	m.q = header.MaxQ
	start := len(rest)
	it := paramIter{s: rest}
	for {
		name, value, more := it.next()
		if !more {
			break
		}
		if header.EqualFold(name, "q") {
			q, ok := header.ParseQValue(value)
			if after := trimLeftOWS(it.s); !ok || after != "" && after[0] != ';' {
				return mediaRange{}, false
			}
			m.q = q
			m.params = rest[:start-len(it.s)-len(name)-len(value)-1]
			return m, true
		}
		m.nparams++
	}
	if it.bad {
		return mediaRange{}, false
	}
	m.params = rest
	return m, true
}

// parseType splits "type/subtype" off s; both must be tokens ("*" is a token,
// so wildcards pass and callers decide whether they are allowed).
func parseType(s string) (m mediaRange, rest string, ok bool) {
	m.typ, m.sub, rest, ok = splitType(s)
	return m, rest, ok
}

// splitType is parseType without the struct, for the hot paths.
func splitType(s string) (typ, sub, rest string, ok bool) {
	i := 0
	for i < len(s) && header.IsTokenChar(s[i]) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != '/' {
		return "", "", "", false
	}
	j := i + 1
	for j < len(s) && header.IsTokenChar(s[j]) {
		j++
	}
	if j == i+1 {
		return "", "", "", false
	}
	return s[:i], s[i+1 : j], s[j:], true
}

// paramIter walks media type parameters (RFC 9110 §5.6.6):
//
//	parameters      = *( OWS ";" OWS [ parameter ] )
//	parameter       = parameter-name "=" parameter-value
//	parameter-value = ( token / quoted-string )
//
// Empty parameters (";;") are skipped as the grammar allows. After next
// reports false, bad tells whether the text was malformed.
type paramIter struct {
	s   string
	bad bool
}

func (p *paramIter) next() (name, value string, ok bool) {
	for {
		s := trimLeftOWS(p.s)
		if s == "" {
			p.s = ""
			return "", "", false
		}
		if s[0] != ';' {
			p.bad = true
			return "", "", false
		}
		s = trimLeftOWS(s[1:])
		if s == "" || s[0] == ';' {
			p.s = s
			continue
		}
		i := 0
		for i < len(s) && header.IsTokenChar(s[i]) {
			i++
		}
		if i == 0 || i == len(s) || s[i] != '=' {
			p.bad = true
			return "", "", false
		}
		name = s[:i]
		s = s[i+1:]
		var n int
		if s != "" && s[0] == '"' {
			n = header.QuotedStringEnd(s)
		} else {
			for n < len(s) && header.IsTokenChar(s[n]) {
				n++
			}
		}
		if n <= 0 {
			p.bad = true
			return "", "", false
		}
		if n < len(s) && s[n] != ';' && !header.IsOWS(s[n]) {
			p.bad = true
			return "", "", false
		}
		p.s = s[n:]
		return name, s[:n], true
	}
}

func trimLeftOWS(s string) string {
	for len(s) > 0 && header.IsOWS(s[0]) {
		s = s[1:]
	}
	return s
}

// typeMatches reports whether the range r covers the concrete type o, ignoring
// parameters. Type and subtype are case-insensitive (RFC 9110 §8.3.1).
func typeMatches(r, o *mediaRange) bool {
	if r.typ == "*" {
		return true
	}
	if !header.EqualFold(r.typ, o.typ) {
		return false
	}
	return r.sub == "*" || header.EqualFold(r.sub, o.sub)
}

// paramsMatch reports whether every parameter of the range r is present in o
// with an equal value (RFC 9110 §12.5.1: a range with parameters only matches
// a representation carrying them). Names are case-insensitive; values compare
// after removing quoting (§5.6.6: token and quoted-string forms are
// equivalent), case-insensitively for charset (§8.3.2) and exactly otherwise.
func paramsMatch(r, o *mediaRange) bool {
	if r.nparams == 0 {
		return true
	}
	ri := paramIter{s: r.params}
	for {
		name, value, ok := ri.next()
		if !ok {
			return true
		}
		fold := header.EqualFold(name, "charset")
		found := false
		oi := paramIter{s: o.params}
		for {
			oname, ovalue, ok := oi.next()
			if !ok {
				break
			}
			// A name given twice is an error (RFC 6838 §4.3); accepting
			// any equal occurrence keeps the comparison reflexive.
			if header.EqualFold(name, oname) && paramValueEqual(value, ovalue, fold) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
}

// paramValueEqual compares two parameter values, each a token or a
// quoted-string, by their unquoted content without allocating.
func paramValueEqual(a, b string, fold bool) bool {
	ia, ib := newValueReader(a), newValueReader(b)
	for {
		ca, oka := ia.next()
		cb, okb := ib.next()
		if !oka || !okb {
			return oka == okb
		}
		if ca == cb {
			continue
		}
		if !fold || lower(ca) != lower(cb) {
			return false
		}
	}
}

// valueReader yields the bytes of a parameter value with the quotes and
// quoted-pair backslashes of a quoted-string removed.
type valueReader struct {
	s      string
	i, end int
	quoted bool
}

func newValueReader(s string) valueReader {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return valueReader{s: s, i: 1, end: len(s) - 1, quoted: true}
	}
	return valueReader{s: s, end: len(s)}
}

func (v *valueReader) next() (byte, bool) {
	if v.i >= v.end {
		return 0, false
	}
	c := v.s[v.i]
	if v.quoted && c == '\\' && v.i+1 < v.end {
		v.i++
		c = v.s[v.i]
	}
	v.i++
	return c, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// parseOffer parses a server offer: a concrete media type (no wildcards), with
// optional parameters and no weight.
func parseOffer(s string) (mediaRange, bool) {
	typ, sub, rest, ok := splitType(header.TrimOWS(s))
	if !ok || typ == "*" || sub == "*" {
		return mediaRange{}, false
	}
	nparams := 0
	if rest != "" {
		it := paramIter{s: rest}
		for {
			if _, _, more := it.next(); !more {
				break
			}
			nparams++
		}
		if it.bad {
			return mediaRange{}, false
		}
	}
	return mediaRange{typ: typ, sub: sub, params: rest, nparams: nparams, q: header.MaxQ}, true
}

// hasParam reports whether m carries a parameter with the given name.
func (m *mediaRange) hasParam(name string) bool {
	it := paramIter{s: m.params}
	for {
		n, _, ok := it.next()
		if !ok {
			return false
		}
		if header.EqualFold(n, name) {
			return true
		}
	}
}
