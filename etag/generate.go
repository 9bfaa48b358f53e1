package etag

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"

	"github.com/zeebo/xxh3"
)

// Content tags are the XXH3-64 hash (seed 0) of the bytes, big-endian, in
// unpadded base64url: 11 etagc characters, e.g. "LQaABTjTlMI" for no bytes.
//
// Why XXH3: the middleware copies every body into its buffer anyway, so the
// hash is the one cost a tag adds to a response, and a tag must keep 64 bits
// (with a 32-bit CRC, one change in ~4·10⁹ would keep its tag). XXH3 (AVX2
// or SSE2, chosen at run time) is the fastest hash of 64 bits or more
// measured here: about three times XXH64, as fast as 32-bit hardware CRC32C,
// near the speed of copying the bytes. The measured table is in the
// benchmarks module's README (BenchmarkHash); it changes with the CPU, the
// reason does not.
//
// A collision only matters between two versions of one resource, where the
// chance that a change keeps the same 64-bit hash is 2⁻⁶⁴; that is negligible
// for caching. XXH3 is not a cryptographic hash: whoever controls a
// resource's bytes can build two bodies with one tag, and could only confuse
// caches about their own resource. hash/maphash is not usable: its seed is
// random per process, and tags must agree across restarts and replicas.
const hashLen = 11 // base64.RawURLEncoding.EncodedLen(8)

// FromBytes returns a strong tag computed from the bytes of a representation:
// byte-identical content always gets the same tag, in every process and
// replica, and different content gets a different tag except with
// probability 2⁻⁶⁴. The function is pinned by a test, so that a release
// changes it only on purpose and says so: tags from before such a change
// (XXH64 until this version) simply stop matching, which costs each cache one
// full response per resource. The opaque-tag is 11 base64url characters. FromBytes
// allocates only the returned string.
//
// A strong tag promises byte-for-byte identity (RFC 9110 §8.8.1), so hash the
// bytes as sent: after compression, and per encoding or media type.
func FromBytes(b []byte) Tag {
	return fromSum(xxh3.Hash(b))
}

func fromSum(sum uint64) Tag {
	var raw [8]byte
	var enc [hashLen]byte
	binary.BigEndian.PutUint64(raw[:], sum)
	base64.RawURLEncoding.Encode(enc[:], raw[:])
	return Tag{Opaque: string(enc[:])}
}

// Hasher computes the same tag as [FromBytes] from content written in pieces,
// so a body can be tagged while it is streamed or buffered. The zero Hasher is
// ready to use; a Hasher must not be copied after first use and is not safe
// for concurrent use.
type Hasher struct {
	d xxh3.Hasher // its zero value is ready: seed 0, empty
}

// Write adds p to the content. It never returns an error.
func (h *Hasher) Write(p []byte) (int, error) { return h.d.Write(p) }

// WriteString adds s to the content without copying it. It never returns an
// error.
func (h *Hasher) WriteString(s string) (int, error) { return h.d.WriteString(s) }

// Reset discards the content written so far.
func (h *Hasher) Reset() { h.d.Reset() }

// Tag returns the strong tag of the content written so far: FromBytes of the
// concatenation of every Write. It does not change the Hasher's state.
func (h *Hasher) Tag() Tag { return fromSum(h.d.Sum64()) }

// FromVersion returns a strong tag for a version number or counter that the
// application bumps on every change: the decimal digits, `"42"` for 42.
// FromVersion(v) equals FromString(strconv.FormatUint(v, 10)).
//
// The number must change whenever the bytes of the representation change;
// serve different representations (encodings, media types, languages) of one
// version with distinct tags: [Variant.Tag] derives them.
func FromVersion(v uint64) Tag {
	var b [20]byte
	return Tag{Opaque: string(strconv.AppendUint(b[:0], v, 10))}
}

// FromString returns a strong tag for an application revision string, such as
// a database row version or a git commit id, whatever bytes it holds: bytes
// that are safe in every entity-tag parser (visible ASCII other than `"`,
// `%`, `,` and `\`) are kept, and every other byte is written as %XX with
// upper-case hex digits. Distinct revisions therefore always get distinct
// tags, and the result is always [Tag.Valid]. FromString("") returns the zero
// Tag ("no tag").
//
// Commas and backslashes are legal in an opaque-tag but are escaped anyway,
// because naive list splitters and quoted-string parsers mangle them.
func FromString(rev string) Tag {
	extra := 0
	for i := 0; i < len(rev); i++ {
		if !keepInRevision(rev[i]) {
			extra += 2
		}
	}
	if extra == 0 {
		return Tag{Opaque: rev}
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(rev)+extra)
	for i := 0; i < len(rev); i++ {
		c := rev[i]
		if keepInRevision(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	return Tag{Opaque: string(b)}
}

func keepInRevision(c byte) bool {
	return c > 0x20 && c < 0x7f && c != '"' && c != '%' && c != ',' && c != '\\'
}

// Weak returns t marked weak (RFC 9110 §8.8.1): a promise of semantic, not
// byte-for-byte, equivalence. The zero Tag stays zero, because "no tag" has
// no weak form.
func Weak(t Tag) Tag {
	if t.IsZero() {
		return t
	}
	t.Weak = true
	return t
}
