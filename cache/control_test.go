package cache

import (
	"encoding"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Control
	}{
		{"empty", "", Control{}},
		{"only commas and spaces", " , ,, ", Control{}}, // RFC 9110 §5.6.1: empty elements ignored
		{"static asset", "public, max-age=31536000, immutable",
			Control{Public: true, MaxAge: Seconds(31536000), Immutable: true}},
		{"private max-age", "private, max-age=300", Control{Private: true, MaxAge: Seconds(300)}},
		{"no-store", "no-store", Control{NoStore: true}},
		// RFC 9111 §5.2: directive names are case-insensitive.
		{"case-insensitive names", "PUBLIC, Max-Age=5, No-Store", Control{Public: true, MaxAge: Seconds(5), NoStore: true}},
		{"every response directive",
			`public, private, no-cache, no-store, max-age=1, s-maxage=2, must-revalidate, proxy-revalidate, must-understand, no-transform, immutable, stale-while-revalidate=3, stale-if-error=4`,
			Control{Public: true, Private: true, NoCache: true, NoStore: true, MaxAge: Seconds(1), SMaxAge: Seconds(2),
				MustRevalidate: true, ProxyRevalidate: true, MustUnderstand: true, NoTransform: true, Immutable: true,
				StaleWhileRevalidate: Seconds(3), StaleIfError: Seconds(4)}},
		// RFC 9111 §5.2.1: request directives.
		{"request directives", "max-age=0, max-stale=10, min-fresh=20, no-cache, no-store, no-transform, only-if-cached, stale-if-error=5",
			Control{MaxAge: Seconds(0), MaxStale: Seconds(10), MinFresh: Seconds(20), NoCache: true, NoStore: true,
				NoTransform: true, OnlyIfCached: true, StaleIfError: Seconds(5)}},
		// RFC 9111 §5.2.1.2: max-stale without a value accepts any staleness.
		{"max-stale without value", "max-stale", Control{MaxStaleAny: true}},
		// RFC 9111 §5.2: recipients accept the quoted form of any argument.
		{"quoted delta", `max-age="60"`, Control{MaxAge: Seconds(60)}},
		// RFC 9111 §5.2.2.4, §5.2.2.7: field-name lists.
		{"private fields", `private="Set-Cookie, X-User"`, Control{Private: true, PrivateFields: []string{"Set-Cookie", "X-User"}}},
		{"no-cache token form", `no-cache=Set-Cookie`, Control{NoCache: true, NoCacheFields: []string{"Set-Cookie"}}},
		{"comma inside quotes does not split", `no-cache="a,b", max-age=3`, Control{NoCache: true, NoCacheFields: []string{"a", "b"}, MaxAge: Seconds(3)}},
		{"empty field list is unqualified", `private=""`, Control{Private: true}},
		{"invalid field names dropped", `private="a b, c"`, Control{Private: true, PrivateFields: []string{"c"}}},
		// RFC 9111 §4.2.1: first occurrence of a duplicate wins.
		{"duplicate max-age keeps first", "max-age=10, max-age=20", Control{MaxAge: Seconds(10)}},
		{"duplicate across field lines keeps first", "max-age=10,public, max-age=0", Control{MaxAge: Seconds(10), Public: true}},
		// RFC 9111 §4.2.1: most restrictive for private/no-cache forms.
		{"unqualified private beats list (after)", `private="a", private`, Control{Private: true}},
		{"unqualified private beats list (before)", `private, private="a"`, Control{Private: true}},
		{"no-cache lists merge", `no-cache="a", no-cache="b"`, Control{NoCache: true, NoCacheFields: []string{"a", "b"}}},
		// RFC 9111 §4.2.1: invalid freshness information is treated as stale.
		{"invalid max-age is zero", "max-age=abc", Control{MaxAge: Seconds(0)}},
		{"max-age without value is zero", "max-age", Control{MaxAge: Seconds(0)}},
		{"negative max-age is zero", "max-age=-1", Control{MaxAge: Seconds(0)}},
		{"invalid first max-age still wins", "max-age=x, max-age=60", Control{MaxAge: Seconds(0)}},
		{"invalid s-maxage is zero", "s-maxage=1.5", Control{SMaxAge: Seconds(0)}},
		// RFC 5861: invalid stale-* drops the directive (no stale use).
		{"invalid stale-while-revalidate dropped", "stale-while-revalidate=soon, stale-while-revalidate=5", Control{StaleWhileRevalidate: Seconds(5)}},
		{"invalid min-fresh dropped", "min-fresh", Control{}},
		// RFC 9111 §1.2.2: clamp to 2^31.
		{"huge delta clamps", "max-age=99999999999999999999999", Control{MaxAge: Seconds(MaxDeltaSeconds)}},
		{"exact 2^31", "max-age=2147483648", Control{MaxAge: Seconds(MaxDeltaSeconds)}},
		// RFC 9111 §5.2.3: unknown extensions are kept, not applied.
		{"extensions", `community="UCI", foo, bar=baz`, Control{Extensions: []Extension{{"community", "UCI"}, {"foo", ""}, {"bar", "baz"}}}},
		{"escaped quoted extension", `ext="a\"b\\c"`, Control{Extensions: []Extension{{"ext", `a"b\c`}}}},
		// RFC 9110 §5.6.1: malformed members are skipped.
		// RFC 9111 §5.2 has no whitespace around "="; §4.2.1: invalid
		// freshness is stale, so every spelling is max-age=0, never absent
		// (absent could let a cache compute a heuristic lifetime).
		{"spaces around equals", "max-age = 5, public", Control{Public: true, MaxAge: Seconds(0)}},
		{"space before equals", "max-age =5", Control{MaxAge: Seconds(0)}},
		{"space after equals", "max-age= 5", Control{MaxAge: Seconds(0)}},
		{"tab around equals", "s-maxage\t=\t5", Control{SMaxAge: Seconds(0)}},
		{"spaced invalid max-age still wins", "max-age = 5, max-age=60", Control{MaxAge: Seconds(0)}},
		{"spaced no-cache list is unqualified", `no-cache = "Set-Cookie"`, Control{NoCache: true}},
		{"spaced private list is unqualified", `private= "a"`, Control{Private: true}},
		{"spaced stale-while-revalidate dropped", "stale-while-revalidate = 5", Control{}},
		{"spaced extension dropped", "foo = bar", Control{}},
		{"spaced argument on no-store kept", "no-store = 1", Control{NoStore: true}},
		// RFC 9110 §5.6.1 lets a malformed member be skipped; the
		// restrictive ones are honoured instead, since dropping them is the
		// unsafe reading.
		{"no-store with junk", "no-store;, public", Control{NoStore: true, Public: true}},
		{"no-store with word", "No-Store please", Control{NoStore: true}},
		{"no-cache with junk", `no-cache;"a"`, Control{NoCache: true}},
		{"no-cache junk beats list", `no-cache="a", no-cache;`, Control{NoCache: true}},
		{"private with junk", "private/x", Control{Private: true}},
		{"must-revalidate with junk", "must-revalidate;", Control{MustRevalidate: true}},
		{"proxy-revalidate with junk", "proxy-revalidate x", Control{ProxyRevalidate: true}},
		{"no-transform with junk", "no-transform;", Control{NoTransform: true}},
		{"max-age with junk is zero", "max-age 60", Control{MaxAge: Seconds(0)}},
		{"s-maxage with junk is zero", "s-maxage:60", Control{SMaxAge: Seconds(0)}},
		{"public with junk dropped", "public;", Control{}},
		{"immutable with junk dropped", "immutable x", Control{}},
		{"extension with junk dropped", "foo;bar", Control{}},
		{"no name", "=5, no-store", Control{NoStore: true}},
		{"bad extension value", "foo=a b, foo=\"x", Control{}},
		{"unterminated quote", `no-cache="a, b`, Control{NoCache: true}},
		// RFC 9111 §5.2: argument on a no-argument directive is ignored, the directive kept.
		{"argument on no-store", "no-store=1", Control{NoStore: true}},
		{"duplicate max-stale keeps first", "max-stale=5, max-stale", Control{MaxStale: Seconds(5)}},
		{"duplicate bare max-stale keeps first", "max-stale, max-stale=5", Control{MaxStaleAny: true}},
		{"empty arguments", "foo=, max-age=", Control{MaxAge: Seconds(0)}},
		// RFC 9110 §5.6.4: control characters are not qdtext.
		{"control character in quoted value", "x=\"a\x01b\", no-cache=\"a\nb\"", Control{NoCache: true}},
		{"tabs as OWS", "\tpublic\t,\tmax-age=1\t", Control{Public: true, MaxAge: Seconds(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Parse(tt.in))
		})
	}
}

