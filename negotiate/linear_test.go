package negotiate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/language"
)

// assertLinear checks, by counting the work fn reports rather than timing
// it (timings flake on a busy machine, and tests run in parallel), that the
// work per byte on a 64 KiB input is no more than on a 1 KiB one (with 10%
// for rounding at the edges) and at most maxPerByte: quadratic work would
// show as 64 times more per byte.
func assertLinear(t *testing.T, name string, maxPerByte float64, gen func(n int) string, fn func(s string) int) {
	t.Helper()
	small, large := gen(1<<10), gen(64<<10)
	perSmall := float64(fn(small)) / float64(len(small))
	perLarge := float64(fn(large)) / float64(len(large))
	assert.Positive(t, perSmall, "%s: no work counted", name)
	assert.LessOrEqual(t, perLarge, perSmall*1.1+0.01, "%s: work per byte grows (1 KiB %.2f, 64 KiB %.2f)", name, perSmall, perLarge)
	assert.LessOrEqual(t, perLarge, maxPerByte, "%s: %.2f operations per byte", name, perLarge)
}

func TestLinearWork(t *testing.T) {
	t.Parallel()
	offers := parseOffers([]string{"application/json;a=1;b=2;c=3", "text/html", "application/xml"})
	selectType := func(s string) int {
		_, work := selectParsed([]string{s}, offers)
		return work
	}
	tests := []struct {
		name string
		gen  func(n int) string
	}{
		{"accept mixed", hostileAccept},
		{"accept one member, many params", func(n int) string {
			return "application/json" + strings.Repeat(";a=1", n/4)
		}},
		{"accept many matching members with params", func(n int) string {
			return strings.Repeat("application/json;a=1;c=3;q=0.5,", n/31)
		}},
		{"accept trailing OWS before q", func(n int) string {
			return "application/json" + strings.Repeat(";a=1", n/8) + ";" + strings.Repeat(" ", n/2) + "q=0.5"
		}},
		{"accept unterminated quotes", func(n int) string {
			return strings.Repeat(`a/b;c="`, n/7)
		}},
		{"accept quoted commas", func(n int) string {
			return strings.Repeat(`text/html;x=",,,,";q=0.1,`, n/25)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Each byte is read once by the scans, once more if it belongs to
			// parsed parameters, plus bounded per-member and per-parameter
			// steps against three offers.
			assertLinear(t, tc.name, 12, tc.gen, selectType)
		})
	}
	t.Run("accept-encoding", func(t *testing.T) {
		t.Parallel()
		assertLinear(t, "accept-encoding", 4, hostileEncoding, func(s string) int {
			_, work := selectEncoding([]string{s}, []string{"br", "gzip", Identity})
			return work
		})
	})
}

// Accept-Language hands golang.org/x/text a bounded amount of input however
// long the field: at most MaxLanguageRanges ranges of at most
// MaxLanguageRangeLength bytes; the list itself is split by header.Elements,
// linear by construction (one pass, checked against a byte loop by
// header.FuzzElements).
func TestLanguageBoundedWork(t *testing.T) {
	t.Parallel()
	l := MustLanguages(language.English, language.German)
	bound := MaxLanguageRanges * MaxLanguageRangeLength
	for name, al := range map[string]string{
		"one long range":    strings.Repeat("abcdefg-", 8<<10),
		"many short ranges": strings.Repeat("ja-JP;q=0.5, ", 5000),
		"many long ranges":  strings.Repeat(strings.Repeat("abcdefg-", 15)+"x, ", 500),
		"many refusals":     strings.Repeat("de;q=0, *;q=0, ", 4000),
	} {
		_, _, _, parsed := l.sel([]string{al})
		assert.LessOrEqual(t, parsed, bound, name)
	}
	_, _, _, parsed := l.sel([]string{"de-CH, de;q=0.9, en;q=0.8"})
	assert.Equal(t, len("de-CH")+len("de")+len("en"), parsed, "what is parsed is counted")
}
