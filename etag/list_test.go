package etag

import (
	"strings"
	"testing"

	"github.com/httpsem/httpsem/internal/precond"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	cur := Tag{Opaque: "xyzzy"}
	weakCur := Tag{Opaque: "xyzzy", Weak: true}
	tests := []struct {
		name    string
		values  []string
		current Tag
		strong  ListMatch // If-Match, If-Range (§13.1.1)
		weak    ListMatch // If-None-Match (§13.1.2)
	}{
		{"absent", nil, cur, ListAbsent, ListAbsent},
		{"empty value", []string{""}, cur, ListAbsent, ListAbsent},
		// §5.6.1.2: empty list elements and OWS are ignored.
		{"only commas and OWS", []string{" , ,\t,"}, cur, ListAbsent, ListAbsent},
		// §13.1.1 / §13.1.2 examples.
		{"rfc single", []string{`"xyzzy"`}, cur, ListMatched, ListMatched},
		{"rfc list", []string{`"xyzzy", "r2d2xxxx", "c3piozzzz"`}, cur, ListMatched, ListMatched},
		{"rfc list no match", []string{`"r2d2xxxx", "c3piozzzz"`}, cur, ListNotMatched, ListNotMatched},
		{"rfc star", []string{`*`}, cur, ListAny, ListAny},
		{"rfc weak list", []string{`W/"xyzzy", W/"r2d2xxxx"`}, cur, ListNotMatched, ListMatched},
		// §8.8.3.2: a weak member never matches strongly, a weak current tag never either.
		{"weak member", []string{`W/"xyzzy"`}, cur, ListNotMatched, ListMatched},
		{"weak current", []string{`"xyzzy"`}, weakCur, ListNotMatched, ListMatched},
		{"both weak", []string{`W/"xyzzy"`}, weakCur, ListNotMatched, ListMatched},
		// §5.3: several field lines form one list.
		{"second line matches", []string{`"a"`, `"b", "xyzzy"`}, cur, ListMatched, ListMatched},
		{"star on second line", []string{`"a"`, `*`}, cur, ListAny, ListAny},
		{"empty first line", []string{``, `"xyzzy"`}, cur, ListMatched, ListMatched},
		// §8.8.3: a comma is an etagc, so it does not split a tag.
		{"comma inside tag matches", []string{`"a,xyzzy"`}, Tag{Opaque: "a,xyzzy"}, ListMatched, ListMatched},
		{"comma inside tag is one member", []string{`"a,xyzzy"`}, cur, ListNotMatched, ListNotMatched},
		{"no OWS", []string{`"a","xyzzy"`}, cur, ListMatched, ListMatched},
		{"tabs", []string{"\t\"a\"\t,\t\"xyzzy\"\t"}, cur, ListMatched, ListMatched},
		// Malformed members are skipped; a field with none valid is absent.
		{"unquoted member only", []string{`xyzzy`}, cur, ListAbsent, ListAbsent},
		{"unquoted then valid", []string{`xyzzy, "xyzzy"`}, cur, ListMatched, ListMatched},
		{"lower-case weak skipped", []string{`w/"xyzzy"`}, cur, ListAbsent, ListAbsent},
		{"garbage after tag", []string{`"xyzzy"x, "b"`}, cur, ListNotMatched, ListNotMatched},
		{"two tags without comma", []string{`"xyzzy" "b"`}, cur, ListAbsent, ListAbsent},
		{"space inside skipped", []string{`"xy zzy", "xyzzy"`}, cur, ListMatched, ListMatched},
		{"comma in malformed quoted run", []string{`W/"a b,c", "xyzzy"`}, cur, ListMatched, ListMatched},
		{"unterminated", []string{`"xyzzy`}, cur, ListAbsent, ListAbsent},
		{"star with garbage", []string{`*x`}, cur, ListAbsent, ListAbsent},
		{"star then tag", []string{`*, "a"`}, cur, ListAny, ListAny},
		{"tag then star", []string{`"a", *`}, cur, ListAny, ListAny},
		// The zero Tag means "no current tag": it matches nothing, not even `""`.
		{"zero current", []string{`""`}, Tag{}, ListNotMatched, ListNotMatched},
		{"zero current star", []string{`*`}, Tag{}, ListAny, ListAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.strong, Match(tt.values, tt.current, false), "strong: %s", Match(tt.values, tt.current, false))
			assert.Equal(t, tt.weak, Match(tt.values, tt.current, true), "weak: %s", Match(tt.values, tt.current, true))
		})
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tags, star := ParseList([]string{`"a", W/"b",, bad, "c,d"`, `*`, `"e"`})
	assert.True(t, star)
	assert.Equal(t, []Tag{{Opaque: "a"}, {Opaque: "b", Weak: true}, {Opaque: "c,d"}, {Opaque: "e"}}, tags)

	tags, star = ParseList([]string{`nonsense, w/"x"`})
	assert.False(t, star)
	assert.Empty(t, tags)

	tags, star = ParseList(nil)
	assert.False(t, star)
	assert.Nil(t, tags)
}

