package etag

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromBytesGolden(t *testing.T) {
	t.Parallel()
	// XXH3-64("", seed 0) = 0x2D06800538D394C2, the reference test vector;
	// base64url of its big-endian bytes. Changing the encoding or the hash
	// would change every tag users have cached, so this is pinned.
	assert.Equal(t, Tag{Opaque: "LQaABTjTlMI"}, FromBytes(nil))
	assert.Equal(t, FromBytes(nil), FromBytes([]byte{}))
	// XXH3-64("abc") = 0x78AF5F94892F3950.
	assert.Equal(t, Tag{Opaque: "eK9flIkvOVA"}, FromBytes([]byte("abc")))
}

func TestFromBytes(t *testing.T) {
	t.Parallel()
	a := FromBytes([]byte("hello, world"))
	assert.False(t, a.Weak, "content tags are strong")
	assert.Len(t, a.Opaque, hashLen)
	assert.True(t, a.Valid())
	assert.Equal(t, a, FromBytes([]byte("hello, world")), "deterministic")
	// One flipped bit, one extra byte, one byte fewer: all different.
	assert.NotEqual(t, a, FromBytes([]byte("hello, worle")))
	assert.NotEqual(t, a, FromBytes([]byte("hello, world!")))
	assert.NotEqual(t, a, FromBytes([]byte("hello, worl")))
	seen := map[Tag]int{}
	for i := range 10000 {
		tag := FromBytes([]byte(strconv.Itoa(i)))
		prev, dup := seen[tag]
		require.False(t, dup, "%d and %d share a tag", prev, i)
		seen[tag] = i
		parsed, err := Parse(tag.String())
		require.NoError(t, err)
		require.Equal(t, tag, parsed)
	}
}

func TestHasher(t *testing.T) {
	t.Parallel()
	// Crosses XXH3's 64-byte stripes and 1 KiB blocks, and its 240-byte
	// switch from the short-input to the long-input algorithm.
	body := []byte(strings.Repeat("0123456789abcdef", 300))
	want := FromBytes(body)

	var zero Hasher
	assert.Equal(t, FromBytes(nil), zero.Tag(), "the zero Hasher is the empty content")

	for _, chunk := range []int{1, 7, 63, 64, 65, 240, 1000, 1024, 1025, len(body)} {
		var h Hasher
		for i := 0; i < len(body); i += chunk {
			end := min(i+chunk, len(body))
			if i%2 == 0 {
				n, err := h.Write(body[i:end])
				require.NoError(t, err)
				require.Equal(t, end-i, n)
			} else {
				n, err := h.WriteString(string(body[i:end]))
				require.NoError(t, err)
				require.Equal(t, end-i, n)
			}
		}
		assert.Equal(t, want, h.Tag(), "chunk %d", chunk)
		assert.Equal(t, want, h.Tag(), "Tag does not change the state")
		h.Reset()
		assert.Equal(t, FromBytes(nil), h.Tag(), "after Reset")
	}

	var s Hasher
	_, _ = s.WriteString("abc")
	assert.Equal(t, FromBytes([]byte("abc")), s.Tag(), "WriteString on the zero Hasher")
}

func TestFromVersion(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Tag{Opaque: "0"}, FromVersion(0))
	assert.Equal(t, Tag{Opaque: "42"}, FromVersion(42))
	assert.Equal(t, Tag{Opaque: "18446744073709551615"}, FromVersion(^uint64(0)))
	assert.Equal(t, `"42"`, FromVersion(42).String())
	for _, v := range []uint64{0, 1, 99, 1 << 40, ^uint64(0)} {
		assert.Equal(t, FromString(strconv.FormatUint(v, 10)), FromVersion(v))
	}
}

func TestFromString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rev, want string
	}{
		{"", ""},
		{"v1.2.3", "v1.2.3"},
		{"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"},
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{`"quoted"`, "%22quoted%22"},
		{"with space", "with%20space"},
		{"100%", "100%25"},
		{"a,b", "a%2Cb"},
		{`a\b`, "a%5Cb"},
		{"tab\there", "tab%09here"},
		{"\x00\x7f", "%00%7F"},
		{"é", "%C3%A9"},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			t.Parallel()
			got := FromString(tt.rev)
			assert.Equal(t, Tag{Opaque: tt.want}, got)
			assert.True(t, got.Valid())
			back, err := Parse(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back)
		})
	}
	// Escaping is injective: a revision that looks escaped stays distinct.
	assert.NotEqual(t, FromString("%20"), FromString(" "))
	assert.True(t, FromString("").IsZero())
}

func TestWeak(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Tag{Opaque: "a", Weak: true}, Weak(Tag{Opaque: "a"}))
	assert.Equal(t, Tag{Opaque: "a", Weak: true}, Weak(Tag{Opaque: "a", Weak: true}))
	assert.Equal(t, Tag{}, Weak(Tag{}), "no tag stays no tag")
	w := Weak(FromVersion(7))
	assert.Equal(t, `W/"7"`, w.String())
	assert.True(t, WeakMatch(w, FromVersion(7)))
	assert.False(t, StrongMatch(w, FromVersion(7)))
}

// TestGenerateAllocs is not parallel: testing.AllocsPerRun forbids it.
func TestGenerateAllocs(t *testing.T) {
	body := make([]byte, 4096)
	var sink Tag
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sink = FromBytes(body) }), "FromBytes: only the string")
	assert.Equal(t, 1.0, testing.AllocsPerRun(100, func() { sink = FromVersion(123456789) }), "FromVersion")
	rev := "abcdef0123"
	assert.Zero(t, testing.AllocsPerRun(100, func() { sink = FromString(rev) }), "FromString of a safe string shares it")
	var h Hasher
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.Reset(); _, _ = h.Write(body) }), "Hasher.Write")
	_ = sink
}
