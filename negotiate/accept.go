package negotiate

import (
	"math/bits"
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/internal/header"
)

// chunk is how many offers one pass over a header scores, and how many
// offers SelectType parses on the stack. Offers beyond it are scored in
// further passes, so the per-offer state lives on the stack and the work
// stays linear in the header length times the number of offers.
const chunk = 16

// Type returns the best of offers for the request's Accept header (RFC 9110
// §12.5.1) and adds "Accept" to the response's Vary header, since the choice
// (and a 406) depends on it (§12.5.5). See [SelectType] for the rules.
//
// ok is false when the request accepts none of the offers; the caller then
// either answers 406 Not Acceptable or, as §12.5.1 also allows, serves its
// default representation anyway.
func Type(w http.ResponseWriter, r *http.Request, offers ...string) (offer string, ok bool) {
	header.AddVary(w.Header(), "Accept")
	i := SelectType(r.Header["Accept"], offers) // net/http canonicalises request keys
	if i < 0 {
		return "", false
	}
	return offers[i], true
}

// SelectType returns the index in offers of the representation the Accept
// field values prefer, or -1 when none is acceptable. Several field lines form
// one list (RFC 9110 §5.3). The rules, from RFC 9110 §12.5.1:
//
//   - Offers are concrete media types ("application/json",
//     "text/html;charset=utf-8"); an offer that does not parse or contains a
//     wildcard is never selected.
//   - Each offer takes the weight of the most specific media range that matches
//     it: "type/subtype" with parameters, then "type/subtype", "type/*", "*/*".
//     A range with parameters matches only offers that carry the same values.
//     Of equally specific ranges the first one counts.
//   - An offer no range matches, or whose weight is q=0, is not acceptable.
//   - The acceptable offer with the highest weight wins; ties go to the
//     earlier offer, so offers are listed in the server's order of preference.
//   - No Accept field, or one with no valid member (malformed members are
//     ignored, §5.6.1), means any media type is acceptable: the first valid
//     offer is selected.
//
// Weights are compared as integers in thousandths. SelectType allocates
// nothing for up to 16 offers, runs in time linear in the length of accept
// for a fixed set of offers, and is safe for concurrent use.
func SelectType(accept []string, offers []string) int {
	if i, ok := selectOne(accept, offers); ok {
		return i
	}
	if len(offers) > chunk {
		// More offers than the stack buffer holds (rare): parse them once
		// on the heap.
		i, _ := selectParsed(accept, parseOffers(offers))
		return i
	}
	// Most servers offer a handful of types; a smaller array is cheaper to
	// clear than the full chunk. The offers are stored into the arrays
	// directly, not through a slice, so that the compiler knows the stores
	// stay on the stack and needs no write barriers for their strings.
	if len(offers) <= 2 {
		var buf [2]offer
		for i, o := range offers {
			buf[i].parse(o)
		}
		i, _ := selectParsed(accept, buf[:len(offers)])
		return i
	}
	if len(offers) <= smallOffers {
		var buf [smallOffers]offer
		for i, o := range offers {
			buf[i].parse(o) // an invalid offer stays zero: typ == ""
		}
		i, _ := selectParsed(accept, buf[:len(offers)])
		return i
	}
	var buf [chunk]offer
	for i, o := range offers {
		buf[i].parse(o)
	}
	i, _ := selectParsed(accept, buf[:len(offers)])
	return i
}

// smallOffers is the stack buffer of SelectType for short offer lists.
const smallOffers = 4

// maxLoneRange is the longest field selectOne considers.
const maxLoneRange = 64

// selectOne is SelectType for the fields most API clients send: one line
// holding one media range without parameters or weight ("application/json",
// "*/*"). That range gives every offer it covers the weight 1 and every other
// offer none, so the first valid offer it covers wins (RFC 9110 §12.5.1);
// only as many offers are parsed as it takes to find it. ok is false for any
// other field, which the general path handles.
func selectOne(accept []string, offers []string) (i int, ok bool) {
	// A longer field is almost always a list (browsers send 70 to 150
	// bytes); leaving it to the general path, which answers the same,
	// saves reading its first member twice.
	if len(accept) != 1 || len(accept[0]) > maxLoneRange {
		return 0, false
	}
	var r mediaRange
	var rest string
	field := header.TrimOWS(accept[0])
	r.typ, r.sub, rest, ok = splitType(field)
	if !ok || rest != "" || r.typ == "*" && r.sub != "*" {
		return 0, false
	}
	if len(offers) > 0 && offers[0] == field && r.typ != "*" && r.sub != "*" {
		// The client asks for exactly the server's first offer, the
		// commonest request of all: the range covers it, so it wins, and
		// being the same concrete type/subtype without parameters, the
		// offer is valid without parsing it.
		return 0, true
	}
	for i, o := range offers {
		if m, valid := parseOffer(o); valid && typeMatches(&r, &mediaRange{typ: m.typ, sub: m.sub}) {
			return i, true
		}
	}
	return -1, true
}

