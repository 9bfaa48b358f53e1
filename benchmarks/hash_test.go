package benchmarks

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"hash/crc64"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/minio/crc64nvme"
	"github.com/stretchr/testify/assert"
	"github.com/zeebo/xxh3"
)

// hashCandidate is a hash considered for etag.FromBytes, in the two ways the
// middleware could drive it: over the whole buffer once the handler is done
// (sum), or piece by piece as each write is copied into the buffer, while the
// piece is still in the L1 cache (stream).
type hashCandidate struct {
	name   string
	bits   int
	sum    func([]byte) uint64
	stream func() streamHash
}

type streamHash interface {
	Write([]byte) (int, error)
	Reset()
	Sum64() uint64
}

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	crc64ECMA  = crc64.MakeTable(crc64.ECMA)
)

// crc32cDigest is hardware CRC32C (SSE4.2 on amd64) behind streamHash.
type crc32cDigest struct{ c uint32 }

func (d *crc32cDigest) Write(p []byte) (int, error) {
	d.c = crc32.Update(d.c, castagnoli, p)
	return len(p), nil
}
func (d *crc32cDigest) Reset()        { d.c = 0 }
func (d *crc32cDigest) Sum64() uint64 { return uint64(d.c) }

type crc64Digest struct{ c uint64 }

func (d *crc64Digest) Write(p []byte) (int, error) {
	d.c = crc64.Update(d.c, crc64ECMA, p)
	return len(p), nil
}
func (d *crc64Digest) Reset()        { d.c = 0 }
func (d *crc64Digest) Sum64() uint64 { return d.c }

var hashCandidates = []hashCandidate{
	{"xxh3-64", 64, xxh3.Hash, func() streamHash { return xxh3.New() }},
	{"xxh3-128", 128, func(p []byte) uint64 { return xxh3.Hash128(p).Lo }, nil},
	{"xxhash64", 64, xxhash.Sum64, func() streamHash { return xxhash.New() }},
	{"crc32c", 32, func(p []byte) uint64 { return uint64(crc32.Checksum(p, castagnoli)) }, func() streamHash { return new(crc32cDigest) }},
	{"sha256", 256, func(p []byte) uint64 { s := sha256.Sum256(p); return binary.BigEndian.Uint64(s[:]) }, nil},
	{"crc64-ecma", 64, func(p []byte) uint64 { return crc64.Checksum(p, crc64ECMA) }, func() streamHash { return new(crc64Digest) }},
	// The hardware CRC of 64 bits that Go's own hash/crc64 lacks: CRC-64/NVME
	// folded with PCLMULQDQ, and with VPCLMULQDQ on AVX-512 from 1 KiB.
	{"crc64-nvme", 64, crc64nvme.Checksum, func() streamHash { return crc64nvme.New() }},
}

// TestHashStreamAgrees checks that feeding each candidate in the handler's
// pieces gives the hash of the whole body, so the two ways compared below
// compute the same tag.
func TestHashStreamAgrees(t *testing.T) {
	for _, size := range append(bodySizes, struct {
		name string
		n    int
	}{"odd", 3*pieceSize + 1000}) {
		body := makeBody(size.n)
		for _, c := range hashCandidates {
			if c.stream == nil {
				continue
			}
			d := c.stream()
			for p := body; len(p) > 0; {
				n := min(len(p), pieceSize)
				_, _ = d.Write(p[:n])
				p = p[n:]
			}
			assert.Equal(t, c.sum(body), d.Sum64(), "%s %s", size.name, c.name)
		}
	}
}

// BenchmarkHash measures the hashes considered for etag.FromBytes: the hash
// alone over a body in memory (op=hash), and the work of a tagging middleware
// with it, copying the handler's 4 KiB pieces into a buffer and hashing the
// buffer at the end (op=copy+sum) or each piece as it is copied
// (op=copy+stream). op=copy is the copy alone, the floor of any middleware
// that buffers.
func BenchmarkHash(b *testing.B) {
	for _, size := range bodySizes {
		body := makeBody(size.n)
		buf := make([]byte, 0, len(body))
		bench := func(name string, fn func()) {
			b.Run("size="+size.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					fn()
				}
			})
		}
		pieces := func(each func(p []byte)) {
			buf = buf[:0]
			for p := body; len(p) > 0; {
				n := min(len(p), pieceSize)
				off := len(buf)
				buf = append(buf, p[:n]...)
				if each != nil {
					each(buf[off:])
				}
				p = p[n:]
			}
		}
		bench("op=copy/impl=-", func() { pieces(nil) })
		for _, c := range hashCandidates {
			bench("op=hash/impl="+c.name, func() { sinkU64 = c.sum(body) })
			bench("op=copy+sum/impl="+c.name, func() { pieces(nil); sinkU64 = c.sum(buf) })
			if c.name == "xxh3-64" {
				// A tree hash: XXH3 of each 4 KiB chunk as it is copied,
				// then XXH3 of the chunk digests.
				digests := make([]byte, 0, 8*(len(body)/pieceSize+1))
				hashChunk := func(p []byte) { digests = binary.LittleEndian.AppendUint64(digests, xxh3.Hash(p)) }
				bench("op=copy+chunks/impl="+c.name, func() {
					digests = digests[:0]
					pieces(hashChunk)
					sinkU64 = xxh3.Hash(digests)
				})
			}
			if c.stream != nil {
				d := c.stream()
				write := func(p []byte) { _, _ = d.Write(p) }
				bench("op=copy+stream/impl="+c.name, func() {
					d.Reset()
					pieces(write)
					sinkU64 = d.Sum64()
				})
			}
		}
	}
}
