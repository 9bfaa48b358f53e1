package negotiate

import (
	"errors"
	"net/http"
	"slices"

	"golang.org/x/text/language"

	"github.com/httpsem/httpsem/internal/header"
)

// MaxLanguageRanges is how many well-formed Accept-Language members
// [Languages.Select] considers (weights of zero, "*" and ranges that are not
// BCP 47 included); later ones are ignored. Browsers send fewer than ten; the limit bounds the BCP 47
// parsing and matching a hostile header can cause.
const MaxLanguageRanges = 32

// MaxLanguageRangeLength is the longest language range [Languages.Select]
// hands to golang.org/x/text; longer members are ignored. RFC 5646 §4.4.1
// asks implementations to support tags of at least 35 characters, and real
// ones are far shorter; the limit bounds the BCP 47 work per member.
const MaxLanguageRangeLength = 128

// Languages is the set of languages a resource is available in, in the
// server's order of preference, prepared once for [Language] and
// [Languages.Select]. It is immutable and safe for concurrent use.
type Languages struct {
	tags    []language.Tag
	names   []string // tags as BCP 47 text, for the RFC 4647 prefix rules
	matcher language.Matcher
}

// NewLanguages prepares the supported languages, the first being the
// default. It reports an error for an empty list.
func NewLanguages(supported ...language.Tag) (*Languages, error) {
	if len(supported) == 0 {
		return nil, errors.New("negotiate: NewLanguages: no supported language")
	}
	l := &Languages{tags: slices.Clone(supported), matcher: language.NewMatcher(supported)}
	for _, t := range supported {
		l.names = append(l.names, t.String())
	}
	return l, nil
}

// MustLanguages is [NewLanguages] for a literal list; it panics when the
// list is empty.
func MustLanguages(supported ...language.Tag) *Languages {
	l, err := NewLanguages(supported...)
	if err != nil {
		panic(err)
	}
	return l
}

// Tags returns a copy of the supported languages, in order.
func (l *Languages) Tags() []language.Tag { return slices.Clone(l.tags) }

// Language returns the supported language that best suits the request's
// Accept-Language header (RFC 9110 §12.5.4) and adds "Accept-Language" to
// the response's Vary header (§12.5.5). index is the chosen tag's position
// in the supported list; tag is what golang.org/x/text's matcher made of it
// (it may carry extensions such as a region override, so send
// l.Tags()[index] in Content-Language). See [Languages.Select] for the rules
// and for what ok == false means.
func Language(w http.ResponseWriter, r *http.Request, l *Languages) (tag language.Tag, index int, ok bool) {
	header.AddVary(w.Header(), "Accept-Language")
	tag, index, ok, _ = l.sel(r.Header["Accept-Language"]) // net/http canonicalises request keys
	return tag, index, ok
}

// Select returns the index of the supported language the Accept-Language
// field values prefer, and whether the client accepts it at all:
//
//   - No field, or no well-formed member (malformed members are ignored,
//     RFC 9110 §5.6.1): any language is acceptable, the first is chosen.
//   - The ranges with a positive weight, highest weight first (ties keep the
//     client's order), are matched by golang.org/x/text/language, which
//     knows BCP 47 and CLDR's notion of mutually intelligible languages
//     ("de-AT" is served by "de", "pt" by "pt-BR").
//   - A weight of zero refuses (RFC 9110 §12.4.2): a supported tag is never
//     chosen when the longest range that matches it by RFC 4647 §3.3.1 basic
//     filtering ("en" matches "en" and "en-GB") has q=0. "en;q=0, en-GB"
//     refuses en but not en-GB; "*;q=0" refuses every tag no other range
//     names.
//   - "*" gives its weight to every supported tag that no other range
//     matches (either way round, "en-US" and "en" match), so
//     "nl;q=0.5, *" prefers any other language to nl, and "en;q=0, *"
//     accepts everything but en. When "*" and a named range tie, the named
//     range wins; among the tags "*" covers, the server's order decides.
//
// When nothing is acceptable ("de, en;q=0" against en and fr), ok is false
// and index is a default the caller may serve instead of answering 406 Not
// Acceptable, as §12.5.4 allows: the first supported language the client
// did not refuse, or the first of all when it refused every one. Select
// considers at most [MaxLanguageRanges] members; it allocates, and builds a
// narrower matcher when some supported language is refused.
func (l *Languages) Select(acceptLanguage []string) (index int, ok bool) {
	_, index, ok, _ = l.sel(acceptLanguage)
	return index, ok
}

type languageRange struct {
	rng string // as written: "*" or a language range
	tag language.Tag
	q   int
}

