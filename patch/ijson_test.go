package patch

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var checkJSONCases = []struct {
	name, in string
	reason   string // "" for I-JSON
}{
	{"object", `{"a":1,"b":[true,null,"x"]}`, ""},
	{"scalar", `"x"`, ""},
	{"surrogate pair", `"\ud83d\ude00"`, ""},
	{"escaped non-surrogates", `"\u0041\uFFFF\uE000"`, ""},
	{"escaped backslash before u", `"\\ud800"`, ""},
	{"raw UTF-8", `"é😀"`, ""},
	{"many unique names", `{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0}`, ""},
	// RFC 8259 §2, §8.1.
	{"not JSON", `{"a":}`, "the document is not valid JSON"},
	{"two values", `{} {}`, "the document is not valid JSON"},
	{"empty", ``, "the document is not valid JSON"},
	// RFC 7493 §2.1: UTF-8 only, no unpaired surrogates.
	{"invalid UTF-8", "\"\xff\"", "the document is not valid UTF-8"},
	{"invalid UTF-8 in a name", "{\"\xc3\":1}", "the document is not valid UTF-8"},
	{"lone high surrogate", `"\ud800"`, "the document holds an unpaired surrogate escape"},
	{"lone high surrogate at end", `["x\uDBFF"]`, "the document holds an unpaired surrogate escape"},
	{"high then non-low", `"\ud800\u0041"`, "the document holds an unpaired surrogate escape"},
	{"lone low surrogate", `{"a":"\udc00"}`, "the document holds an unpaired surrogate escape"},
	{"reversed pair", `"\ude00\ud83d"`, "the document holds an unpaired surrogate escape"},
	{"surrogate in a name", `{"\ud800":1}`, "the document holds an unpaired surrogate escape"},
	// RFC 7493 §2.3: member names unique, compared after unescaping.
	{"repeated name", `{"a":1,"a":2}`, "an object in the document repeats a member name"},
	{"repeated escaped name", `{"a":1,"\u0061":2}`, "an object in the document repeats a member name"},
	{"repeated nested name", `[{"x":{"b":1,"b":1}}]`, "an object in the document repeats a member name"},
	{"repeated name in a wide object", `{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"ka":0,"kb":0,"kc":0,"kd":0,"ke":0,"kf":0,"kg":0,"k0":1}`, "an object in the document repeats a member name"},
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range checkJSONCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckJSON([]byte(tc.in))
			if tc.reason == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrMalformed)
			var oe *OpError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, -1, oe.Index)
			assert.Equal(t, tc.reason, oe.Reason)
			assert.Equal(t, 400, Status(err))
		})
	}
}

// FuzzCheckJSON: whatever CheckJSON accepts, encoding/json decodes (numbers
// as json.Number) without replacing anything with U+FFFD.
func FuzzCheckJSON(f *testing.F) {
	for _, tc := range checkJSONCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckJSON(b)
		if err != nil {
			require.ErrorIsf(t, err, ErrMalformed, "unexpected error class: %v", err)
			return
		}
		require.Falsef(t, !json.Valid(b) || !utf8.Valid(b), "accepted %q", b)
		// Numbers as json.Number: numbers beyond a double are I-JSON
		// the package keeps exact (equal.go compares 1e400 and 1e401 as
		// different), which encoding/json refuses to put in a float64
		// (a loud error, not a silent change like U+FFFD).
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		err = dec.Decode(&v)
		require.NoErrorf(t, err, "accepted but not decodable: %v", err)
		// A replacement character in the decoded value must come from the
		// input's own U+FFFD: a lone surrogate would have become one silently.
		own := bytes.Contains(b, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(b), []byte(`\ufffd`))
		require.Falsef(t, countRune(b) > 0 && !own, "accepted %q, which decodes with U+FFFD", b)
	})
}

func countRune(b []byte) int {
	var v any
	_ = json.Unmarshal(b, &v)
	n := 0
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			for _, r := range x {
				if r == utf8.RuneError {
					n++
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				walk(k)
				walk(e)
			}
		}
	}
	walk(v)
	return n
}
