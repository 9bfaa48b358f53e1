package response

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLengthCache(t *testing.T) {
	var c LengthCache
	for _, n := range []int{0, 1, 63, 64, 134, 1 << 20, 1<<31 + 5} {
		v := c.Value(n)
		assert.Equal(t, []string{strconv.Itoa(n)}, v)
		assert.Equal(t, 1, cap(v), "capacity 1, so Header.Add copies")
		// The same length is served from the cache: the same array.
		assert.Same(t, &v[0], &c.Value(n)[0], "n=%d", n)
	}
	// Lengths that share a slot replace each other and stay correct.
	a, b := 5, 5+lengthCacheSize
	assert.Equal(t, "5", c.Value(a)[0])
	assert.Equal(t, strconv.Itoa(b), c.Value(b)[0])
	assert.Equal(t, "5", c.Value(a)[0])
	if !raceEnabled {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _ = c.Value(a) }))
	}
}

// TestLengthCacheConcurrent has goroutines fight over one slot; under -race
// it checks the slots are published safely, and every value read is right.
func TestLengthCacheConcurrent(t *testing.T) {
	var c LengthCache
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				n := 7 + lengthCacheSize*((g+i)%3)
				if got := c.Value(n)[0]; got != strconv.Itoa(n) {
					t.Errorf("Value(%d) = %q", n, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
