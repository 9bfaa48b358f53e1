package etag

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Tag
		ok   bool
	}{
		// RFC 9110 §8.8.3 examples.
		{"rfc strong", `"xyzzy"`, Tag{Opaque: "xyzzy"}, true},
		{"rfc weak", `W/"xyzzy"`, Tag{Opaque: "xyzzy", Weak: true}, true},
		{"rfc empty", `""`, Tag{}, true},
		{"empty weak", `W/""`, Tag{Weak: true}, true},
		// §8.8.3: etagc = %x21 / %x23-7E / obs-text; a comma is an etagc.
		{"comma inside", `"a,b"`, Tag{Opaque: "a,b"}, true},
		{"bang", `"!"`, Tag{Opaque: "!"}, true},
		{"tilde", `"~"`, Tag{Opaque: "~"}, true},
		{"obs-text", "\"\x80\xff\"", Tag{Opaque: "\x80\xff"}, true},
		{"backslash is plain", `"a\b"`, Tag{Opaque: `a\b`}, true},
		{"W inside", `"W/x"`, Tag{Opaque: "W/x"}, true},

		// Malformed: the grammar is strict (§8.8.3).
		{"empty", ``, Tag{}, false},
		{"unquoted", `xyzzy`, Tag{}, false},
		{"lower-case weak", `w/"x"`, Tag{}, false}, // weak = %s"W/" is case-sensitive
		{"weak no quotes", `W/x`, Tag{}, false},
		{"weak only", `W/`, Tag{}, false},
		{"unterminated", `"abc`, Tag{}, false},
		{"single quote", `"`, Tag{}, false},
		{"space inside", `"a b"`, Tag{}, false},
		{"tab inside", "\"a\tb\"", Tag{}, false},
		{"DEL inside", "\"a\x7fb\"", Tag{}, false},
		{"control inside", "\"a\x00b\"", Tag{}, false},
		{"escaped quote", `"a\"b"`, Tag{}, false}, // no quoted-pair in an opaque-tag
		{"leading space", ` "x"`, Tag{}, false},
		{"trailing space", `"x" `, Tag{}, false},
		{"trailing garbage", `"x"y`, Tag{}, false},
		{"two tags", `"x","y"`, Tag{}, false},
		{"star", `*`, Tag{}, false},
		{"space after W/", `W/ "x"`, Tag{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if !tt.ok {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrSyntax)
				var pe *ParseError
				require.True(t, errors.As(err, &pe))
				assert.Contains(t, err.Error(), "etag: ")
				assert.Equal(t, Tag{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String(), "String must give back the input")
			assert.True(t, got.Valid())
		})
	}
}

func TestParseErrorTruncatesInput(t *testing.T) {
	t.Parallel()
	_, err := Parse(strings.Repeat("x", 1000))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Len(t, pe.Input, 64)
	assert.NotEmpty(t, pe.Reason)
	assert.False(t, errors.Is(err, errors.New("other")))
}

// TestTagAllocs is not parallel: testing.AllocsPerRun forbids it.
func TestTagAllocs(t *testing.T) {
	in := `W/"0123456789abcdef"`
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = Parse(in) }), "Parse")
	tag := Tag{Opaque: in[3:19]}
	var sink string
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sink = tag.String() }), "String")
	assert.Equal(t, `"0123456789abcdef"`, sink)
}

func TestStringAndAppend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  Tag
		want string
	}{
		{Tag{Opaque: "abc"}, `"abc"`},
		{Tag{Opaque: "abc", Weak: true}, `W/"abc"`},
		{Tag{}, `""`},
		{Tag{Weak: true}, `W/""`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.tag.String())
		assert.Equal(t, "x:"+tt.want, string(tt.tag.Append([]byte("x:"))))
	}
}

func TestValidAndIsZero(t *testing.T) {
	t.Parallel()
	assert.True(t, Tag{}.IsZero())
	assert.False(t, Tag{Weak: true}.IsZero())
	assert.False(t, Tag{Opaque: "a"}.IsZero())
	assert.True(t, Tag{Opaque: "a,b!~"}.Valid())
	assert.True(t, Tag{}.Valid())
	for _, bad := range []string{`a"b`, "a b", "a\x7f", "\x00"} {
		tag := Tag{Opaque: bad}
		assert.False(t, tag.Valid(), "%q", bad)
		_, err := Parse(tag.String())
		assert.Error(t, err, "an invalid tag must not round-trip: %q", bad)
	}
}

// TestCompare is the example table of RFC 9110 §8.8.3.2.
func TestCompare(t *testing.T) {
	t.Parallel()
	w1 := Tag{Opaque: "1", Weak: true}
	w2 := Tag{Opaque: "2", Weak: true}
	s1 := Tag{Opaque: "1"}
	s2 := Tag{Opaque: "2"}
	tests := []struct {
		name         string
		a, b         Tag
		strong, weak bool
	}{
		{`W/"1" W/"1"`, w1, w1, false, true},
		{`W/"1" W/"2"`, w1, w2, false, false},
		{`W/"1" "1"`, w1, s1, false, true},
		{`"1" "1"`, s1, s1, true, true},
		// Beyond the table: different strong tags, and symmetry.
		{`"1" "2"`, s1, s2, false, false},
		{`"1" W/"1"`, s1, w1, false, true},
		{`case matters`, Tag{Opaque: "a"}, Tag{Opaque: "A"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.strong, StrongMatch(tt.a, tt.b), "strong")
			assert.Equal(t, tt.weak, WeakMatch(tt.a, tt.b), "weak")
			assert.Equal(t, tt.strong, StrongMatch(tt.b, tt.a), "strong, swapped")
			assert.Equal(t, tt.weak, WeakMatch(tt.b, tt.a), "weak, swapped")
		})
	}
}