// parseOffers parses offers once for callers that negotiate repeatedly over
// the same list (the Renderer and Middleware); invalid offers stay zero.
func parseOffers(offers []string) []offer {
	parsed := make([]offer, len(offers))
	for i, o := range offers {
		parsed[i].parse(o) // an invalid offer stays zero: typ == ""
	}
	return parsed
}

// selectParsed is SelectType over parsed offers, where an offer with an empty
// type is invalid and never selected. Offers are scored chunk by chunk so the
// per-offer state stays on the stack.
//
// work counts the operations done: three per byte of the field for its
// scans (the separator, token and element scans read each byte once, except
// that skip's comma scan and elementEnd both read the bytes from a quote to
// the comma after it; skip's quote look-ups read each byte once more), again
// the parameter text of members that were parsed, one per offer compared by
// coverConcrete, and the parameter steps of paramsMatch. It costs a few additions per member and lets tests assert
// linear cost by counting rather than by timing.
func selectParsed(accept []string, offers []offer) (best, work int) {
	best, bestQ := -1, 0
	for base := 0; base < len(offers); base += chunk {
		part := offers[base:min(base+chunk, len(offers))]
		var sc scores
		valid := uint32(0)
		for i := range part {
			sc.spec[i] = -1
			if part[i].typ == "" {
				continue
			}
			valid |= 1 << i
			c := part[i].typ[0]
			sc.first[c>>6&1] |= 1 << (c & 63)
			c ^= 0x20 // the other case, if a letter; a harmless extra bit if not
			sc.first[c>>6&1] |= 1 << (c & 63)
		}
		if valid == 0 {
			continue
		}
		seen := false
		for _, v := range accept {
			var w int
			seen, w = sc.field(v, part, valid, seen)
			work += w
		}
		if !seen {
			// RFC 9110 §12.5.1: without a (valid) Accept field any media type
			// is acceptable, so the server's first choice wins.
			for i := range part {
				if part[i].typ != "" {
					return base + i, work
				}
			}
		}
		for i := range part {
			if sc.spec[i] >= 0 && int(sc.weight[i]) > bestQ {
				best, bestQ = base+i, int(sc.weight[i])
			}
		}
	}
	return best, work
}

// scores holds, per offer of one chunk, the specificity of the range that
// set its weight so far (-1: none) and that weight.
type scores struct {
	spec, weight [chunk]int32
	// quote is the first '"' of the line field reads at or after skip's
	// last look-up (len of the line if none; -1 before the first).
	quote int
	// first marks the bytes (all below 128, tokens are ASCII) that begin
	// an offer's type in either case: a member starting with any other
	// byte, other than "*", covers no offer. Extra bits only cost a closer
	// look, never a wrong answer.
	first [2]uint64
}

// field scores the offers of part against the members of one Accept field
// line v and reports whether a valid member has been seen (seen carries the
// answer over from earlier lines).
//
// Only a member whose type/subtype covers some offer can change a score, so
// the type/subtype is read first and compared; a member that covers nothing
// is skipped to its comma (skip) without reading its parameters, once a
// valid member has been seen (before that its validity decides whether the
// field counts as absent, so it is parsed in full). Each byte is examined a
// bounded number of times, whatever the field holds.
func (sc *scores) field(v string, part []offer, valid uint32, seen bool) (_ bool, work int) {
	sc.quote = -1
	for p := 0; ; {
		for p < len(v) && listSpace[v[p]] {
			p++
		}
		if p >= len(v) {
			return seen, work + 3*len(v) // the scans (see selectParsed)
		}
		s := v[p:]
		level, cover, u, known := levelSubtype, uint32(0), 0, false
		if c := s[0]; seen && c != '*' {
			if c >= 128 || sc.first[c>>6]&(1<<(c&63)) == 0 {
				p = sc.skip(v, p) // past the comma (or the end)
				continue
			}
			work += len(part) // each offer is compared once
			if cover, u, known = coverConcrete(s, part); known && cover == 0 {
				p = sc.skip(v, p)
				continue
			}
		}
		if !known {
			t := tokenEnd(s, 0)
			if t == 0 || t == len(s) || s[t] != '/' {
				p += elementEnd(s, t) // malformed member (RFC 9110 §5.6.1)
				continue
			}
			u = tokenEnd(s, t+1)
			typ, sub := s[:t], s[t+1:u]
			if sub == "" || typ == "*" && sub != "*" {
				p += elementEnd(s, u)
				continue
			}
			level, cover = rangeCover(typ, sub, part, valid)
		}
		// The type/subtype holds no comma or quote: the scan starts past
		// it.
		end := sc.skip(v, p+u) - 1 - p
		p += end + 1
		if cover == 0 && seen {
			continue
		}
		tail := trimRightOWS(s[u:end])
		work += len(tail)
		q, n, ok := parseTail(tail)
		if !ok {
			continue
		}
		seen = true
		sp := specificity(level, n)
		for ; cover != 0; cover &= cover - 1 {
			i := bits.TrailingZeros32(cover)
			if sp <= sc.spec[i] {
				continue
			}
			if n > 0 {
				match, steps := paramsMatch(tail, &part[i])
				work += steps
				if !match {
					continue
				}
			}
			sc.spec[i], sc.weight[i] = sp, int32(q)
		}
	}
}

