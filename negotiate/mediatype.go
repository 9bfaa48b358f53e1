package negotiate

import (
	"math/bits"

	"github.com/httpsem/httpsem/internal/header"
)

// mediaRange is one parsed Accept member. Every string is a slice of the
// input, so parsing allocates nothing; params holds the raw parameter text,
// weight included wherever it appears, and is re-scanned when parameters are
// compared (paramsMatch skips "q").
type mediaRange struct {
	typ, sub string
	params   string
	nparams  int // parameters other than the weight
	q        int // weight in thousandths (header.ParseQValue); 1000 when absent
}

// offer is a parsed server offer: a concrete media type whose parameters
// (params) are sent, plus the parameters it satisfies without sending them
// (implicit, in the same ";name=value" syntax).
type offer struct {
	typ, sub string
	params   string
	implicit string
	// ts is "type/subtype" (typ and sub are slices of it). When it is at
	// least eight bytes long, lo and hi are its first and last eight bytes
	// (overlapping below sixteen) as little-endian words in lower case,
	// and foldLo and foldHi hold 0x20 at its letters: a member's word w
	// matches ignoring case exactly when w|fold == key (see heads).
	ts             string
	lo, hi         uint64
	foldLo, foldHi uint64
}

// heads reports whether the Accept member m starts with the offer's
// type/subtype, ASCII case-insensitively (RFC 9110 §8.3.1), followed by the
// end of m or a byte that cannot continue the subtype token. It is false for
// an invalid (zero) offer. For valid offers the compared bytes are tokens, so
// a member that matches has a valid type/subtype.
func (o *offer) heads(m string) bool {
	n := len(o.ts)
	if len(m) < n {
		return false
	}
	if n >= 8 {
		if load64(m[:8])|o.foldLo != o.lo || load64(m[n-8:n])|o.foldHi != o.hi {
			return false
		}
		if n > 16 && !equalFoldExact(m[8:n-8], o.ts[8:n-8]) {
			return false
		}
	} else if n == 0 || !header.EqualFold(m[:n], o.ts) {
		return false
	}
	return n == len(m) || !header.IsTokenChar(m[n])
}

// equalFoldExact is header.EqualFold for a's that usually match b exactly.
func equalFoldExact(a, b string) bool {
	return a == b || header.EqualFold(a, b)
}

