package patch

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTreeAgainstText drives long random patches through wide objects
// (past smallObject members, so the name index, the holes left by removals
// and their compaction are all exercised) and checks that the tree
// evaluator gives the text evaluator's bytes. Operations are kept only when
// the text evaluator accepts the patch so far, so the patches stay long.
func TestTreeAgainstText(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c", "a/b", "m~n", "", "01", "-", "o", "s", "arr"}
	for i := range 40 {
		names = append(names, fmt.Sprintf("k%d", i))
	}
	values := []string{`1`, `1.0`, `"x"`, `null`, `[]`, `{}`, `{"k1":1,"k2":[1,2]}`, `[{"a":1},2]`}
	ptr := func(r *rand.Rand) string {
		tok := func() string {
			return strings.NewReplacer("~", "~0", "/", "~1").Replace(names[r.IntN(len(names))])
		}
		switch r.IntN(5) {
		case 0:
			return "/o/" + tok()
		case 4:
			return "/s/" + tok()
		case 1:
			return "/arr/" + []string{"0", "1", "-", "3"}[r.IntN(4)]
		default:
			return "/" + tok()
		}
	}
	var doc strings.Builder
	doc.WriteString(`{"o":{`)
	for i := range 30 {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `"k%d":%d`, i, i)
	}
	doc.WriteString(`},"s":{"a":{"b":1},"c":[]},"arr":[1,2,3]`)
	for i := range 20 {
		fmt.Fprintf(&doc, `,"k%d":{"n":%d}`, i, i)
	}
	doc.WriteString(`}`)
	base := []byte(doc.String())
	pt := NewPatcher(Options{})

	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 12))
			var ops []string
			patchOf := func(ops []string) []byte { return []byte("[" + strings.Join(ops, ",") + "]") }
			cur := base
			for len(ops) < 400 {
				var op string
				switch r.IntN(6) {
				case 0:
					op = fmt.Sprintf(`{"op":"add","path":%q,"value":%s}`, ptr(r), values[r.IntN(len(values))])
				case 1:
					op = fmt.Sprintf(`{"op":"remove","path":%q}`, ptr(r))
				case 2:
					op = fmt.Sprintf(`{"op":"replace","path":%q,"value":%s}`, ptr(r), values[r.IntN(len(values))])
				case 3:
					op = fmt.Sprintf(`{"op":"move","from":%q,"path":%q}`, ptr(r), ptr(r))
				case 4:
					op = fmt.Sprintf(`{"op":"copy","from":%q,"path":%q}`, ptr(r), ptr(r))
				default:
					op = fmt.Sprintf(`{"op":"test","path":%q,"value":%s}`, ptr(r), values[r.IntN(len(values))])
				}
				// The patch so far applies iff each operation applies to the
				// result of the ones before (RFC 6902 §3).
				if next, err := pt.reference(cur, []byte("["+op+"]")); err == nil {
					ops, cur = append(ops, op), next
				}
			}
			p := patchOf(ops)
			want, err := pt.reference(base, p)
			require.NoError(t, err)
			got, err := pt.JSONPatch(base, p)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
			// RFC 6902 §4.6 on the edited tree: a test of the whole result,
			// appended to the patch, passes.
			again := append(append(p[:len(p)-1:len(p)-1], `,{"op":"test","path":"","value":`...), got...)
			_, err = pt.JSONPatch(base, append(again, "}]"...))
			assert.NoError(t, err)
		})
	}
}
