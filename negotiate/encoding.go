package negotiate

import (
	"net/http"

	"github.com/httpsem/httpsem/internal/header"
)

// Identity is the content coding that means "no encoding" (RFC 9110 §12.5.3).
const Identity = "identity"

// implicitIdentityRank is the rank of identity when Accept-Encoding mentions
// neither it nor "*". Ranks are weights doubled, so this sits strictly below
// the lowest weight a listed coding can have (q=0.001, rank 2): identity is
// acceptable, but after every coding the client asked for.
const implicitIdentityRank = 1

// Encoding returns the content coding among offers that the request's
// Accept-Encoding header prefers (RFC 9110 §12.5.3) and adds
// "Accept-Encoding" to the response's Vary header (§12.5.5). List "identity"
// among offers when the unencoded representation is available. See
// [SelectEncoding] for the rules.
//
// ok is false when no offer is acceptable, which happens only when identity
// was refused ("identity;q=0" or "*;q=0") or not offered; §12.5.3 then allows
// 406 Not Acceptable.
func Encoding(w http.ResponseWriter, r *http.Request, offers ...string) (coding string, ok bool) {
	header.AddVary(w.Header(), "Accept-Encoding")
	i := SelectEncoding(r.Header.Values("Accept-Encoding"), offers)
	if i < 0 {
		return "", false
	}
	return offers[i], true
}

// SelectEncoding returns the index in offers of the content coding the
// Accept-Encoding field values prefer, or -1 when none is acceptable. Offers
// are coding tokens ("br", "gzip", "identity") in the server's order of
// preference. The rules, from RFC 9110 §12.5.3:
//
//   - No Accept-Encoding field: every coding is acceptable. SelectEncoding
//     still prefers "identity" when offered, because a client that sends no
//     field most likely decodes nothing; otherwise the first offer.
//   - An empty field (or one whose members are all malformed, which are
//     ignored per §5.6.1) means "no coding": only "identity" is acceptable.
//   - Codings compare case-insensitively; "x-gzip" and "x-compress" equal
//     "gzip" and "compress" (§8.4.1).
//   - A listed coding takes its weight; "*" gives its weight to every offer
//     not listed; q=0 means not acceptable.
//   - "identity" is acceptable unless refused by "identity;q=0", or by
//     "*;q=0" without an "identity" member; when the field does not mention
//     it, it ranks below every coding the client listed.
//   - The highest weight wins; ties go to the earlier offer.
//
// SelectEncoding allocates nothing, runs in time linear in the length of the
// field for a fixed set of offers, and is safe for concurrent use.
func SelectEncoding(acceptEncoding []string, offers []string) int {
	i, _ := selectEncoding(acceptEncoding, offers)
	return i
}

// selectEncoding is SelectEncoding, also counting the work done: the bytes
// of the field read (once by the list split, once by parseCoding) and one
// per offer compared with each member, so tests can assert linear cost.
func selectEncoding(acceptEncoding []string, offers []string) (best, work int) {
	if acceptEncoding == nil {
		first := -1
		for i, o := range offers {
			if !validCoding(o) {
				continue
			}
			if header.EqualFold(o, Identity) {
				return i, 0
			}
			if first < 0 {
				first = i
			}
		}
		return first, 0
	}
	best, bestRank := -1, 0
	for base := 0; base < len(offers); base += chunk {
		n := min(len(offers)-base, chunk)
		var st [chunk]struct {
			coding string // canonical
			q      int    // -1: not listed
			ok     bool
		}
		for i := range n {
			st[i].coding = canonicalCoding(offers[base+i])
			st[i].q = -1
			st[i].ok = validCoding(offers[base+i])
		}
		starQ := -1
		for _, v := range acceptEncoding {
			for rest := v; rest != ""; {
				var elem string
				before := len(rest)
				elem, rest = header.NextElement(rest)
				work += before - len(rest)
				if elem == "" {
					continue
				}
				work += len(elem)
				coding, q, ok := parseCoding(elem)
				if !ok {
					continue
				}
				if coding == "*" {
					if starQ < 0 {
						starQ = q
					}
					continue
				}
				coding = canonicalCoding(coding)
				work += n
				for i := range n {
					// The first member naming a coding counts.
					if st[i].ok && st[i].q < 0 && header.EqualFold(coding, st[i].coding) {
						st[i].q = q
					}
				}
			}
		}
		for i := range n {
			if !st[i].ok {
				continue
			}
			rank := 2 * st[i].q
			if st[i].q < 0 {
				switch {
				case starQ >= 0:
					rank = 2 * starQ
				case header.EqualFold(offers[base+i], Identity):
					rank = implicitIdentityRank
				}
			}
			if rank > bestRank {
				best, bestRank = base+i, rank
			}
		}
	}
	return best, work
}

// parseCoding parses one Accept-Encoding member (RFC 9110 §12.5.3):
//
//	codings = content-coding / "identity" / "*"
//	Accept-Encoding = #( codings [ weight ] )
//
// Any parameter other than a single weight makes the member malformed.
func parseCoding(s string) (coding string, q int, ok bool) {
	i := 0
	for i < len(s) && header.IsTokenChar(s[i]) {
		i++
	}
	if i == 0 {
		return "", 0, false
	}
	q, ok = parseWeight(s[i:])
	return s[:i], q, ok
}

// parseWeight parses what follows a list member's value: nothing, or a single
// weight (RFC 9110 §12.4.2, weight = OWS ";" OWS "q=" qvalue). It returns
// q=1000 when there is none and ok == false for any other parameter.
func parseWeight(s string) (q int, ok bool) {
	it := paramIter{s: s}
	name, value, more := it.next()
	switch {
	case it.bad:
		return 0, false
	case !more:
		return header.MaxQ, true
	case !header.EqualFold(name, "q"):
		return 0, false
	}
	if q, ok = header.ParseQValue(value); !ok {
		return 0, false
	}
	if _, _, more := it.next(); more || it.bad {
		return 0, false
	}
	return q, true
}

func validCoding(s string) bool { return header.IsToken(s) && s != "*" }

// canonicalCoding maps the "x-" aliases of RFC 9110 §8.4.1.1 and §8.4.1.3 to
// their codings; codings otherwise compare case-insensitively.
func canonicalCoding(s string) string {
	switch {
	case header.EqualFold(s, "x-gzip"):
		return "gzip"
	case header.EqualFold(s, "x-compress"):
		return "compress"
	}
	return s
}