// sel is Select, also returning how many bytes it handed to language.Parse,
// the part of its work that golang.org/x/text does, so tests can assert it
// stays bounded.
func (l *Languages) sel(values []string) (_ language.Tag, _ int, _ bool, parsed int) {
	var (
		buf   [MaxLanguageRanges]languageRange
		n     int
		starQ = -1
		// considered counts the well-formed members seen.
		considered int
	)
	header.Elements(values, func(elem string) bool {
		rng, q, ok := parseLanguageRange(elem)
		if !ok {
			return true
		}
		// Every well-formed member counts towards the limit, whether or not
		// its range parses, so the x/text work stays bounded.
		considered++
		switch {
		case rng == "*":
			if starQ < 0 { // the first "*" counts
				starQ = q
				buf[n] = languageRange{rng: rng, q: q}
				n++
			}
		case len(rng) <= MaxLanguageRangeLength:
			parsed += len(rng)
			if t, err := language.Parse(rng); err == nil {
				buf[n] = languageRange{rng: rng, tag: t, q: q}
				n++
			}
		}
		return considered < len(buf)
	})
	ranges := buf[:n]
	if n == 0 {
		// RFC 9110 §12.5.4: no (valid) field, any language is acceptable.
		return l.tags[0], 0, true, parsed
	}

	// Refusals: a tag whose most specific matching range has q=0.
	acceptable := make([]int, 0, len(l.tags))
	for j, name := range l.names {
		best, bestLen := -1, -1
		for k := range ranges {
			r := ranges[k].rng
			if (r == "*" || prefixMatch(r, name)) && rangeLen(r) > bestLen {
				best, bestLen = k, rangeLen(r)
			}
		}
		if best < 0 || ranges[best].q > 0 {
			acceptable = append(acceptable, j)
		}
	}
	if len(acceptable) == 0 {
		return l.tags[0], 0, false, parsed
	}
	fallback := acceptable[0]

	var positive []languageRange
	for _, r := range ranges {
		if r.rng != "*" && r.q > 0 {
			positive = append(positive, r)
		}
	}
	slices.SortStableFunc(positive, func(a, b languageRange) int { return b.q - a.q })

	// The best named range, matched by x/text among the acceptable tags.
	m, pick := l.matcher, func(i int) int { return i }
	if len(acceptable) < len(l.tags) {
		sub := make([]language.Tag, len(acceptable))
		for i, j := range acceptable {
			sub[i] = l.tags[j]
		}
		m, pick = language.NewMatcher(sub), func(i int) int { return acceptable[i] }
	}
	matchedTag, matched, matchedQ := language.Tag{}, -1, 0
	if len(positive) > 0 {
		want := make([]language.Tag, len(positive))
		for i, r := range positive {
			want[i] = r.tag
		}
		t, i, conf := m.Match(want...)
		if conf != language.No {
			matchedTag, matched, matchedQ = t, pick(i), positive[len(positive)-1].q
			if starQ > matchedQ {
				// Find the weight of the range that produced the match,
				// to compare it with the wildcard's.
				for _, r := range positive {
					if _, k, c := m.Match(r.tag); c != language.No && pick(k) == matched {
						matchedQ = r.q
						break
					}
				}
			}
		}
	}
	if matched >= 0 && starQ <= matchedQ {
		return matchedTag, matched, true, parsed
	}
	if starQ > 0 {
		for _, j := range acceptable {
			if !slices.ContainsFunc(positive, func(r languageRange) bool {
				return prefixMatch(r.rng, l.names[j]) || prefixMatch(l.names[j], r.rng)
			}) {
				return l.tags[j], j, true, parsed
			}
		}
	}
	if matched >= 0 {
		return matchedTag, matched, true, parsed
	}
	return l.tags[fallback], fallback, false, parsed
}

// prefixMatch reports whether the language range r matches tag by RFC 4647
// §3.3.1 basic filtering: equal, or a prefix of it ending at a "-",
// case-insensitively.
func prefixMatch(r, tag string) bool {
	if len(r) > len(tag) || !header.EqualFold(r, tag[:len(r)]) {
		return false
	}
	return len(r) == len(tag) || tag[len(r)] == '-'
}

// rangeLen orders ranges by specificity: "*" is the least specific.
func rangeLen(r string) int {
	if r == "*" {
		return 0
	}
	return len(r)
}

// parseLanguageRange parses one Accept-Language member (RFC 9110 §12.5.4):
//
//	Accept-Language = #( language-range [ weight ] )
//	language-range  = <language-range, see RFC 4647 §2.1>
//
// Only the syntax of the list and the weight is checked here; the range's
// shape (alphanumerics and hyphens, or "*") is checked by the caller's
// language.Parse.
func parseLanguageRange(s string) (rng string, q int, ok bool) {
	i := 0
	for i < len(s) && (isAlphaNum(s[i]) || s[i] == '-' || s[i] == '*') {
		i++
	}
	if i == 0 {
		return "", 0, false
	}
	q, ok = parseWeight(s[i:])
	return s[:i], q, ok
}

func isAlphaNum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