func TestEachStops(t *testing.T) {
	t.Parallel()
	var seen []Tag
	Each([]string{`"a", "b"`, `"c"`}, func(tag Tag, _ bool) bool {
		seen = append(seen, tag)
		return tag.Opaque != "b"
	})
	assert.Equal(t, []Tag{{Opaque: "a"}, {Opaque: "b"}}, seen)
}

func TestListMatchString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "absent", ListAbsent.String())
	assert.Equal(t, "any", ListAny.String())
	assert.Equal(t, "matched", ListMatched.String())
	assert.Equal(t, "not-matched", ListNotMatched.String())
	assert.Equal(t, "ListMatch(?)", ListMatch(99).String())
}

// hostileLists are 64 KiB field values built to make a careless scanner
// quadratic: unbalanced quotes, thousands of malformed members, one huge
// member, endless empty elements.
func hostileLists() map[string]string {
	const n = 64 << 10
	return map[string]string{
		"commas":            strings.Repeat(",", n),
		"quotes":            strings.Repeat(`"`, n),
		"quote-comma":       strings.Repeat(`",`, n/2),
		"bad members":       strings.Repeat(`x,`, n/2),
		"weak prefixes":     strings.Repeat(`W/`, n/2),
		"one long tag":      `"` + strings.Repeat("a", n-2) + `"`,
		"unterminated tag":  `"` + strings.Repeat("a", n-1),
		"many tags":         strings.Repeat(`"a",`, n/4),
		"spaces in quotes":  strings.Repeat(`"a b",`, n/6),
		"ows":               strings.Repeat(" \t", n/2),
		"garbage after tag": strings.Repeat(`"a"b`, n/4),
	}
}

// TestHostileListsLinear checks that 64 KiB adversarial fields are handled
// without allocation and well within a linear budget: a quadratic scan of
// 64 KiB is ~4·10⁹ steps and would take seconds, so 16 passes must fit in one
// second even under -race. BenchmarkMatch/hostile shows the per-byte cost.
// Not parallel: AllocsPerRun forbids it, and timing wants a quiet CPU.
func TestHostileListsLinear(t *testing.T) {
	cur := Tag{Opaque: "zzz"}
	for name, v := range hostileLists() {
		values := []string{v}
		got := Match(values, cur, true)
		assert.NotEqual(t, ListMatched, got, name)
		assert.Zero(t, testing.AllocsPerRun(4, func() { Match(values, cur, true) }), name)
	}
	lists := hostileLists()
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			for _, v := range lists {
				Match([]string{v}, cur, true)
			}
		}
	})
	require.NotZero(t, res.N)
	perPass := res.NsPerOp()
	t.Logf("all hostile lists: %d ns per pass (%d KiB)", perPass, len(lists)*64)
	assert.Less(t, perPass, int64(1e9/16), "Match is not linear on hostile input")
}

// TestListMatchIsPrecondMatch pins the conversion the one evaluator relies
// on: precond.Match(m) names the same result as m.
func TestListMatchIsPrecondMatch(t *testing.T) {
	t.Parallel()
	assert.Equal(t, precond.NoMember, precond.Match(ListAbsent))
	assert.Equal(t, precond.Any, precond.Match(ListAny))
	assert.Equal(t, precond.Matched, precond.Match(ListMatched))
	assert.Equal(t, precond.NotMatched, precond.Match(ListNotMatched))
}
