package negotiate

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/httpsem/httpsem/internal/header"
	"github.com/stretchr/testify/require"
)

var fuzzOffers = []string{"application/json", "text/html;level=1", "text/html", "application/xml;charset=utf-8", "image/png", "application/problem+json"}

func acceptSeeds() []string {
	return []string{
		"", browserAccept, "*/*", "application/json;q=0", "text/*;q=0.3, text/html;level=1;q=0.7, */*;q=0.5",
		`text/html;level="1"`, `a/b;x="\"";q=1`, "application/json;q=1.5", "*/json", ";;,,", "text/html;q=0.5;ext=1",
		`a/b;c="unterminated`, "APPLICATION/JSON;Q=0.001",
		"application/json; charset=utf-8", "application/json;charset=UTF-8;q=0.5", "application/json;charset=latin1",
		"text/html;q=0.5;level=1", "text/html;level=1;q=0.5;q=0.7", "applicat/json", "APPLICATION/json", "abcdefgh{/x", "abcdefghij", "*/*;q=0.1;x=1", "application/problem+json;charset=utf-8",
	}
}

// FuzzSelectType checks that any Accept value selects within bounds, that the
// winner is acceptable on its own and still wins once earlier offers are
// removed (ties go to the earlier offer, so nothing after it can beat it).
func FuzzSelectType(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		values := []string{accept}
		i := SelectType(values, fuzzOffers)
		require.Falsef(t, i < -1 || i >= len(fuzzOffers), "SelectType(%q) = %d out of range", accept, i)
		if i < 0 {
			return
		}
		require.Zerof(t, SelectType(values, fuzzOffers[i:i+1]), "winner %q of %q is not acceptable alone", fuzzOffers[i], accept)
		got := SelectType(values, fuzzOffers[i:])
		require.Zerof(t, got, "winner %q of %q loses to a later offer (%d)", fuzzOffers[i], accept, got)
	})
}

// FuzzSelectTypeOracle compares SelectType with refSelectType, a slow and
// independent implementation built on strings.Split, for inputs without
// quoted strings (where splitting on "," and ";" is exact).
func FuzzSelectTypeOracle(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		if strings.ContainsRune(accept, '"') {
			return
		}
		got, want := SelectType([]string{accept}, fuzzOffers), refSelectType(accept, fuzzOffers)
		require.Equalf(t, want, got, "SelectType(%q) = %d, reference says %d", accept, got, want)
	})
}

type refRange struct {
	typ, sub string
	params   [][2]string
	q        int
}

func refParse(member string, isOffer bool) (refRange, bool) {
	parts := strings.Split(member, ";")
	typ, sub, ok := strings.Cut(strings.TrimRight(parts[0], " \t"), "/")
	if !ok || !header.IsToken(typ) || !header.IsToken(sub) || typ == "*" && sub != "*" {
		return refRange{}, false
	}
	r := refRange{typ: strings.ToLower(typ), sub: strings.ToLower(sub), q: 1000}
	weighted := false
	for _, p := range parts[1:] {
		p = strings.Trim(p, " \t")
		if p == "" {
			continue
		}
		name, val, ok := strings.Cut(p, "=")
		if !ok || !header.IsToken(name) || !header.IsToken(val) {
			return refRange{}, false
		}
		if strings.EqualFold(name, "q") {
			// RFC 9110 §12.4.2: q is the weight wherever it appears; a
			// second one makes the member invalid.
			if isOffer || weighted {
				return refRange{}, false
			}
			if r.q, ok = header.ParseQValue(val); !ok {
				return refRange{}, false
			}
			weighted = true
			continue
		}
		r.params = append(r.params, [2]string{strings.ToLower(name), val})
	}
	if isOffer && (r.sub == "json" || strings.HasSuffix(r.sub, "+json")) &&
		!slices.ContainsFunc(r.params, func(p [2]string) bool { return p[0] == "charset" }) {
		// RFC 8259 §8.1: JSON is UTF-8, an implicit charset=utf-8.
		r.params = append(r.params, [2]string{"charset", "utf-8"})
	}
	return r, true
}

