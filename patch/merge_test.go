package patch

import (
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMergePatchRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, patch, want string
	}{
		// RFC 7396 §2: null removes a member.
		{"null removes", `{"a":1,"b":2}`, `{"a":null}`, `{"b":2}`},
		{"null on missing member", `{"b":2}`, `{"a":null}`, `{"b":2}`},
		// RFC 7396 §1: merge patch cannot set a member to null (JSON Patch can).
		{"cannot set null", `{"a":1}`, `{"a":null}`, `{}`},
		// RFC 7396 §2: nested objects merge.
		{"nested merge", `{"a":{"b":1,"c":2}}`, `{"a":{"b":3,"d":{"e":null,"f":4}}}`, `{"a":{"b":3,"c":2,"d":{"f":4}}}`},
		// RFC 7396 §2: a non-object patch replaces the target, verbatim.
		{"array replaces", `{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{"array keeps nulls", `{}`, `{"a":[null,{"b":null}]}`, `{"a":[null,{"b":null}]}`},
		{"top array keeps nulls", `{"a":1}`, `[{"b":null}]`, `[{"b":null}]`},
		{"scalar replaces", `{"a":1}`, `"x"`, `"x"`},
		{"null patch", `{"a":1}`, `null`, `null`},
		{"null target", `null`, `{"a":1,"b":null}`, `{"a":1}`},
		{"scalar target", `3`, `{"a":{"b":null}}`, `{"a":{}}`},
		// Member order: target order, then new members in patch order, so
		// the same patch always gives the same bytes (and the same ETag).
		{"deterministic order", `{"z":0,"y":0}`, `{"d":4,"c":3,"b":2,"a":1,"y":9}`, `{"z":0,"y":9,"d":4,"c":3,"b":2,"a":1}`},
		{"numbers survive", `{"big":12345678901234567890,"f":1.0,"s":"<&>"}`, `{"n":1.50}`, `{"big":12345678901234567890,"f":1.0,"s":"<&>","n":1.50}`},
		{"escaped names match", `{"a":1}`, `{"\u0061":2}`, `{"a":2}`},
		{"whitespace", "{ \"a\" : 1 }", "{ \"b\" : [ 1 ] }", `{"a":1,"b":[1]}`},
		{"empty patch", `{"a":1}`, `{}`, `{"a":1}`},
		// RFC 8259 §4: repeated names are unpredictable; the last member is
		// the one addressed, and null removes the name whole, so that the
		// merge stays idempotent (found by FuzzMergePatch).
		{"repeated name removed whole", `{"":"","":""}`, `{"":null}`, `{}`},
		{"repeated name set", `{"a":1,"b":0,"a":2}`, `{"a":3}`, `{"a":1,"b":0,"a":3}`},
		{"repeated name in a wide object", `{"a":1,"k1":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"a":2}`,
			`{"a":null}`, `{"k1":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,"k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := []byte(tc.doc)
			got, err := Apply(MergePatchType, doc, []byte(tc.patch))
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, tc.doc, string(doc), "document modified")
		})
	}
}

func TestMergePatchErrors(t *testing.T) {
	t.Parallel()
	_, err := Apply(MergePatchType, []byte(`{}`), []byte(`{"a":`))
	require.ErrorIs(t, err, ErrMalformed)
	assert.Equal(t, 400, Status(err))
	// RFC 7493 §2.3: repeated names are refused, at any depth.
	for _, p := range []string{`{"a":2,"a":null}`, `{"b":{"a":2,"\u0061":null}}`, `[{"x":1,"x":1}]`} {
		_, err = Apply(MergePatchType, []byte(`{}`), []byte(p))
		require.ErrorIs(t, err, ErrMalformed, p)
	}
	_, err = Apply(MergePatchType, []byte(`{`), []byte(`{}`))
	require.ErrorIs(t, err, ErrInvalidDocument)
}

// TestMergePatchAgreesWithEvanphx checks the raw-text merge against the
// library on inputs where the library is correct (no nulls inside arrays,
// object target): the results must be equal JSON.
func TestMergePatchAgreesWithEvanphx(t *testing.T) {
	t.Parallel()
	cases := [][2]string{
		{`{"a":1,"b":{"c":[1,2],"d":"x"}}`, `{"b":{"c":null,"e":{"f":1}},"g":[1]}`},
		{`{"title":"Hello!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
			`{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`},
		{`{"a":{"b":{"c":1.0}}}`, `{"a":{"b":{"c":2,"d":12345678901234567890}}}`},
	}
	for _, c := range cases {
		want, err := jsonpatch.MergePatch([]byte(c[0]), []byte(c[1]))
		require.NoError(t, err)
		got, err := Apply(MergePatchType, []byte(c[0]), []byte(c[1]))
		require.NoError(t, err)
		assert.True(t, equal(want, got), "want %s got %s", want, got)
	}
}
