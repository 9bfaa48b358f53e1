package header

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var directiveCases = []struct {
	name   string
	values []string
	want   bool
}{
	// RFC 9111 §5.2: directive names are case-insensitive tokens.
	{"alone", []string{"no-store"}, true},
	{"upper case", []string{"No-Store"}, true},
	{"in a list", []string{"private, no-store, max-age=0"}, true},
	{"second field line (RFC 9110 §5.3)", []string{"private", "no-store"}, true},
	{"with an argument it does not take", []string{"no-store=1"}, true},
	{"OWS around =", []string{"no-store = 1"}, true},
	{"absent", []string{"private, max-age=60"}, false},
	{"prefix of another", []string{"no-store-x"}, false},
	{"inside a quoted argument", []string{`private="no-store"`}, false},
	{"quoted list with comma", []string{`no-cache="a, no-store"`}, false},
	{"empty elements", []string{",, ,no-store,,"}, true},
	{"no field", nil, false},
}

func TestHasDirective(t *testing.T) {
	t.Parallel()
	for _, tc := range directiveCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, HasDirective(tc.values, "no-store"))
		})
	}
}

// Not parallel: it counts allocations.
func TestHasDirectiveAllocs(t *testing.T) {
	values := []string{"private, no-store"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { HasDirective(values, "no-store") }))
}

func TestDirectiveName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"no-store": "no-store", "max-age=60": "max-age", "max-age = 60": "max-age",
		`private="a=b"`: "private", "=x": "", "": "",
	} {
		assert.Equal(t, want, DirectiveName(in), in)
	}
}

func FuzzHasDirective(f *testing.F) {
	for _, tc := range directiveCases {
		f.Add(strings.Join(tc.values, "\n"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		values := strings.Split(s, "\n")
		got := HasDirective(values, "no-store")
		// Oracle: the same list elements, names compared by hand.
		want := false
		Elements(values, func(e string) bool {
			name, _, _ := strings.Cut(e, "=")
			if strings.EqualFold(strings.Trim(name, " \t"), "no-store") {
				want = true
			}
			return !want
		})
		require.Equalf(t, want, got, "HasDirective(%q) = %v, want %v", values, got, want)
	})
}
