package httperr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzAppendString checks that the envelope's strings are byte for byte what
// encoding/json writes, for any input, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "CONFLICT", `"v2"`, `W/"v2"`, `""`, `W/""`, `"a"b"`, `W/"`, "a<b>&c", "\x00\x1f\x7f", "é\u2028\xff", `back\slash`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		got := appendString([]byte("x"), s)
		require.Equalf(t, "x"+string(want), string(got), "appendString(%q) = %s, encoding/json says %s", s, got[1:], want)
		got = appendBytes([]byte("x"), []byte(s))
		require.Equalf(t, "x"+string(want), string(got), "appendBytes(%q) = %s, encoding/json says %s", s, got[1:], want)
	})
}