func refSelectType(accept string, offers []string) int {
	var ranges []refRange
	for _, m := range strings.Split(accept, ",") {
		if m = strings.Trim(m, " \t"); m == "" {
			continue
		}
		if r, ok := refParse(m, false); ok {
			ranges = append(ranges, r)
		}
	}
	if len(ranges) == 0 {
		return 0 // every fuzzOffer is valid
	}
	best, bestQ := -1, 0
	for i, o := range offers {
		off, _ := refParse(o, true)
		spec, q := -1, 0
		for _, r := range ranges {
			level := 2
			if r.typ == "*" {
				level = 0
			} else if r.sub == "*" {
				level = 1
			}
			if r.typ != "*" && (r.typ != off.typ || r.sub != "*" && r.sub != off.sub) {
				continue
			}
			matched := true
			for _, rp := range r.params {
				found := false
				for _, op := range off.params {
					if rp[0] == op[0] && (rp[1] == op[1] || rp[0] == "charset" && strings.EqualFold(rp[1], op[1])) {
						found = true
					}
				}
				matched = matched && found
			}
			if s := level<<16 | len(r.params); matched && s > spec {
				spec, q = s, r.q
			}
		}
		if spec >= 0 && q > bestQ {
			best, bestQ = i, q
		}
	}
	return best
}

// FuzzParseMediaRange checks the round trip Parse(String(x)) for every list
// member that parses.
func FuzzParseMediaRange(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		// The offer splitter's eight-letter shortcut agrees with splitType.
		a1, b1, c1, ok1 := splitType(accept)
		a2, b2, c2, ok2 := splitOfferType(accept)
		require.Falsef(t, a1 != a2 || b1 != b2 || c1 != c2 || ok1 != ok2, "splitOfferType(%q) disagrees with splitType", accept)
		header.Elements([]string{accept}, func(elem string) bool {
			m, ok := parseMediaRange(elem)
			if !ok {
				return true
			}
			require.Falsef(t, m.q < 0 || m.q > header.MaxQ, "%q: q=%d", elem, m.q)
			// Format with the weight last, as RFC 9110 §12.4.2 asks of senders.
			var params strings.Builder
			it := paramIter{s: m.params}
			for {
				name, value, more := it.next()
				if !more {
					break
				}
				if !header.EqualFold(name, "q") {
					params.WriteString(";" + name + "=" + value)
				}
			}
			s := m.typ + "/" + m.sub + params.String() + ";q=" + string(header.AppendQValue(nil, m.q))
			back, ok := parseMediaRange(s)
			require.Falsef(t, !ok || back.typ != m.typ || back.sub != m.sub || back.nparams != m.nparams || back.q != m.q, "%q -> %q does not round-trip: %+v vs %+v", elem, s, m, back)
			ok1, _ := paramsMatch(m.params, &offer{params: back.params})
			require.Truef(t, ok1, "%q: parameters differ after round trip %q", elem, s)
			ok2, _ := paramsMatch(back.params, &offer{params: m.params})
			require.Truef(t, ok2, "%q: parameters differ after round trip %q", elem, s)
			return true
		})
	})
}

// FuzzSelectEncoding checks bounds and the §12.5.3 rule that identity stays
// acceptable unless the field names identity or "*".
func FuzzSelectEncoding(f *testing.F) {
	for _, s := range []string{"", "gzip, deflate, br, zstd", "*;q=0", "identity;q=0", "br;q=0.5, gzip;q=0.8", "x-gzip", "gzip;level=1", "*"} {
		f.Add(s)
	}
	offers := []string{"br", "gzip", Identity}
	f.Fuzz(func(t *testing.T, ae string) {
		i := SelectEncoding([]string{ae}, offers)
		require.Falsef(t, i < -1 || i >= len(offers), "SelectEncoding(%q) = %d out of range", ae, i)
		lower := strings.ToLower(ae)
		require.Falsef(t, i < 0 && !strings.Contains(lower, "identity") && !strings.Contains(lower, "*"), "SelectEncoding(%q) refused identity", ae)
		if i >= 0 { // the message indexes offers: only a winner has one
			require.Zerof(t, SelectEncoding([]string{ae}, offers[i:]), "winner %q of %q loses to a later offer", offers[i], ae)
		}
	})
}

