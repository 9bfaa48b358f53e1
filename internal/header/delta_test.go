package header

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDeltaSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"60", 60, true},
		{"0060", 60, true},
		{"2147483648", MaxDeltaSeconds, true},
		{"2147483649", MaxDeltaSeconds, true}, // RFC 9111 §1.2.2: saturate at 2^31
		{"99999999999999999999999999999", MaxDeltaSeconds, true}, // no overflow
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.5", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseDeltaSeconds(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func FuzzParseDeltaSeconds(f *testing.F) {
	for _, s := range []string{"0", "60", "2147483649", "-1", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseDeltaSeconds(s)
		if !ok {
			return
		}
		require.Falsef(t, n < 0 || n > MaxDeltaSeconds, "%q -> %d out of range", s, n)
		v, err := strconv.ParseUint(s, 10, 64)
		require.Falsef(t, err == nil && v < MaxDeltaSeconds && int64(v) != n, "%q -> %d, strconv says %d", s, n, v)
	})
}
