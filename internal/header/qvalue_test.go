package header

import (
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		q  int
		ok bool
	}{
		// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
		{"0", 0, true},
		{"1", 1000, true},
		{"0.", 0, true},
		{"1.", 1000, true},
		{"0.5", 500, true},
		{"0.05", 50, true},
		{"0.005", 5, true},
		{"0.123", 123, true},
		{"0.999", 999, true},
		{"1.0", 1000, true},
		{"1.000", 1000, true},
		{"0.000", 0, true},
		{"0.0001", 0, false}, // four decimals
		{"1.001", 0, false},  // above 1
		{"1.5", 0, false},
		{"2", 0, false},
		{".5", 0, false},
		{"", 0, false},
		{"-0", 0, false},
		{"+1", 0, false},
		{"0,5", 0, false},
		{"0.5 ", 0, false},
		{" 0.5", 0, false},
		{"1e0", 0, false},
		{"0.a", 0, false},
		{"01", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			q, ok := ParseQValue(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.q, q)
		})
	}
}

// TestParseQValueExhaustive compares ParseQValue with the RFC 9110 §12.4.2
// grammar as a regular expression, and the value with strconv, on every
// string of up to six bytes over an alphabet that reaches each branch.
func TestParseQValueExhaustive(t *testing.T) {
	t.Parallel()
	grammar := regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)
	const alphabet = "0159.a "
	var gen func(prefix string)
	gen = func(s string) {
		q, ok := ParseQValue(s)
		if grammar.MatchString(s) {
			f, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err, s)
			require.Truef(t, ok, "%q refused", s)
			require.Equalf(t, int(math.Round(f*1000)), q, "%q", s)
		} else {
			require.Falsef(t, ok, "%q accepted as %d", s, q)
			require.Zero(t, q, s)
		}
		if len(s) < 6 {
			for i := range len(alphabet) {
				gen(s + alphabet[i:i+1])
			}
		}
	}
	gen("")
}

func TestAppendQValue(t *testing.T) {
	t.Parallel()
	for q := -1; q <= 1001; q++ {
		s := string(AppendQValue(nil, q))
		got, ok := ParseQValue(s)
		assert.True(t, ok, s)
		assert.Equal(t, min(max(q, 0), 1000), got, s)
	}
	assert.Equal(t, "0.5", string(AppendQValue(nil, 500)))
	assert.Equal(t, "0.125", string(AppendQValue(nil, 125)))
	assert.Equal(t, "0.05", string(AppendQValue(nil, 50)))
	assert.Equal(t, "q=1", string(AppendQValue([]byte("q="), 1000)))
}

func FuzzParseQValue(f *testing.F) {
	for _, s := range []string{"0", "1", "0.5", "1.000", "0.0001", "1.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, ok := ParseQValue(s)
		if !ok {
			return
		}
		require.Falsef(t, q < 0 || q > MaxQ, "ParseQValue(%q) = %d out of range", s, q)
		text := string(AppendQValue(nil, q))
		back, ok := ParseQValue(text)
		require.Falsef(t, !ok || back != q, "round trip of %q: %d -> %q -> %d", s, q, text, back)
	})
}

func BenchmarkParseQValue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseQValue("0.875")
	}
}
