package etag

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGzhttpComposition shows that two representations of one resource, gzip
// and identity, never share a strong tag (RFC 9110 §8.8.3: a strong tag
// changes with any byte of the representation), and that each revalidates
// with the tag its client was given, whichever middleware wraps the other.
func TestGzhttpComposition(t *testing.T) {
	t.Parallel()
	content := strings.Repeat("the same words again and again ", 200) // well over gzhttp.DefaultMinSize
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(content))
	})

	// etag outside gzhttp (recommended): the tag is computed on the bytes as
	// sent, so each encoding gets its own tag with no configuration.
	etagOutside := Middleware(Options{})(gzhttp.GzipHandler(handler))

	// gzhttp outside etag: etag sees identity bytes only, so gzhttp must mark
	// the tags of what it compresses (SuffixETag) and etag must know the
	// suffixes to revalidate them.
	wrap, err := gzhttp.NewWrapper(gzhttp.SuffixETag("-gzip"))
	require.NoError(t, err)
	gzOutside := wrap(Middleware(Options{VariantSuffixes: []string{"-gzip", "-zstd"}})(handler))

	for name, h := range map[string]http.Handler{"etag outside": etagOutside, "gzhttp outside": gzOutside} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			gz := do(t, srv, "GET", "/", "Accept-Encoding", "gzip")
			require.Equal(t, 200, gz.status)
			require.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
			id := do(t, srv, "GET", "/") // do sends Accept-Encoding: identity
			require.Equal(t, 200, id.status)
			require.Empty(t, id.header.Get("Content-Encoding"))
			assert.Equal(t, content, id.body)

			gzTag, idTag := gz.header.Get("Etag"), id.header.Get("Etag")
			require.NotEmpty(t, gzTag)
			require.NotEmpty(t, idTag)
			assert.NotEqual(t, gzTag, idTag, "gzip and identity must not share a strong tag")
			assert.Equal(t, FromBytes([]byte(content)).String(), idTag)
			if name == "etag outside" {
				assert.Equal(t, FromBytes([]byte(gz.body)).String(), gzTag, "the tag of the gzip bytes")
			}

			// Each client revalidates with the tag it was given.
			res := do(t, srv, "GET", "/", "Accept-Encoding", "gzip", "If-None-Match", gzTag)
			assert.Equal(t, 304, res.status, "gzip revalidation")
			assert.Equal(t, gzTag, res.header.Get("Etag"), "the 304 names the variant the client holds")
			assert.Empty(t, res.body)
			res = do(t, srv, "GET", "/", "If-None-Match", idTag)
			assert.Equal(t, 304, res.status, "identity revalidation")
			assert.Equal(t, idTag, res.header.Get("Etag"))

			// A changed representation is not "not modified".
			res = do(t, srv, "GET", "/", "Accept-Encoding", "gzip", "If-None-Match", `"stale"`)
			assert.Equal(t, 200, res.status)
			assert.Equal(t, gzTag, res.header.Get("Etag"))
		})
	}

	// Why the suffix is needed: with gzhttp's defaults outside, gzip and
	// identity responses carry one strong tag, which RFC 9110 §8.8.3 forbids.
	t.Run("gzhttp outside without SuffixETag shares the tag", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(gzhttp.GzipHandler(Middleware(Options{})(handler)))
		t.Cleanup(srv.Close)
		gz := do(t, srv, "GET", "/", "Accept-Encoding", "gzip")
		id := do(t, srv, "GET", "/")
		require.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
		assert.Equal(t, gz.header.Get("Etag"), id.header.Get("Etag"))
	})
}
