package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/cache"
)

// TestEventSummary: the Accept-Language example. Rows check exact matches,
// weights and the default; the refusal cases (q=0, "*") are the negotiate
// package's own tests.
func TestEventSummary(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	tests := []struct {
		name, accept, lang, text string
	}{
		// RFC 9110 §12.5.4: no field, any language is acceptable.
		{"no field", "", "en", "14 March 2025 at 18:30 UTC, 120 seats"},
		{"en", "en", "en", "14 March 2025"},
		{"fr", "fr", "fr", "le 14 mars 2025 à 18:30 UTC, 120 places"},
		{"de", "de", "de", "am 14. März 2025 um 18:30 UTC, 120 Plätze"},
		// RFC 9110 §12.4.2: the weight orders the preferences.
		{"q ordering", "fr;q=0.5, de", "de", "März"},
		{"q ordering, three", "de;q=0.3, fr;q=0.8, en;q=0.1", "fr", "mars"},
		// RFC 4647 §3: a more specific range still finds its language.
		{"region", "fr-CH, en;q=0.5", "fr", "mars"},
		// RFC 9110 §12.5.4: a server may disregard the field rather than
		// answer 406.
		{"unsupported", "ja", "en", "March"},
		// RFC 9110 §12.4.2, §12.5.4: q=0 refuses a language, and * gives
		// its weight to every language no range names.
		{"refused, wildcard", "en;q=0, *", "fr", "mars"},
		{"wildcard outranks", "de;q=0.5, *", "en", "March"},
		// Nothing acceptable: the default the client did not refuse.
		{"all named refused but one", "en;q=0, fr;q=0", "de", "März"},
	}
	tags := map[string]string{}
	for _, tc := range tests {
		// Not parallel: the rows collect the tag of each language.
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.accept != "" {
				headers = []string{"Accept-Language", tc.accept}
			}
			res := ts.do(t, "GET", "/events/1/summary", "", headers...)
			require.Equal(t, 200, res.StatusCode, "body: %s", res.body)
			assert.Equal(t, tc.lang, res.Header.Get("Content-Language"))
			assert.True(t, cache.VaryHas(res.Header, "Accept-Language"), "Vary: %q", res.Header.Values("Vary"))
			assert.Equal(t, "public, max-age=60", res.Header.Get("Cache-Control"))
			m := res.json(t)
			assert.Equal(t, tc.lang, m["language"])
			assert.Equal(t, "1", m["event_id"])
			assert.Contains(t, m["summary"], tc.text)
			tag := res.Header.Get("ETag")
			require.NotEmpty(t, tag)
			if prev, ok := tags[tc.lang]; ok {
				assert.Equal(t, prev, tag, "one tag per language")
			}
			tags[tc.lang] = tag
		})
	}
	// RFC 9110 §8.8.3: each variant has its own strong tag.
	assert.Len(t, tags, 3)
	assert.NotEqual(t, tags["en"], tags["fr"])
	assert.NotEqual(t, tags["fr"], tags["de"])

	// RFC 9110 §13.1.2, §15.4.5: the tag of the variant the request selects
	// revalidates it, with Vary on the 304; another variant's does not.
	nm := ts.do(t, "GET", "/events/1/summary", "", "Accept-Language", "fr", "If-None-Match", tags["fr"])
	assert.Equal(t, 304, nm.StatusCode)
	assert.Empty(t, nm.body)
	assert.True(t, cache.VaryHas(nm.Header, "Accept-Language"), "Vary on 304: %q", nm.Header.Values("Vary"))
	other := ts.do(t, "GET", "/events/1/summary", "", "Accept-Language", "de", "If-None-Match", tags["fr"])
	assert.Equal(t, 200, other.StatusCode)
	assert.Equal(t, "de", other.Header.Get("Content-Language"))

	missing := ts.do(t, "GET", "/events/9/summary", "", "Accept-Language", "fr")
	assert.Equal(t, 404, missing.StatusCode)
	assert.Equal(t, "NOT_FOUND", missing.errorCode(t))
	assert.Empty(t, missing.Header.Get("Content-Language"))
}
