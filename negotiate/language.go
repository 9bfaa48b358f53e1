package negotiate

import (
	"net/http"
	"slices"

	"golang.org/x/text/language"

	"github.com/httpsem/httpsem/internal/header"
)

// MaxLanguageRanges is how many well-formed Accept-Language members
// [Language] considers; later ones are ignored. Browsers send fewer than ten;
// the limit bounds the BCP 47 parsing and matching a hostile header can cause.
const MaxLanguageRanges = 32

// Language returns the supported language that best suits the request's
// Accept-Language header (RFC 9110 §12.5.4) and adds "Accept-Language" to the
// response's Vary header (§12.5.5). m is built once by the caller with
// [language.NewMatcher] from its supported tags; index is the position of the
// chosen tag in that list, and tag is the matcher's result (which may carry
// extensions such as a region override, so send supported[index] in
// Content-Language).
//
// The list syntax and weights are parsed here (malformed members ignored as
// §5.6.1 allows, weights per §12.4.2, q=0 and "*" members dropped, at most
// [MaxLanguageRanges] ranges, stable order by weight); the language ranges
// are parsed and matched by golang.org/x/text/language, which knows BCP 47
// and CLDR's notion of mutually intelligible languages. When nothing matches,
// the matcher's default (the first supported tag) is returned: §12.5.4 lets a
// server disregard the field rather than answer 406. Language is safe for
// concurrent use when m is.
func Language(w http.ResponseWriter, r *http.Request, m language.Matcher) (tag language.Tag, index int) {
	header.AddVary(w.Header(), "Accept-Language")
	var (
		buf [MaxLanguageRanges]weightedTag
		n   int
	)
	header.Elements(r.Header.Values("Accept-Language"), func(elem string) bool {
		rng, q, ok := parseLanguageRange(elem)
		if !ok || q == 0 || rng == "*" {
			return true
		}
		t, err := language.Parse(rng)
		if err != nil {
			return true
		}
		buf[n] = weightedTag{t, q}
		n++
		return n < len(buf)
	})
	ranked := buf[:n]
	slices.SortStableFunc(ranked, func(a, b weightedTag) int { return b.q - a.q })
	tags := make([]language.Tag, n)
	for i, wt := range ranked {
		tags[i] = wt.tag
	}
	tag, index, _ = m.Match(tags...)
	return tag, index
}

type weightedTag struct {
	tag language.Tag
	q   int
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
