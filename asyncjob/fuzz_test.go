package asyncjob

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func FuzzParseIdempotencyKey(f *testing.F) {
	for _, s := range []string{`"abc"`, `abc`, `"a \"b\" \\c"`, `""`, `"abc`, `"abc";p=1`, `"a", "b"`, "\"\x01\"", ` "k" `, `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Idempotency-Key": {v}}
		key, err := ParseIdempotencyKey(h, DefaultMaxKeyLength)
		if err != nil {
			return
		}
		require.Falsef(t, key == "" || len(key) > DefaultMaxKeyLength, "accepted key %q of length %d", key, len(key))
		// Round trip: the key serialised as an sf-string parses back to
		// itself (RFC 8941 §4.1.6).
		q := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(key) + `"`
		back, err := ParseIdempotencyKey(http.Header{"Idempotency-Key": {q}}, DefaultMaxKeyLength)
		require.Falsef(t, err != nil || back != key, "round trip of %q: %q, %v", key, back, err)
	})
}

func FuzzParsePrefer(f *testing.F) {
	for _, s := range []string{"respond-async", "wait=10", "respond-async, wait=100", `wait="7"`, "wait=1;x=y", "wait=99999999999999999999", ",,", `a="b,c", wait=2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := ParsePrefer(http.Header{"Prefer": {v}})
		require.Falsef(t, p.Wait < 0 || p.Wait > maxWaitSeconds || (!p.HasWait && p.Wait != 0), "bad wait %+v for %q", p, v)
	})
}

// FuzzAppendString checks the status document's string encoder against
// encoding/json: valid JSON that decodes to the input (with invalid UTF-8
// replaced by U+FFFD, as encoding/json does).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash", "\n\r\t\x00\x1f", "é€𝄞", "\xff\xfe", "a\u2028b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var got string
		err := json.Unmarshal(b, &got)
		require.NoErrorf(t, err, "invalid JSON %q for %q: %v", b, s, err)
		want := strings.ToValidUTF8(s, "\ufffd")
		if !utf8.ValidString(s) {
			// encoding/json replaces each invalid byte; compare with it.
			var ref string
			enc, _ := json.Marshal(s)
			_ = json.Unmarshal(enc, &ref)
			want = ref
		}
		require.Equalf(t, want, got, "decoded %q, want %q", got, want)
	})
}
