package benchmarks

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pquerna/cachecontrol/cacheobject"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/cache"
)

// ccCase is one Cache-Control field value of a response.
type ccCase struct {
	name, value string
	// typical marks the rows that must not allocate.
	typical bool
}

// ccCases are the rows of BenchmarkCacheControl: the values the presets of
// package cache and common frameworks send, and a long header of unknown
// extensions (RFC 9111 §5.2.3) that a parser must skip or keep.
func ccCases() []ccCase {
	return []ccCase{
		{name: "max-age", value: "max-age=60", typical: true},
		{name: "static", value: "public, max-age=31536000, immutable", typical: true},
		{name: "no-store", value: "no-cache, no-store, must-revalidate", typical: true},
		{name: "private", value: "private, max-age=0, must-revalidate", typical: true},
		{name: "stale", value: "public, max-age=60, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400", typical: true},
		{name: "hostile-4KiB", value: hostileCacheControl(4 << 10)},
	}
}

// hostileCacheControl returns about n bytes of valid but unknown directives
// with arguments, followed by max-age.
func hostileCacheControl(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString("x-ext-")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("=1, ")
	}
	b.WriteString("max-age=60")
	return b.String()
}

// ccSummary is what both parsers report for the directives of RFC 9111
// §5.2.2, RFC 8246 and RFC 5861, with -1 for an absent delta.
type ccSummary struct {
	Public, Private, NoCache, NoStore, MustRevalidate, Immutable bool
	MaxAge, SMaxAge, StaleWhileRevalidate, StaleIfError          int64
}

func delta(d cache.Delta) int64 {
	if !d.IsSet() {
		return -1
	}
	return d.Seconds()
}

func summarizeHTTPSem(c cache.Control) ccSummary {
	return ccSummary{
		Public: c.Public, Private: c.Private, NoCache: c.NoCache, NoStore: c.NoStore,
		MustRevalidate: c.MustRevalidate, Immutable: c.Immutable,
		MaxAge: delta(c.MaxAge), SMaxAge: delta(c.SMaxAge),
		StaleWhileRevalidate: delta(c.StaleWhileRevalidate), StaleIfError: delta(c.StaleIfError),
	}
}

func summarizePquerna(c *cacheobject.ResponseCacheDirectives) ccSummary {
	return ccSummary{
		Public: c.Public, Private: c.PrivatePresent, NoCache: c.NoCachePresent, NoStore: c.NoStore,
		MustRevalidate: c.MustRevalidate, Immutable: c.Immutable,
		MaxAge: int64(c.MaxAge), SMaxAge: int64(c.SMaxAge),
		StaleWhileRevalidate: int64(c.StaleWhileRevalidate), StaleIfError: int64(c.StaleIfError),
	}
}

// TestCacheControlAgreement checks that both parsers read every benchmarked
// value the same way, so BenchmarkCacheControl compares equal work.
func TestCacheControlAgreement(t *testing.T) {
	for _, c := range ccCases() {
		t.Run(c.name, func(t *testing.T) {
			theirs, err := cacheobject.ParseResponseCacheControl(c.value)
			require.NoError(t, err)
			ours := cache.Parse(c.value)
			assert.Equal(t, summarizePquerna(theirs), summarizeHTTPSem(ours))
		})
	}
}

// TestCacheControlPeerDeviations records, outside the benchmarked rows,
// inputs where pquerna/cachecontrol departs from RFC 9111; the README's
// correctness table lists them.
func TestCacheControlPeerDeviations(t *testing.T) {
	// RFC 9111 §4.2.1: invalid freshness information should be treated as
	// stale; pquerna rejects the whole field instead.
	t.Run("invalid max-age", func(t *testing.T) {
		_, err := cacheobject.ParseResponseCacheControl("max-age=abc, no-store")
		assert.Error(t, err, "pquerna drops the whole field, no-store included")
		assert.True(t, cache.Parse("max-age=abc, no-store").NoStore)
	})
	// RFC 9111 §5.2.2.5: no-store takes no argument, but dropping it would be
	// the unsafe reading; pquerna rejects the whole field.
	t.Run("argument on no-store", func(t *testing.T) {
		_, err := cacheobject.ParseResponseCacheControl("no-store=1")
		assert.Error(t, err, "pquerna drops the whole field")
		assert.True(t, cache.Parse("no-store=1").NoStore)
	})
	// RFC 9111 §5.2: arguments are accepted in token form too, and a token
	// ends at the comma; pquerna reads the rest of the field as the field
	// list of no-cache and loses max-age.
	t.Run("token argument of no-cache", func(t *testing.T) {
		theirs, err := cacheobject.ParseResponseCacheControl("no-cache=Set-Cookie,max-age=1")
		require.NoError(t, err)
		assert.Equal(t, cacheobject.DeltaSeconds(-1), theirs.MaxAge, "pquerna loses max-age")
		ours := cache.Parse("no-cache=Set-Cookie,max-age=1")
		assert.Equal(t, int64(1), delta(ours.MaxAge))
		assert.Equal(t, []string{"Set-Cookie"}, ours.NoCacheFields)
	})
}

// TestCacheControlZeroAlloc pins the target of the typical rows.
func TestCacheControlZeroAlloc(t *testing.T) {
	for _, c := range ccCases() {
		if c.typical {
			assert.Zero(t, testing.AllocsPerRun(100, func() { _ = cache.Parse(c.value) }), c.name)
		}
	}
}

var sinkControl cache.Control

func BenchmarkCacheControl(b *testing.B) {
	for _, c := range ccCases() {
		b.Run("header="+c.name+"/impl=httpsem", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				sinkControl = cache.Parse(c.value)
			}
		})
		b.Run("header="+c.name+"/impl=pquerna", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				if _, err := cacheobject.ParseResponseCacheControl(c.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
