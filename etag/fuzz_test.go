package etag

import (
	"github.com/httpsem/httpsem/internal/precond"
	"github.com/stretchr/testify/require"

	"net/http"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, accepts only what String gives
// back unchanged (Parse(String(x)) == x), and agrees with Valid.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`"xyzzy"`, `W/"xyzzy"`, `""`, `W/""`, `"a,b"`, `w/"x"`, `"a b"`, `"abc`, `*`, "\"\x80\"", `"x"y`, `W/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := Parse(s)
		if err != nil {
			require.Truef(t, tag.IsZero(), "Parse(%q) returned %#v with an error", s, tag)
			return
		}
		got := tag.String()
		require.Equalf(t, s, got, "Parse(%q).String() = %q", s, got)
		require.Truef(t, tag.Valid(), "Parse(%q) gave an invalid tag %#v", s, tag)
		back, err := Parse(tag.String())
		require.Falsef(t, err != nil || back != tag, "round trip of %#v: %#v, %v", tag, back, err)
		// Whatever a revision string holds, FromString makes a valid tag.
		rt := FromString(s)
		require.Truef(t, rt.Valid(), "FromString(%q) = %#v is not valid", s, rt)
	})
}

// FuzzList checks that list parsing never panics, that Match never reports a
// match unless some member really equals the current tag under the chosen
// comparison, that Match agrees with ParseList, and that the middleware never
// answers 304 when no member matches.
func FuzzList(f *testing.F) {
	for _, s := range []string{`"xyzzy"`, `"a", W/"xyzzy"`, `*`, `"a,b"`, ` , ,`, `xyzzy, "b"`, `"a" "b"`, `W/"a b,c", "d"`, `"`, `*x`, `"a", *`} {
		f.Add(s, "xyzzy", false, true)
	}
	// The field is the current tag's header form: strong and weak tags, each
	// comparison (the middleware's shortcut in matchField).
	f.Add(`"xyzzy"`, "xyzzy", false, false)
	f.Add(`W/"xyzzy"`, "xyzzy", true, true)
	f.Add(`W/"xyzzy"`, "xyzzy", true, false)
	f.Fuzz(func(t *testing.T, field, opaque string, weakCur, weakCmp bool) {
		cur := Tag{Opaque: opaque, Weak: weakCur}
		// Also split the field into two lines at a comma, as §5.3 allows.
		values := []string{field}
		if i := strings.IndexByte(field, ','); i >= 0 {
			values = []string{field[:i], field[i+1:]}
		}
		for _, vs := range [][]string{{field}, values} {
			tags, star := ParseList(vs)
			got := Match(vs, cur, weakCmp)
			want := ListAbsent
			switch {
			case star:
				want = ListAny
			case len(tags) > 0:
				want = ListNotMatched
				for _, m := range tags {
					require.Truef(t, m.Valid(), "ParseList(%q) gave invalid member %#v", vs, m)
					eq := StrongMatch(m, cur)
					if weakCmp {
						eq = WeakMatch(m, cur)
					}
					if eq && !cur.IsZero() {
						want = ListMatched
					}
				}
			}
			// An oracle independent of the scanner: a match needs the
			// quoted current tag somewhere in the field.
			require.Falsef(t, got == ListMatched && !strings.Contains(strings.Join(vs, ","), `"`+opaque+`"`), "Match(%q, %#v) matched a field that does not contain the tag", vs, cur)
			// The middleware's evaluation never answers 304 unless the
			// field holds "*" or the quoted current tag.
			joined := strings.Join(vs, ",")
			in := precond.Input{Method: http.MethodGet, Header: http.Header{"If-None-Match": vs},
				IfMatch: precond.Absent, IfNoneMatch: matchField(vs, cur, "", true), Exists: true}
			require.Falsef(t, precond.Evaluate(&in) == precond.NotModified &&
				!strings.Contains(joined, "*") && !strings.Contains(joined, `"`+opaque+`"`), "304 for If-None-Match %q and current %#v", vs, cur)
			require.Equalf(t, want, got, "Match(%q, %#v, weak=%v) = %s, want %s (members %#v, star %v)", vs, cur, weakCmp, got, want, tags, star)
			// The middleware's shortcut for a field that is its tag's header
			// form decides as the list does.
			if cur.Valid() && !cur.IsZero() {
				require.Equalf(t, precond.Field(vs, precond.Match(Match(vs, cur, weakCmp))), matchField(vs, cur, cur.String(), weakCmp),
					"matchField(%q, %#v, weak=%v)", vs, cur, weakCmp)
			}
		}
	})
}
