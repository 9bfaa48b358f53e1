package cache

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParse checks that Parse never panics on arbitrary input, that what it
// returns formats into a field value Parse reads back identically
// (Parse(String(x)) == x), and that String is a fixed point and never emits
// characters that would break the header.
func FuzzParse(f *testing.F) {
	for _, s := range commonHeaders {
		f.Add(s)
	}
	for _, s := range []string{
		`private="Set-Cookie, X-User"`, `no-cache=Set-Cookie`, `no-cache="a,b", max-age=3`,
		`private="a", private`, `max-age=99999999999999999999999`, `community="UCI", foo, bar=baz`,
		`ext="a\"b\\c"`, `max-age = 5`, `no-cache="a, b`, "max-stale, min-fresh=1, only-if-cached",
		"\tpublic\t,,", `x="\`, `=`, `a=b=c`, "max-age=\"60\"",
		"max-age= 60", "max-age =60", "no-store;", "No-Cache x", "private/x", "s-maxage:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		x := Parse(in)
		s := x.String()
		require.Equal(t, x, Parse(s), "Parse(String(x)) for input %q (formatted %q)", in, s)
		assert.Equal(t, s, Parse(s).String())
		assert.False(t, strings.ContainsAny(s, "\r\n\x00"), "unsafe bytes in %q", s)
		assert.Equal(t, s == "", x.IsZero(), "IsZero disagrees with String %q", s)
	})
}