// FuzzContentType checks the 415 decision never panics and that an accepted
// Content-Type has a well-formed type/subtype.
func FuzzContentType(f *testing.F) {
	for _, s := range []string{"application/json", "application/vnd.a+json; charset=utf-8", "text/plain;", "*/*", "a/b c", `a/b;x="`} {
		f.Add(s)
	}
	c, err := newConsumer([]string{"application/json", "image/*"}, true)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, ct string) {
		if c.allows(ct) {
			_, _, ok := parseType(header.TrimOWS(ct))
			require.Truef(t, ok, "allowed %q without a type/subtype", ct)
		}
	})
}

// FuzzLanguage checks Accept-Language handling never panics, returns a
// supported index, and never chooses a language the field refuses with a
// lone q=0 range of exactly that tag. Only OWS (SP and HTAB, RFC 9110
// §5.6.3) surrounds a member: strings.TrimSpace would also strip a line
// feed, which makes the member malformed and so refuses nothing.
func FuzzLanguage(f *testing.F) {
	for _, s := range []string{"", "de-CH, de;q=0.9, en;q=0.8", "*", "x_y;q=2", "zh-Hant-TW", "en;q=0",
		"en;q=0, *", "nl;q=0.5, *", "de, en;q=0", "*;q=0, ja", "EN;Q=0", "\nen;q=0", "\ten;q=0 "} {
		f.Add(s)
	}
	l := MustLanguages(language.English, language.German, language.Japanese)
	f.Fuzz(func(t *testing.T, al string) {
		i, ok := l.Select([]string{al})
		require.Falsef(t, i < 0 || i >= len(l.Tags()), "Select(%q) index %d", al, i)
		require.Falsef(t, ok && strings.EqualFold(header.TrimOWS(al), l.Tags()[i].String()+";q=0"), "Select(%q) chose the refused %v", al, l.Tags()[i])
	})
}

// FuzzElementEnd checks the word-at-a-time element scan of the Accept hot
// path against header.NextElement, which defines where list elements end,
// from every starting offset that is not inside a quoted string.
func FuzzElementEnd(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	f.Add(`a/b;x="1,2,3,4,5,6,7,8,9",c/d;y="\",",e/f`)
	f.Fuzz(func(t *testing.T, s string) {
		for start := 0; start <= len(s); {
			rest := s[start:]
			want := elementEndRef(rest)
			_, after := header.NextElement(rest)
			require.Falsef(t, want < len(rest) && after != rest[want+1:] || want == len(rest) && after != "", "reference loop and NextElement disagree on %q", rest)
			got := elementEnd(rest, 0)
			require.Equalf(t, want, got, "elementEnd(%q) = %d, want %d", rest, got, want)
			if want >= len(rest) {
				break
			}
			start += want + 1
		}
	})
}

// elementEndRef is elementEnd as a plain byte loop.
func elementEndRef(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			return i
		case '"':
			end := header.QuotedStringEnd(s[i:])
			if end < 0 {
				return len(s)
			}
			i += end - 1
		}
	}
	return len(s)
}

// elementOffers are offers of every length class the member scan of
// scores.field treats apart (type/subtype shorter than 8 bytes, 8 to 16,
// longer than 16), with parameters, upper case and a shared type.
var elementOffers = []string{
	"a/b", "text/css", "image/png", "Text/HTML;level=1", "application/json",
	"application/xml;charset=utf-8", "application/vnd.api+json", "application/x-www-form-urlencoded",
}

