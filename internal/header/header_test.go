package header

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collect(values ...string) []string {
	var out []string
	Elements(values, func(e string) bool { out = append(out, e); return true })
	return out
}

func TestElements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{"single", []string{"a"}, []string{"a"}},
		{"OWS trimmed (RFC 9110 §5.6.3)", []string{" a ,\tb "}, []string{"a", "b"}},
		{"empty elements skipped (RFC 9110 §5.6.1)", []string{",, a , ,b,,"}, []string{"a", "b"}},
		{"quoted comma does not split (RFC 9110 §5.6.4)", []string{`a="x,y", b`}, []string{`a="x,y"`, "b"}},
		{"quoted-pair escapes a quote", []string{`a="x\",y", b`}, []string{`a="x\",y"`, "b"}},
		{"unterminated quote runs to the end", []string{`a="x, b`}, []string{`a="x, b`}},
		{"several field lines form one list (RFC 9110 §5.3)", []string{"a, b", "c"}, []string{"a", "b", "c"}},
		{"nothing", []string{"", " , "}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, collect(tc.values...))
		})
	}
}

func TestElementsStopsEarly(t *testing.T) {
	t.Parallel()
	n := 0
	Elements([]string{"a,b,c"}, func(string) bool { n++; return n < 2 })
	assert.Equal(t, 2, n)
}

func TestTokens(t *testing.T) {
	t.Parallel()
	assert.True(t, IsToken("gzip"))
	assert.True(t, IsToken("x-!#$%&'*+-.^_`|~09AZaz"))
	assert.False(t, IsToken(""))
	assert.False(t, IsToken("a b"))
	assert.False(t, IsToken("a/b"))
	assert.True(t, EqualFold("Accept-Encoding", "accept-encoding"))
	assert.False(t, EqualFold("Accept", "Accepts"))
	assert.False(t, EqualFold("a[", "A{"))
	assert.Equal(t, "a b", TrimOWS("\t a b \t"))
	assert.Equal(t, 5, QuotedStringEnd(`"a\"""`))
	assert.Equal(t, -1, QuotedStringEnd(`"abc`))
	assert.Equal(t, -1, QuotedStringEnd(`abc`))
}

func TestAddVary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		have []string
		add  []string
		want []string
	}{
		{"into empty", nil, []string{"Accept"}, []string{"Accept"}},
		{"canonicalised", nil, []string{"accept-encoding"}, []string{"Accept-Encoding"}},
		{"no duplicate, case-insensitive (RFC 9110 §5.1)", []string{"accept"}, []string{"Accept"}, []string{"accept"}},
		{"merges several lines", []string{"Accept", "Origin"}, []string{"Accept-Language"}, []string{"Accept, Origin, Accept-Language"}},
		{"existing * absorbs everything (RFC 9110 §12.5.5)", []string{"*"}, []string{"Accept"}, []string{"*"}},
		{"adding * replaces the list", []string{"Accept"}, []string{"*"}, []string{"*"}},
		{"dedupes within the call", nil, []string{"Accept", "ACCEPT", " "}, []string{"Accept"}},
		{"* into empty", nil, []string{"*"}, []string{"*"}},
		{"trimmed into empty", nil, []string{" origin "}, []string{"Origin"}},
		{"an invalid name adds nothing", nil, []string{"not a name"}, nil},
		{"an invalid name keeps what is there", []string{"Accept"}, []string{"a,b"}, []string{"Accept"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.have != nil {
				h["Vary"] = tc.have
			}
			AddVary(h, tc.add...)
			assert.Equal(t, tc.want, h["Vary"])
			for _, a := range tc.add {
				if a = strings.TrimSpace(a); a != "" && IsToken(a) {
					assert.True(t, VaryHas(h["Vary"], a))
				}
			}
		})
	}
}

func TestAddVaryFirstNameOneAlloc(t *testing.T) {
	h := http.Header{}
	allocs := testing.AllocsPerRun(100, func() { clear(h); AddVary(h, "Accept") })
	assert.Equal(t, 1.0, allocs, "only the value slice")
}

// TestAddVaryShared checks that AddVaryShared merges as AddVary does and,
// into a header without Vary, sets the caller's shared value without
// allocating.
func TestAddVaryShared(t *testing.T) {
	for _, tc := range []struct {
		name string
		have []string
		want []string
	}{
		{"into empty", nil, []string{"Accept"}},
		{"into an empty line list", []string{}, []string{"Accept"}},
		{"no duplicate, case-insensitive (RFC 9110 §5.1)", []string{"accept"}, []string{"accept"}},
		{"merged", []string{"Origin"}, []string{"Origin, Accept"}},
		{"existing * absorbs it (RFC 9110 §12.5.5)", []string{"*"}, []string{"*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shared := []string{"Accept"}
			h := http.Header{}
			if tc.have != nil {
				h["Vary"] = tc.have
			}
			AddVaryShared(h, shared)
			assert.Equal(t, tc.want, h["Vary"])
			assert.Equal(t, []string{"Accept"}, shared, "the shared value is never written")
		})
	}
	shared := []string{"Accept"}
	h := http.Header{}
	assert.Zero(t, testing.AllocsPerRun(100, func() { clear(h); AddVaryShared(h, shared) }))
	assert.Same(t, &shared[0], &h["Vary"][0], "the shared value itself")
	h.Add("Vary", "Origin") // full, so Add copies
	assert.Equal(t, []string{"Accept"}, shared)
}

func TestAddVaryNoAllocWhenPresent(t *testing.T) {
	h := http.Header{"Vary": {"Accept, Accept-Encoding"}}
	allocs := testing.AllocsPerRun(100, func() { AddVary(h, "accept-encoding") })
	assert.Zero(t, allocs)
}

func FuzzElements(f *testing.F) {
	for _, s := range []string{"a, b", `a="x,y"`, `"\`, ",,,", `a="x\",y", b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var total int
		Elements([]string{s}, func(e string) bool {
			require.Falsef(t, e == "" || e != TrimOWS(e), "element %q is empty or untrimmed", e)
			total += len(e)
			return true
		})
		require.Falsef(t, total > len(s), "elements longer than input")
		for rest, ref := s, s; rest != "" || ref != ""; {
			var got, want string
			got, rest = NextElement(rest)
			want, ref = refNextElement(ref)
			require.Falsef(t, got != want || rest != ref, "NextElement = %q, %q; byte loop says %q, %q", got, rest, want, ref)
		}
		h := http.Header{"Vary": {s}}
		AddVary(h, "Accept")
		require.Truef(t, VaryHas(h["Vary"], "Accept"), "Accept missing after AddVary: %q", h["Vary"])
	})
}

// refNextElement is NextElement as a plain byte loop, the reference for the
// IndexByte fast path.
func refNextElement(s string) (elem, rest string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			end := QuotedStringEnd(s[i:])
			if end < 0 {
				return TrimOWS(s), ""
			}
			i += end - 1
		case ',':
			return TrimOWS(s[:i]), s[i+1:]
		}
	}
	return TrimOWS(s), ""
}

func BenchmarkElements(b *testing.B) {
	long := strings.Repeat("text/html;q=0.5, ", 4000)
	for _, bc := range []struct{ name, v string }{
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"hostile64KiB", long},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.v)))
			vals := []string{bc.v}
			for i := 0; i < b.N; i++ {
				Elements(vals, func(string) bool { return true })
			}
		})
	}
}