// load64 returns the first eight bytes of s as a little-endian word; the
// compiler turns it into one load.
func load64(s string) uint64 {
	w := s[:8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// load64At returns s[i:i+8] as a little-endian word: one bounds check and
// one load.
func load64At(s string, i int) uint64 { return load64(s[i : i+8]) }

// foldKey returns the word x of token bytes in lower case and the mask of
// its letters' 0x20 bits. For bytes below 0x80, b|0x20 is a lower-case
// letter exactly when b is a letter; then b|0x20 + 0x1f sets the high bit
// exactly when it is >= 'a', and + 0x05 exactly when it is > 'z', neither
// carrying into the next byte.
func foldKey(x uint64) (key, fold uint64) {
	y := x | lsb*0x20
	letters := (y + lsb*0x1f) &^ (y + lsb*0x05) & msb
	fold = letters >> 2
	return x | fold, fold
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

func specificity(level, nparams int) int32 {
	return int32(level<<levelShift | min(nparams, maxParams))
}

// parseMediaRange parses one Accept member (RFC 9110 §12.5.1):
//
//	media-range = ( "*/*" / ( type "/*" ) / ( type "/" subtype ) ) parameters
//	Accept      = #( media-range [ weight ] )
//
// s is the member with its OWS trimmed. ok is false for a member that does
// not match the grammar, which the caller skips (RFC 9110 §5.6.1 lets a
// recipient ignore invalid list elements). See parseTail for the weight.
func parseMediaRange(s string) (m mediaRange, ok bool) {
	typ, sub, rest, ok := splitType(s)
	if !ok || typ == "*" && sub != "*" {
		return mediaRange{}, false
	}
	q, n, ok := parseTail(rest)
	if !ok {
		return mediaRange{}, false
	}
	return mediaRange{typ: typ, sub: sub, params: rest, nparams: n, q: q}, true
}

// parseTail parses what follows "type/subtype" in an Accept member, up to its
// end (trailing OWS already trimmed): parameters and the weight. RFC 9110
// §12.4.2 asks senders to put "q" last but recipients to "process any
// parameter named q as weight, regardless of parameter ordering", so q may
// appear anywhere and every other parameter, before or after it, is a
// media-range parameter: "text/html;q=0.5;level=1" is text/html;level=1 at
// 0.5. (RFC 7231's accept-ext after q no longer exists in RFC 9110.) A second
// q, or one whose value is not a qvalue, makes the member invalid. n counts
// the parameters other than q.
func parseTail(s string) (q, n int, ok bool) {
	if s == "" {
		return header.MaxQ, 0, true
	}
	// The common tail, a lone weight (";q=0.9"), in one pass.
	if s[0] == ';' {
		p := trimLeftOWS(s[1:])
		if len(p) > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=' {
			if q, ok := header.ParseQValue(p[2:]); ok {
				return q, 0, true
			}
		}
	}
	q = header.MaxQ
	weighted := false
	it := paramIter{s: s}
	for {
		name, value, more := it.next()
		if !more {
			break
		}
		if len(name) == 1 && (name[0] == 'q' || name[0] == 'Q') {
			if weighted {
				return 0, 0, false
			}
			if q, ok = header.ParseQValue(value); !ok {
				return 0, 0, false
			}
			weighted = true
			continue
		}
		n++
	}
	if it.bad {
		return 0, 0, false
	}
	return q, n, true
}

// parseType splits "type/subtype" off s; both must be tokens ("*" is a token,
// so wildcards pass and callers decide whether they are allowed).
func parseType(s string) (m mediaRange, rest string, ok bool) {
	m.typ, m.sub, rest, ok = splitType(s)
	return m, rest, ok
}

// splitType is parseType without the struct, for the hot paths.
func splitType(s string) (typ, sub, rest string, ok bool) {
	i := tokenEnd(s, 0)
	if i == 0 || i == len(s) || s[i] != '/' {
		return "", "", "", false
	}
	j := tokenEnd(s, i+1)
	if j == i+1 {
		return "", "", "", false
	}
	return s[:i], s[i+1 : j], s[j:], true
}

// appType is the start of most offers.
const appType = "application/"

// splitOfferType is splitType for offers, whose type is most often
// "application": it is compared at once, and otherwise eight lower-case
// letters are checked at once (for bytes below 0x80, b+0x1f sets the high
// bit exactly when b >= 'a' and b+0x05 exactly when b > 'z', without
// carrying into the next byte).
func splitOfferType(s string) (typ, sub, rest string, ok bool) {
	i := 0
	if len(s) > len(appType) && s[:len(appType)] == appType {
		// The commonest type of all, compared as two words.
		i = len(appType) - 1
	} else if len(s) >= 8 {
		w := s[:8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if x&msb == 0 && (x+lsb*0x1f)&^(x+lsb*0x05)&msb == msb {
			i = 8
		}
	}
	i = tokenEnd(s, i)
	if i == 0 || i == len(s) || s[i] != '/' {
		return "", "", "", false
	}
	j := tokenEnd(s, i+1)
	if j == i+1 {
		return "", "", "", false
	}
	return s[:i], s[i+1 : j], s[j:], true
}

// tokenEnd returns the index of the first byte at or after i that is not a
// tchar (RFC 9110 §5.6.2), or len(s).
func tokenEnd(s string, i int) int {
	for i < len(s) && header.IsTokenChar(s[i]) {
		i++
	}
	return i
}

// elementEnd returns the index in s of the comma that ends the list element
// containing s[from], or len(s): commas inside quoted strings do not count
// and an unterminated quoted string runs to the end, exactly as
// header.NextElement splits (RFC 9110 §5.6.1, §5.6.4).
//
// It tests eight bytes at a time: a byte of x equals c exactly where
// x^(lsb*c) has a zero byte, and (v-lsb)&^v&msb flags the lowest zero byte
// of v correctly (a borrow can only flag bytes above it). Accept members are
// short and their commas frequent, so this beats both a byte loop and the
// call overhead of strings.IndexByte.
func elementEnd(s string, i int) int {
	for i < len(s) {
		if i+16 <= len(s) {
			// Two words per step: most members end within sixteen bytes.
			w := s[i : i+16]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			y := uint64(w[8]) | uint64(w[9])<<8 | uint64(w[10])<<16 | uint64(w[11])<<24 |
				uint64(w[12])<<32 | uint64(w[13])<<40 | uint64(w[14])<<48 | uint64(w[15])<<56
			mx, my := special(x), special(y)
			switch {
			case mx != 0:
				i += bits.TrailingZeros64(mx) >> 3
			case my != 0:
				i += 8 + bits.TrailingZeros64(my)>>3
			default:
				i += 16
				continue
			}
		} else if i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			m := special(x)
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if c := s[i]; c != ',' && c != '"' {
			i++
			continue
		}
		if s[i] == ',' {
			return i
		}
		end := header.QuotedStringEnd(s[i:])
		if end < 0 {
			return len(s)
		}
		i += end
	}
	return len(s)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special flags, in the high bit of each byte, the lowest byte of x that is
// ',' or '"' (see elementEnd); zero when there is none.
func special(x uint64) uint64 {
	c, q := x^(lsb*','), x^(lsb*'"')
	return ((c-lsb)&^c | (q-lsb)&^q) & msb
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

func trimRightOWS(s string) string {
	for len(s) > 0 && header.IsOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
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

// paramsMatch reports whether every parameter of a range (its raw parameter
// text, weight skipped) is carried by the offer o with an equal value, sent
// or implicit, and how many parameters it stepped over (RFC 9110 §12.5.1: a range with parameters only matches a
// representation carrying them). Names are case-insensitive; values compare
// after removing quoting (§5.6.6: token and quoted-string forms are
// equivalent), case-insensitively for charset (§8.3.2) and exactly otherwise.
func paramsMatch(params string, o *offer) (match bool, steps int) {
	ri := paramIter{s: params}
	for {
		name, value, ok := ri.next()
		if !ok {
			return true, steps
		}
		steps++
		if len(name) == 1 && (name[0] == 'q' || name[0] == 'Q') {
			continue
		}
		fold := header.EqualFold(name, "charset")
		found, n := hasParamValue(o.params, name, value, fold)
		steps += n
		if !found {
			found, n = hasParamValue(o.implicit, name, value, fold)
			steps += n
		}
		if !found {
			return false, steps
		}
	}
}

// hasParamValue reports whether the parameter text params holds name with a
// value equal to value. A name given twice is an error (RFC 6838 §4.3);
// accepting any equal occurrence keeps the comparison reflexive.
func hasParamValue(params, name, value string, fold bool) (found bool, steps int) {
	it := paramIter{s: params}
	for {
		n, v, ok := it.next()
		if !ok {
			return false, steps
		}
		steps++
		if header.EqualFold(name, n) && paramValueEqual(value, v, fold) {
			return true, steps
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

// utf8Charset is the parameter every JSON offer satisfies implicitly.
const utf8Charset = ";charset=utf-8"

// parseOffer parses a server offer: a concrete media type (no wildcards), with
// optional parameters and no weight ("q" is not a media type parameter, RFC
// 9110 §12.4.2). A JSON offer (application/json, or any type with the +json
// suffix of RFC 6839 §3.1) that names no charset implicitly satisfies
// charset=utf-8: JSON text exchanged between systems "MUST be encoded using
// UTF-8" (RFC 8259 §8.1), so "Accept: application/json; charset=utf-8",
// which many HTTP clients send, selects it. Other charsets do not.
func parseOffer(s string) (offer, bool) {
	var o offer
	ok := o.parse(s)
	return o, ok
}

// parse is parseOffer into o, which it leaves zero when s is invalid; the
// hot path of SelectType parses straight into its stack buffer.
func (o *offer) parse(s string) bool {
	s = header.TrimOWS(s)
	typ, sub, rest, ok := splitOfferType(s)
	if !ok || typ == "*" || sub == "*" {
		return false
	}
	charset := false
	if rest != "" {
		it := paramIter{s: rest}
		for {
			name, _, more := it.next()
			if !more {
				break
			}
			if len(name) == 1 && (name[0] == 'q' || name[0] == 'Q') {
				return false
			}
			charset = charset || header.EqualFold(name, "charset")
		}
		if it.bad {
			return false
		}
	}
	o.typ, o.sub, o.params = typ, sub, rest
	o.ts = s[:len(typ)+1+len(sub)]
	if n := len(o.ts); n >= 8 {
		o.lo, o.foldLo = foldKey(load64(o.ts))
		o.hi, o.foldHi = foldKey(load64(o.ts[n-8:]))
	}
	if !charset && isJSON(sub) {
		o.implicit = utf8Charset
	}
	return true
}

// isJSON reports whether a subtype names JSON text: "json" itself or a
// structured syntax suffix "+json" (RFC 6839 §3.1).
func isJSON(sub string) bool {
	// Both forms end in "n"; most subtypes that are not JSON do not.
	if sub == "" || sub[len(sub)-1]|0x20 != 'n' {
		return false
	}
	return sub == "json" || header.EqualFold(sub, "json") || hasSuffixFold(sub, "+json")
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && header.EqualFold(s[len(s)-len(suffix):], suffix)
}

// hasParam reports whether the parameter text params has a parameter with
// the given name.
func hasParam(params, name string) bool {
	it := paramIter{s: params}
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
