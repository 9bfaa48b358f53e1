package etag

import (
	"errors"
	"strconv"
)

// Tag is an entity-tag (RFC 9110 §8.8.3): an opaque string and a weak flag.
//
// Opaque holds the characters between the double quotes, without the quotes.
// The zero Tag (strong, empty opaque) is used throughout httpsem to mean "no
// tag"; the legal but useless entity-tag `""` therefore cannot be used as a
// current validator.
type Tag struct {
	Opaque string
	Weak   bool
}

// ErrSyntax is matched (with errors.Is) by every [*ParseError].
var ErrSyntax = errors.New("etag: invalid entity-tag syntax")

// ParseError describes a malformed entity-tag. It matches [ErrSyntax] with
// errors.Is.
type ParseError struct {
	Input  string // the input, truncated to 64 bytes
	Reason string // what was wrong, for people
}

// Error returns a message naming the (truncated) input and the reason.
func (e *ParseError) Error() string {
	return "etag: invalid entity-tag " + strconv.Quote(e.Input) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrSyntax) true for every ParseError.
func (e *ParseError) Is(target error) bool { return target == ErrSyntax }

func parseErr(s, reason string) error {
	if len(s) > 64 {
		s = s[:64]
	}
	return &ParseError{Input: s, Reason: reason}
}

// isEtagc reports whether c may appear inside an opaque-tag:
//
//	etagc = %x21 / %x23-7E / obs-text
//
// (RFC 9110 §8.8.3). Note that, unlike a quoted-string, an opaque-tag has no
// backslash escapes, and a comma is a legal etagc.
func isEtagc(c byte) bool { return c == 0x21 || c >= 0x23 && c != 0x7f }

// Parse parses a single entity-tag, `"xyz"` or `W/"xyz"`, strictly: no
// surrounding whitespace, a case-sensitive `W/` prefix, and only etagc
// characters inside the quotes. It does not allocate.
func Parse(s string) (Tag, error) {
	t, n, ok := Scan(s)
	if !ok {
		return Tag{}, parseErr(s, "want W/\"...\" or \"...\" with etagc characters")
	}
	if n != len(s) {
		return Tag{}, parseErr(s, "trailing characters after closing quote")
	}
	return t, nil
}

// Scan reads one entity-tag at the start of s, by the same grammar as
// [Parse], and returns it with the number of bytes it took; ok is false when
// s does not start with one. Unlike Parse it never allocates, also on
// failure, so it suits untrusted input on hot paths: s is one whole tag when
// ok && n == len(s). The tag's Opaque shares memory with s.
func Scan(s string) (t Tag, n int, ok bool) {
	i := 0
	if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
		t.Weak = true
		i = 2
	}
	if i >= len(s) || s[i] != '"' {
		return Tag{}, 0, false
	}
	start := i + 1
	for j := start; j < len(s); j++ {
		c := s[j]
		if c == '"' {
			t.Opaque = s[start:j]
			return t, j + 1, true
		}
		if !isEtagc(c) {
			return Tag{}, 0, false
		}
	}
	return Tag{}, 0, false
}

// IsZero reports whether t is the zero Tag, meaning "no tag".
func (t Tag) IsZero() bool { return t == Tag{} }

// String returns the tag as written in a header field: `"xyz"` or `W/"xyz"`.
// For a tag whose Opaque holds only etagc characters (see [Tag.Valid]),
// Parse(t.String()) returns t. String allocates once.
func (t Tag) String() string {
	// One concatenation is one allocation; building in a []byte and
	// converting would be two.
	if t.Weak {
		return `W/"` + t.Opaque + `"`
	}
	return `"` + t.Opaque + `"`
}

// Append appends the header form of t (as [Tag.String] returns it) to b and
// returns the extended slice.
func (t Tag) Append(b []byte) []byte {
	if t.Weak {
		b = append(b, 'W', '/')
	}
	b = append(b, '"')
	b = append(b, t.Opaque...)
	return append(b, '"')
}

// Valid reports whether every byte of Opaque is an etagc character, so that
// String produces a tag that [Parse] accepts.
func (t Tag) Valid() bool {
	for i := 0; i < len(t.Opaque); i++ {
		if !isEtagc(t.Opaque[i]) {
			return false
		}
	}
	return true
}

// StrongMatch reports whether a and b match under the strong comparison of
// RFC 9110 §8.8.3.2: neither is weak and their opaque-tags are identical.
func StrongMatch(a, b Tag) bool { return !a.Weak && !b.Weak && a.Opaque == b.Opaque }

// WeakMatch reports whether a and b match under the weak comparison of
// RFC 9110 §8.8.3.2: their opaque-tags are identical, whatever their weakness.
func WeakMatch(a, b Tag) bool { return a.Opaque == b.Opaque }