func TestParseExtensionLimit(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("x-ext=1, ", 1000) + "public, max-age=7"
	c := Parse(in)
	assert.Len(t, c.Extensions, MaxExtensions, "extensions past the limit are ignored")
	assert.True(t, c.Public, "known directives after the limit still count")
	assert.Equal(t, int64(7), c.MaxAge.Seconds())
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	// RFC 9110 §5.3: several field lines form one list; §4.2.1 duplicates
	// across lines keep the first.
	h := http.Header{}
	h.Add("Cache-Control", "public")
	h.Add("Cache-Control", "max-age=60, max-age=1")
	h.Add("Cache-Control", "max-age=2, immutable")
	want := Control{Public: true, MaxAge: Seconds(60), Immutable: true}
	assert.Equal(t, want, ParseValues(h.Values("Cache-Control")))
	assert.Equal(t, want, ParseHeader(h))
	assert.Equal(t, Control{}, ParseHeader(http.Header{}))
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Control
		want string
	}{
		{"zero", Control{}, ""},
		{"static asset", StaticAsset(), "public, max-age=31536000, immutable"},
		{"user specific", UserSpecific(), "private, max-age=300"},
		{"real time", RealTime(), "no-store"},
		{"public listing", PublicListing(), "public, max-age=60"},
		{"credentials", Credentials(), "no-store"},
		{"explicit zero max-age", Control{MaxAge: Seconds(0)}, "max-age=0"},
		{"stable order", Control{Immutable: true, NoTransform: true, SMaxAge: Seconds(9), NoCache: true, Public: true, MaxAge: Seconds(1),
			MustRevalidate: true, ProxyRevalidate: true, MustUnderstand: true, NoStore: true, Private: true,
			StaleWhileRevalidate: Seconds(2), StaleIfError: Seconds(3)},
			"public, private, no-cache, no-store, max-age=1, s-maxage=9, must-revalidate, proxy-revalidate, must-understand, no-transform, immutable, stale-while-revalidate=2, stale-if-error=3"},
		{"request", Control{MaxStale: Seconds(5), MinFresh: Seconds(6), OnlyIfCached: true}, "max-stale=5, min-fresh=6, only-if-cached"},
		{"max-stale any wins", Control{MaxStaleAny: true, MaxStale: Seconds(5)}, "max-stale"},
		// RFC 9111 §5.2.2.7: senders use the quoted form even for one name.
		{"private one field quoted", Control{Private: true, PrivateFields: []string{"Set-Cookie"}}, `private="Set-Cookie"`},
		{"no-cache fields", Control{NoCache: true, NoCacheFields: []string{"A", "bad name", "B"}}, `no-cache="A, B"`},
		{"only bad fields is unqualified", Control{Private: true, PrivateFields: []string{"a b"}}, "private"},
		{"fields without flag ignored", Control{PrivateFields: []string{"a"}}, ""},
		{"extensions", Control{Extensions: []Extension{{"a", ""}, {"b", "tok"}, {"c", `sp "q" \`}}}, `a, b=tok, c="sp \"q\" \\"`},
		// Header injection: CR/LF and bad names never reach the wire.
		{"unsafe extensions skipped", Control{NoStore: true, Extensions: []Extension{{"x", "a\r\nSet-Cookie: y"}, {"bad name", "1"}}}, "no-store"},
		{"seconds clamp", Control{MaxAge: Seconds(-5), SMaxAge: Seconds(1 << 40)}, "max-age=0, s-maxage=2147483648"},
		{"from duration", Control{MaxAge: FromDuration(90*time.Second + 900*time.Millisecond)}, "max-age=90"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.in.String())
			b, err := tt.in.AppendText([]byte("x:"))
			require.NoError(t, err)
			assert.Equal(t, "x:"+tt.want, string(b))
			if tt.in.IsZero() {
				assert.Empty(t, tt.want, "a zero Control formats as nothing")
			}
		})
	}
}

var (
	_ encoding.TextAppender    = Control{}
	_ encoding.TextMarshaler   = Control{}
	_ encoding.TextUnmarshaler = (*Control)(nil)
)

func TestTextMarshaling(t *testing.T) {
	t.Parallel()
	type config struct{ Policy Control }
	b, err := json.Marshal(config{Policy: UserSpecific()})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Policy":"private, max-age=300"}`, string(b))
	var got config
	require.NoError(t, json.Unmarshal([]byte(`{"Policy":"public, max-age=60"}`), &got))
	assert.Equal(t, PublicListing(), got.Policy)
}

func TestIsZero(t *testing.T) {
	t.Parallel()
	assert.True(t, Control{}.IsZero())
	assert.False(t, Control{MaxAge: Seconds(0)}.IsZero(), "explicit max-age=0 is a directive")
	assert.False(t, Control{Extensions: []Extension{{"x", ""}}}.IsZero())
	assert.False(t, Control{MaxStaleAny: true}.IsZero())
}

func TestDelta(t *testing.T) {
	t.Parallel()
	var d Delta
	assert.False(t, d.IsSet())
	assert.Zero(t, d.Seconds())
	d = Seconds(90)
	assert.True(t, d.IsSet())
	assert.Equal(t, int64(90), d.Seconds())
	assert.Equal(t, 90*time.Second, d.Duration())
	assert.Equal(t, int64(0), FromDuration(-time.Hour).Seconds())
	assert.True(t, FromDuration(-time.Hour).IsSet())
}

// The common headers must parse without allocating (the package promise).
func TestParseAllocs(t *testing.T) {
	// Not parallel: testing.AllocsPerRun counts the allocations of the whole
	// process, so parallel tests would inflate it.
	for _, v := range commonHeaders {
		allocs := testing.AllocsPerRun(100, func() { _ = Parse(v) })
		assert.Zero(t, allocs, "Parse(%q)", v)
	}
	vals := []string{"public", "max-age=60"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = ParseValues(vals) }))
}

var commonHeaders = []string{
	"public, max-age=31536000, immutable",
	"private, max-age=300",
	"no-store",
	"no-cache",
	"max-age=0",
	"public, max-age=60, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400",
	"no-cache, no-store, must-revalidate",
	"private, no-cache, no-store, max-age=0, must-revalidate",
}
