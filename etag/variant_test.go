package etag

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVariantTag(t *testing.T) {
	t.Parallel()
	v42 := FromVersion(42)
	tests := []struct {
		name    string
		version Tag
		v       Variant
		want    Tag
	}{
		// Fixed values: the tag of a variant must be the same in every process
		// and release, or replicas disagree and caches lose their entries.
		{"json", v42, Variant{MediaType: "application/json"}, Tag{Opaque: "42:t=application/json"}},
		{"xml", v42, Variant{MediaType: "application/xml"}, Tag{Opaque: "42:t=application/xml"}},
		{"gzip", v42, Variant{MediaType: "application/json", Encoding: "gzip"}, Tag{Opaque: "42:t=application/json:e=gzip"}},
		{"language", v42, Variant{MediaType: "text/html", Language: "en-GB"}, Tag{Opaque: "42:t=text/html:l=en-gb"}},
		{"all", v42, Variant{MediaType: "text/html;charset=utf-8", Encoding: "br", Language: "de"}, Tag{Opaque: "42:t=text/html;charset=utf-8:e=br:l=de"}},
		{"weak version stays weak", Weak(v42), Variant{MediaType: "application/json"}, Tag{Opaque: "42:t=application/json", Weak: true}},
		{"zero version stays zero", Tag{}, Variant{MediaType: "application/json"}, Tag{}},
		{"no media type", v42, Variant{}, Tag{Opaque: "42:t="}},
		// RFC 9110 §8.3.1: type, subtype and parameter names are
		// case-insensitive, whitespace around parameters is not part of them.
		{"case and OWS folded", v42, Variant{MediaType: " Text/HTML ; Charset = utf-8 ", Encoding: "GZIP", Language: "EN"}, Tag{Opaque: "42:t=text/html;charset=utf-8:e=gzip:l=en"}},
		// §8.4.1: identity is no coding at all.
		{"identity is none", v42, Variant{MediaType: "application/json", Encoding: "identity"}, Tag{Opaque: "42:t=application/json"}},
		// Unsafe bytes and the separator are escaped, as FromString does.
		{"quoted parameter", v42, Variant{MediaType: `text/plain; x="a:b, c"`}, Tag{Opaque: "42:t=text/plain;x=%22a%3Ab%2C%20c%22"}},
		{"colon in language", FromString("r:1"), Variant{MediaType: "a/b", Language: "x:y"}, Tag{Opaque: "r:1:t=a/b:l=x%3Ay"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.v.Tag(tc.version)
			assert.Equal(t, tc.want, got)
			require.True(t, got.Valid())
			back, err := Parse(got.String())
			if !got.IsZero() {
				require.NoError(t, err)
				assert.Equal(t, got, back)
			}
		})
	}
}

// TestVariantTagsDiffer: the JSON and the XML (or gzip and identity) of one
// version never share a strong tag (RFC 9110 §8.8.3), and neither do
// variants whose parts could be confused.
func TestVariantTagsDiffer(t *testing.T) {
	t.Parallel()
	pairs := []struct {
		name   string
		a, b   Tag
		av, bv Variant
	}{
		{"json vs xml", FromVersion(1), FromVersion(1), Variant{MediaType: "application/json"}, Variant{MediaType: "application/xml"}},
		{"gzip vs identity", FromVersion(1), FromVersion(1), Variant{MediaType: "application/json", Encoding: "gzip"}, Variant{MediaType: "application/json"}},
		{"en vs fr", FromVersion(1), FromVersion(1), Variant{MediaType: "text/html", Language: "en"}, Variant{MediaType: "text/html", Language: "fr"}},
		{"versions", FromVersion(1), FromVersion(2), Variant{MediaType: "application/json"}, Variant{MediaType: "application/json"}},
		{"part moved into the version", FromString("1:t=a"), FromString("1"), Variant{MediaType: "b"}, Variant{MediaType: "a:t=b"}},
		{"encoding vs language", FromVersion(1), FromVersion(1), Variant{MediaType: "a/b", Encoding: "x"}, Variant{MediaType: "a/b", Language: "x"}},
		{"parameter value case kept", FromVersion(1), FromVersion(1), Variant{MediaType: "a/b;p=X"}, Variant{MediaType: "a/b;p=x"}},
		{"version tag vs variant tag", FromVersion(1), FromString("1:t=a/b"), Variant{MediaType: "a/b"}, Variant{MediaType: "a/b"}},
	}
	for _, tc := range pairs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.NotEqual(t, tc.av.Tag(tc.a), tc.bv.Tag(tc.b))
			assert.False(t, StrongMatch(tc.av.Tag(tc.a), tc.bv.Tag(tc.b)))
		})
	}
}

func TestVariantTagAllocations(t *testing.T) {
	v := Variant{MediaType: "application/json; charset=utf-8", Encoding: "gzip", Language: "en"}
	version := FromVersion(123456)
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = v.Tag(version) }))
}

// FuzzVariantTag: every variant tag is a valid tag that parses back, and two
// variants of one version spelled without case or whitespace differences get
// the same tag only when they are the same variant.
func FuzzVariantTag(f *testing.F) {
	f.Add("42", "application/json", "", "", "application/xml", "", "")
	f.Add("r:1", "text/html;q=\"a:b\"", "gzip", "en", "text/html;q=a", "gzip", "en")
	f.Add("", "a/b", "x", "", "a/b", "", "x")
	f.Fuzz(func(t *testing.T, ver, mt1, enc1, lang1, mt2, enc2, lang2 string) {
		version := FromString(ver)
		a := Variant{MediaType: mt1, Encoding: enc1, Language: lang1}.Tag(version)
		b := Variant{MediaType: mt2, Encoding: enc2, Language: lang2}.Tag(version)
		for _, tag := range []Tag{a, b} {
			require.Truef(t, tag.Valid(), "invalid tag %#v", tag)
			if !tag.IsZero() {
				back, err := Parse(tag.String())
				require.Falsef(t, err != nil || back != tag, "%q does not parse back: %v", tag.String(), err)
			}
		}
		plain := func(s string) bool {
			return s == strings.ToLower(s) && !strings.ContainsAny(s, " \t") && s != "identity"
		}
		for _, s := range []string{mt1, enc1, lang1, mt2, enc2, lang2} {
			if !plain(s) {
				return
			}
		}
		same := mt1 == mt2 && enc1 == enc2 && lang1 == lang2
		require.Falsef(t, !version.IsZero() && (a == b) != same, "variants %q/%q/%q and %q/%q/%q: tags %q and %q", mt1, enc1, lang1, mt2, enc2, lang2, a.Opaque, b.Opaque)
	})
}
