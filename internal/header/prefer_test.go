package header

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPreference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		values          []string
		pref            string
		value           string
		hasValue, found bool
	}{
		{"absent", []string{"wait=5"}, "return", "", false, false},
		{"no field", nil, "return", "", false, false},
		// RFC 7240 §2: a preference without a value.
		{"bare", []string{"respond-async"}, "respond-async", "", false, true},
		{"token value", []string{"return=minimal"}, "return", "minimal", true, true},
		// RFC 7240 §2: names are case-insensitive; BWS around "=".
		{"case and BWS", []string{"Return = minimal"}, "return", "minimal", true, true},
		// RFC 7240 §2: word = token / quoted-string.
		{"quoted", []string{`return="representation"`}, "return", "representation", true, true},
		{"quoted escape", []string{`x="a\"b"`}, "x", `a"b`, true, true},
		{"quoted semicolon", []string{`x="a;b"; p=1`}, "x", "a;b", true, true},
		{"unterminated quote kept", []string{`x="ab`}, "x", `"ab`, true, true},
		// RFC 7240 §2: parameters after ";" are not the value.
		{"parameters", []string{"wait=10; foo=bar"}, "wait", "10", true, true},
		// RFC 7240 §2: only the first instance counts, even when its value
		// is not understood.
		{"first instance", []string{"return=bogus, return=minimal"}, "return", "bogus", true, true},
		{"first across lines", []string{"handling=lenient", "wait=3", "wait=9"}, "wait", "3", true, true},
		{"empty value", []string{"respond-async="}, "respond-async", "", true, true},
		{"prefix is not a name", []string{"waiting=1, wait=2"}, "wait", "2", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			value, hasValue, found := Preference(tc.values, tc.pref)
			assert.Equal(t, tc.value, value)
			assert.Equal(t, tc.hasValue, hasValue)
			assert.Equal(t, tc.found, found)
		})
	}
}

func TestPreferenceAllocations(t *testing.T) {
	values := []string{`handling=lenient, wait=10, return="minimal"; x=1`}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = Preference(values, "return") }))
}

// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestHasToken(t *testing.T) {
	tests := []struct {
		values []string
		token  string
		want   bool
	}{
		{[]string{"websocket"}, "websocket", true},
		// RFC 9110 §7.8: protocol names compare case-insensitively here,
		// and the field is a list.
		{[]string{"h2c, WebSocket"}, "websocket", true},
		{[]string{"keep-alive", "Upgrade"}, "upgrade", true},
		{[]string{"websockets"}, "websocket", false},
		{[]string{"websocket/13"}, "websocket", false},
		{nil, "websocket", false},
		{[]string{" , ,"}, "", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, HasToken(tc.values, tc.token), "%q has %q", tc.values, tc.token)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = HasToken([]string{"keep-alive, Upgrade"}, "upgrade") }))
}

func FuzzPreference(f *testing.F) {
	for _, s := range []string{"return=minimal", `return="representation"; x=1`, "respond-async, wait=10",
		`x="a\"b"`, `x="a;b"; p=1`, `x="ab`, "return=bogus, return=minimal", ";;=,=\""} {
		f.Add(s, "return")
	}
	f.Fuzz(func(t *testing.T, field, name string) {
		value, hasValue, found := Preference([]string{field}, name)
		require.Falsef(t, !found && (value != "" || hasValue), "absent preference with value %q / %v", value, hasValue)
		require.Falsef(t, found && !strings.Contains(strings.ToLower(field), strings.ToLower(TrimOWS(name))), "found %q in %q", name, field)
		require.Falsef(t, len(value) > len(field), "value %q longer than the field %q", value, field)
		_ = HasToken([]string{field}, name)
	})
}
