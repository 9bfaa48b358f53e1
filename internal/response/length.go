package response

import (
	"strconv"
	"sync/atomic"
)

// lengthCacheSize is the number of recently formatted Content-Length values a
// [LengthCache] keeps: responses of one resource have one length, and a few
// dozen resources served at once is the usual working set. Direct-mapped by
// length, so a miss only costs the allocation the cache would have saved.
const lengthCacheSize = 64

// LengthCache hands out Content-Length field values, formatted once per
// length and shared by every response of that length, so that setting the
// field allocates nothing in steady state. The zero LengthCache is ready; it
// is safe for concurrent use. The values have capacity 1, so a Header.Add
// copies instead of appending into the shared array; like any header value
// they must be replaced, never modified in place.
type LengthCache struct {
	slots [lengthCacheSize]atomic.Pointer[lengthValue]
}

type lengthValue struct {
	n int
	v []string
}

// Value returns the field value for a body of n bytes, n >= 0.
func (c *LengthCache) Value(n int) []string {
	slot := &c.slots[uint(n)%lengthCacheSize]
	if e := slot.Load(); e != nil && e.n == n {
		return e.v
	}
	e := &lengthValue{n: n, v: []string{strconv.Itoa(n)}}
	slot.Store(e)
	return e.v
}
