package httperr

import (
	"encoding/json"
	"testing"
)

// FuzzAppendString checks that the envelope's strings are byte for byte what
// encoding/json writes, for any input, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "CONFLICT", `"v2"`, "a<b>&c", "\x00\x1f\x7f", "é\u2028\xff", `back\slash`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json says %s", s, got[1:], want)
		}
		if got := appendBytes([]byte("x"), []byte(s)); string(got) != "x"+string(want) {
			t.Fatalf("appendBytes(%q) = %s, encoding/json says %s", s, got[1:], want)
		}
	})
}