// listSpace marks what separates list members: commas, and the OWS around
// them (RFC 9110 §5.6.1, §5.6.3).
var listSpace = [256]bool{',': true, ' ': true, '\t': true}

// rangeCover returns the specificity level of the range typ/sub and the set
// of offers of part it covers.
func rangeCover(typ, sub string, part []offer, valid uint32) (level int, cover uint32) {
	switch {
	case typ == "*":
		return levelAny, valid
	case sub == "*":
		for i := range part {
			if header.EqualFold(typ, part[i].typ) {
				cover |= 1 << i
			}
		}
		return levelType, cover
	}
	for i := range part {
		o := &part[i]
		if len(o.typ) == len(typ) && len(o.sub) == len(sub) &&
			header.EqualFold(typ, o.typ) && header.EqualFold(sub, o.sub) {
			cover |= 1 << i
		}
	}
	return levelSubtype, cover
}

// coverConcrete returns the offers of part that the member at the start of s
// covers as a concrete "type/subtype" range and u, the end of that range.
// known is false when it cannot tell (a "type/*" member, or one that may
// be), and the caller then reads the member token by token. It compares s
// with each offer's type/subtype as two words (offer.lo, offer.hi) instead
// of reading the member's own tokens: equal to a token, they are tokens, so
// validation is not lost; a member that differs from every offer (cover 0,
// u 0) only has to be stepped over, since a valid member has already been
// seen.
func coverConcrete(s string, part []offer) (cover uint32, u int, known bool) {
	for i := range part {
		o := &part[i]
		if t := len(o.typ); t+1 < len(s) && s[t+1] == '*' && s[t] == '/' {
			return 0, 0, false
		}
		if n := len(o.ts); n >= 8 && (n > len(s) ||
			load64(s)|o.foldLo != o.lo || load64At(s, n-8)|o.foldHi != o.hi) {
			continue
		}
		if o.heads(s) {
			cover |= 1 << i
			u = len(o.ts)
		}
	}
	return cover, u, true
}

// skip returns the index just past the comma that ends the member of v that
// starts at p (or len(v)+1 past the end), as p+elementEnd(v[p:], 0)+1 would.
// Quotes are rare, so it looks for the comma alone, sixteen bytes a step,
// and leaves the member to elementEnd only when the line's next quote
// (looked up with strings.IndexByte once per occurrence) comes first.
func (sc *scores) skip(v string, p int) int {
	if sc.quote < p {
		sc.quote = nextByte(v, p, '"')
	}
	// A byte of x^(lsb*',') is zero where x has a comma, and (y-lsb)&^y&msb
	// flags the lowest zero byte of y exactly (a borrow only flags bytes
	// above it).
	end := p
	for ; end+16 <= len(v); end += 16 {
		x, y := load64At(v, end)^lsb*',', load64At(v, end+8)^lsb*','
		zx, zy := (x-lsb)&^x&msb, (y-lsb)&^y&msb
		if zx != 0 {
			end += bits.TrailingZeros64(zx) >> 3
			goto found
		}
		if zy != 0 {
			end += 8 + bits.TrailingZeros64(zy)>>3
			goto found
		}
	}
	if end+8 <= len(v) {
		x := load64At(v, end) ^ lsb*','
		if z := (x - lsb) &^ x & msb; z != 0 {
			end += bits.TrailingZeros64(z) >> 3
			goto found
		}
		end += 8
	}
	for end < len(v) && v[end] != ',' {
		end++
	}
found:
	if end > sc.quote {
		end = elementEnd(v, sc.quote) // the comma may be quoted (RFC 9110 §5.6.4)
	}
	return end + 1
}

// nextByte returns the index of the first c in s at or after i, or len(s).
func nextByte(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return len(s)
}
