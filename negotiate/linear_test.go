package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/language"
)

// assertLinear checks that fn costs about the same per byte on a 1 KiB and a
// 64 KiB input. Both sizes process the same total bytes (64 runs of the small
// one per run of the large one), best of several rounds, so a linear fn gives
// a ratio near 1 and a quadratic one near 64; the bound of 8 tolerates a busy
// machine without letting quadratic work through.
func assertLinear(t *testing.T, name string, gen func(n int) string, fn func(s string)) {
	t.Helper()
	measure := func(s string, reps int) time.Duration {
		best := time.Duration(1 << 62)
		for range 7 {
			start := time.Now()
			for range reps {
				fn(s)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := measure(gen(1<<10), 64*4), measure(gen(64<<10), 4)
	assert.Less(t, large, small*8, "%s: 1KiB×256 %v, 64KiB×4 %v", name, small, large)
}

func TestLinearTime(t *testing.T) {
	t.Parallel()
	offers := []string{"application/json;a=1;b=2;c=3", "text/html", "application/xml"}
	selectType := func(s string) { SelectType([]string{s}, offers) }
	assertLinear(t, "accept mixed", hostileAccept, selectType)
	assertLinear(t, "accept one member, many params", func(n int) string {
		return "application/json" + strings.Repeat(";a=1", n/4)
	}, selectType)
	assertLinear(t, "accept trailing OWS before q", func(n int) string {
		return "application/json" + strings.Repeat(";a=1", n/8) + ";" + strings.Repeat(" ", n/2) + "q=0.5"
	}, selectType)
	assertLinear(t, "accept unterminated quotes", func(n int) string {
		return strings.Repeat(`a/b;c="`, n/7)
	}, selectType)
	assertLinear(t, "accept-encoding", hostileEncoding, func(s string) {
		SelectEncoding([]string{s}, []string{"br", "gzip", Identity})
	})
	m := language.NewMatcher([]language.Tag{language.English, language.German})
	assertLinear(t, "accept-language one long range", func(n int) string {
		return strings.Repeat("abcdefg-", n/8)
	}, func(s string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", s)
		Language(httptest.NewRecorder(), r, m)
	})
}
