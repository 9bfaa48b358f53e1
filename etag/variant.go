package etag

import "github.com/httpsem/httpsem/internal/header"

// Variant names one representation of a resource among those that content
// negotiation selects from (RFC 9110 §12): its media type, content coding and
// language. A strong tag promises byte-for-byte identity (RFC 9110 §8.8.3),
// so the JSON and the XML, or the gzip and the identity, of one version must
// not share one; [Variant.Tag] derives a distinct tag for each.
type Variant struct {
	// MediaType is the representation's Content-Type, e.g.
	// "application/json" or "text/html; charset=utf-8". Type, subtype and
	// parameter names compare case-insensitively, and whitespace around
	// parameters is ignored.
	MediaType string
	// Encoding is the Content-Encoding, e.g. "gzip"; "" and "identity"
	// both mean none. Compared case-insensitively.
	Encoding string
	// Language is the Content-Language, e.g. "en-GB"; "" means none.
	// Compared case-insensitively (RFC 5646 §2.1.1).
	Language string
}

// Tag returns the tag of this variant of the representation whose version
// tag is version (from [FromVersion] or [FromString]): version's opaque-tag
// followed by the variant, e.g. `"42:t=application/json"` or
// `"42:t=application/xml:e=gzip:l=en"`. It is weak when version is, and zero
// when version is zero.
//
// The tag is a pure function of its inputs, stable across processes and
// releases, so replicas agree and caches keep their entries across
// restarts. Distinct (version, variant) pairs give distinct tags: the variant
// is escaped so that it never contains the ':' that separates its parts,
// which makes the suffix readable from the right whatever version holds.
// Spelling differences that do not make another representation (case,
// whitespace around media type parameters, "identity") give the same tag.
//
// Tag allocates once, for the opaque-tag.
func (v Variant) Tag(version Tag) Tag {
	if version.IsZero() {
		return version
	}
	var buf [128]byte
	b := append(buf[:0], version.Opaque...)
	b = append(b, ":t="...)
	b = appendMediaType(b, header.TrimOWS(v.MediaType))
	if enc := header.TrimOWS(v.Encoding); enc != "" && !header.EqualFold(enc, "identity") {
		b = append(b, ":e="...)
		b = appendVariantPart(b, enc, true)
	}
	if lang := header.TrimOWS(v.Language); lang != "" {
		b = append(b, ":l="...)
		b = appendVariantPart(b, lang, true)
	}
	return Tag{Opaque: string(b), Weak: version.Weak}
}

// appendMediaType appends a media type in one spelling: type, subtype and
// parameter names lower-cased, whitespace around ';' and '=' dropped,
// parameter values (which may be case-sensitive) kept as they are.
func appendMediaType(b []byte, mt string) []byte {
	inValue, inQuote := false, false
	for i := 0; i < len(mt); i++ {
		c := mt[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(mt) {
				b = appendVariantByte(b, c, false)
				i++
				c = mt[i]
			} else if c == '"' {
				inQuote = false
			}
		case header.IsOWS(c):
			j := i
			for j < len(mt) && header.IsOWS(mt[j]) {
				j++
			}
			if j == len(mt) || mt[j] == ';' || mt[j] == '=' && !inValue {
				i = j - 1
				continue
			}
		case c == '"' && inValue:
			inQuote = true
		case c == ';':
			inValue = false
			i = skipOWS(mt, i)
			b = append(b, ';')
			continue
		case c == '=' && !inValue:
			inValue = true
			i = skipOWS(mt, i)
			b = append(b, '=')
			continue
		}
		b = appendVariantByte(b, c, !inValue)
	}
	return b
}

// skipOWS returns the index of the last whitespace byte after s[i], or i.
func skipOWS(s string, i int) int {
	for i+1 < len(s) && header.IsOWS(s[i+1]) {
		i++
	}
	return i
}

func appendVariantPart(b []byte, s string, fold bool) []byte {
	for i := 0; i < len(s); i++ {
		b = appendVariantByte(b, s[i], fold)
	}
	return b
}

// appendVariantByte appends c, lower-cased when fold is set, escaped as %XX
// like [FromString] does when it is not safe in a tag, and also when it is
// the ':' that separates the parts of a variant tag.
func appendVariantByte(b []byte, c byte, fold bool) []byte {
	if fold && 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	if keepInRevision(c) && c != ':' {
		return append(b, c)
	}
	const hex = "0123456789ABCDEF"
	return append(b, '%', hex[c>>4], hex[c&0xf])
}