// FuzzSelectTypeElements compares SelectType with refSelectElements, a slow
// implementation that splits the field with header.Elements (which honours
// quoted strings, RFC 9110 §5.6.4) and parses every member in full with
// parseMediaRange: the word-at-a-time member scan and the shortcuts for
// members that match no offer must not change the answer. Several field
// lines are formed by splitting the input at newlines (RFC 9110 §5.3).
func FuzzSelectTypeElements(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	f.Add(`text/css;x=",",a/b;q=0.5,*/*;q=0.1`)
	f.Add("APPLICATION/VND.API+JSON;q=0.9, application/*;q=0.1, a/b")
	f.Add("application/x-www-form-urlencoded\napplication/json;q=0.2,text/*;q=0.3")
	f.Add(`image/png;q=0.1, application/json;charset="utf-8", text/html;level=1;q=0.4`)
	// Near misses of the word comparison: a longer subtype, a shared
	// prefix, a type wildcard after a skipped member, a member that ends
	// the line inside its first word.
	f.Add("text/cssx, application/jsonp;q=0.5, application/vnd.api+jsonx, a/bc, image/png")
	f.Add("application/jso, application/*;q=0.3, text/css")
	f.Add("image/png;q=0.1,text/*;q=0.2,a/b")
	// A quoted comma in a member that decides.
	f.Add(`a/b;q=0.1, text/css;x=",";q=0.9`)
	f.Fuzz(func(t *testing.T, accept string) {
		lines := strings.Split(accept, "\n")
		for _, offers := range [][]string{elementOffers, elementOffers[3:6], elementOffers[4:5], {"nonsense", "a/b"}} {
			got, want := SelectType(lines, offers), refSelectElements(lines, offers)
			require.Equalf(t, want, got, "SelectType(%q, %q) = %d, reference says %d", lines, offers, got, want)
		}
	})
}

// refSelectElements is RFC 9110 §12.5.1 as SelectType documents it, member
// by member, with no shortcut.
func refSelectElements(accept []string, offers []string) int {
	var ranges []mediaRange
	header.Elements(accept, func(elem string) bool {
		if r, ok := parseMediaRange(elem); ok {
			ranges = append(ranges, r)
		}
		return true
	})
	parsed := make([]offer, len(offers))
	valid := make([]bool, len(offers))
	for i, o := range offers {
		valid[i] = parsed[i].parse(o)
	}
	if len(ranges) == 0 {
		return slices.Index(valid, true)
	}
	best, bestQ := -1, 0
	for i := range offers {
		if !valid[i] {
			continue
		}
		o := mediaRange{typ: parsed[i].typ, sub: parsed[i].sub}
		spec, q := int32(-1), 0
		for _, r := range ranges {
			if !typeMatches(&r, &o) {
				continue
			}
			level := levelSubtype
			if r.typ == "*" {
				level = levelAny
			} else if r.sub == "*" {
				level = levelType
			}
			sp := specificity(level, r.nparams)
			if sp <= spec {
				continue
			}
			if match, _ := paramsMatch(r.params, &parsed[i]); match {
				spec, q = sp, r.q
			}
		}
		if spec >= 0 && q > bestQ {
			best, bestQ = i, q
		}
	}
	return best
}

// FuzzRendererPick checks the Renderer's shortcut for an Accept field that is
// exactly its first media type against the full scoring, for renderers whose
// first type has the shortcut (JSON, text/csv, which is sent with a charset)
// and one whose first type has parameters (no shortcut). The input is tried
// as one field line and, split at "\n", as several.
func FuzzRendererPick(f *testing.F) {
	for _, s := range acceptSeeds() {
		f.Add(s)
	}
	for _, s := range []string{"application/json", " application/json\t", "text/csv", "TEXT/CSV", "text/csv;q=0",
		"application/json\napplication/xml", "text/html;level=1", "application/json;q=0\napplication/json"} {
		f.Add(s)
	}
	enc := func(mt string) Encoder { e := JSON(); e.MediaType = mt; return e }
	var renderers []*Renderer
	for _, encs := range [][]Encoder{
		nil, // JSON, XML
		{enc("text/csv"), JSON()},
		{enc("text/html;level=1"), enc("text/html")},
	} {
		rn, err := NewRenderer(Options{Encoders: encs})
		require.NoError(f, err)
		renderers = append(renderers, rn)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		for _, lines := range [][]string{{accept}, strings.Split(accept, "\n")} {
			for _, rn := range renderers {
				want, _ := selectParsed(lines, rn.parsed)
				require.Equalf(t, want, rn.pick(lines), "Accept %q to %v", lines, rn.offers)
			}
		}
	})
}
