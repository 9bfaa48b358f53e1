package negotiate

import (
	"net/http"

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
	i := SelectType(r.Header.Values("Accept"), offers)
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
		return selectParsed(accept, parseOffers(offers))
	}
	// Most servers offer a handful of types; a smaller array is cheaper to
	// clear than the full chunk. The offers are stored into the arrays
	// directly, not through a slice, so that the compiler knows the stores
	// stay on the stack and needs no write barriers for their strings.
	if len(offers) <= smallOffers {
		var buf [smallOffers]mediaRange
		for i, o := range offers {
			buf[i], _ = parseOffer(o) // an invalid offer stays zero: typ == ""
		}
		return selectParsed(accept, buf[:len(offers)])
	}
	var buf [chunk]mediaRange
	for i, o := range offers {
		buf[i], _ = parseOffer(o)
	}
	return selectParsed(accept, buf[:len(offers)])
}

// smallOffers is the stack buffer of SelectType for short offer lists.
const smallOffers = 4

// selectOne is SelectType for the fields most API clients send: one line
// holding one media range without parameters or weight ("application/json",
// "*/*"). That range gives every offer it covers the weight 1 and every other
// offer none, so the first valid offer it covers wins (RFC 9110 §12.5.1);
// only as many offers are parsed as it takes to find it. ok is false for any
// other field, which the general path handles.
func selectOne(accept []string, offers []string) (i int, ok bool) {
	if len(accept) != 1 {
		return 0, false
	}
	var r mediaRange
	var rest string
	r.typ, r.sub, rest, ok = splitType(header.TrimOWS(accept[0]))
	if !ok || rest != "" || r.typ == "*" && r.sub != "*" {
		return 0, false
	}
	for i, o := range offers {
		if m, valid := parseOffer(o); valid && typeMatches(&r, &m) {
			return i, true
		}
	}
	return -1, true
}

// nextMediaRange parses the first member of an Accept list value s and
// returns it with the rest of the list after its comma; ok is false for an
// empty or invalid member, which the caller skips (RFC 9110 §5.6.1).
//
// It reads the common members, "type/subtype" with at most a weight
// (";q=0.9"), in one pass over the bytes; any other member (more parameters,
// quoted strings, odd spacing) is split off with header.NextElement and
// parsed by parseMediaRange, which defines the grammar. The fast path only
// accepts what parseMediaRange accepts and yields the same range.
func nextMediaRange(s string) (m mediaRange, rest string, ok bool) {
	i := 0
	for i < len(s) && header.IsOWS(s[i]) {
		i++
	}
	typ, sub, after, ok := splitType(s[i:])
	if !ok || typ == "*" && sub != "*" {
		return slowMediaRange(s)
	}
	m = mediaRange{typ: typ, sub: sub, q: header.MaxQ}
	after = trimLeftOWS(after)
	if after != "" && after[0] == ';' {
		// Only a weight: ";" OWS ("q" / "Q") "=" qvalue.
		p := trimLeftOWS(after[1:])
		if len(p) < 2 || p[0] != 'q' && p[0] != 'Q' || p[1] != '=' {
			return slowMediaRange(s)
		}
		p = p[2:]
		n := 0
		for n < len(p) && header.IsTokenChar(p[n]) {
			n++
		}
		if m.q, ok = header.ParseQValue(p[:n]); !ok {
			return slowMediaRange(s)
		}
		after = trimLeftOWS(p[n:])
	}
	switch {
	case after == "":
		return m, "", true
	case after[0] == ',':
		return m, after[1:], true
	}
	return slowMediaRange(s)
}

// slowMediaRange is nextMediaRange for any member: split, then parse.
func slowMediaRange(s string) (m mediaRange, rest string, ok bool) {
	elem, rest := header.NextElement(s)
	if elem == "" {
		return mediaRange{}, rest, false
	}
	m, ok = parseMediaRange(elem)
	return m, rest, ok
}

// parseOffers parses offers once for callers that negotiate repeatedly over
// the same list (the Renderer and Middleware); invalid offers stay zero.
func parseOffers(offers []string) []mediaRange {
	parsed := make([]mediaRange, len(offers))
	for i, o := range offers {
		parsed[i], _ = parseOffer(o) // an invalid offer stays zero: typ == ""
	}
	return parsed
}

// selectParsed is SelectType over parsed offers, where an offer with an empty
// type is invalid and never selected. Offers are scored chunk by chunk so the
// per-offer state stays on the stack.
func selectParsed(accept []string, offers []mediaRange) int {
	best, bestQ := -1, 0
	for base := 0; base < len(offers); base += chunk {
		part := offers[base:min(base+chunk, len(offers))]
		var spec, weight [chunk]int32
		valid := 0
		for i := range part {
			spec[i] = -1
			if part[i].typ != "" {
				valid++
			}
		}
		if valid == 0 {
			continue
		}
		members := 0
		for _, v := range accept {
			for rest := v; rest != ""; {
				var mr mediaRange
				var ok bool
				mr, rest, ok = nextMediaRange(rest)
				if !ok {
					continue
				}
				members++
				sp := int32(mr.specificity())
				for i := range part {
					o := &part[i]
					if o.typ == "" || sp <= spec[i] || !typeMatches(&mr, o) || !paramsMatch(&mr, o) {
						continue
					}
					spec[i], weight[i] = sp, int32(mr.q)
				}
			}
		}
		if members == 0 {
			// RFC 9110 §12.5.1: without a (valid) Accept field any media type
			// is acceptable, so the server's first choice wins.
			for i := range part {
				if part[i].typ != "" {
					return base + i
				}
			}
		}
		for i := range part {
			if spec[i] >= 0 && int(weight[i]) > bestQ {
				best, bestQ = base+i, int(weight[i])
			}
		}
	}
	return best
}
