package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageAndStatic(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	page := ts.do(t, "GET", "/", "")
	require.Equal(t, 200, page.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", page.Header.Get("Content-Type"))
	assert.NotEmpty(t, page.Header.Get("ETag"))
	assert.Equal(t, 304, ts.do(t, "GET", "/", "", "If-None-Match", page.Header.Get("ETag")).StatusCode)

	for name, ctype := range map[string]string{"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"} {
		data, err := webFS.ReadFile("web/" + name)
		require.NoError(t, err)
		hashed := fingerprint(name, data)
		assert.Regexp(t, `^app\.[0-9a-f]{16}\.(js|css)$`, hashed)
		assert.Contains(t, string(page.body), `/static/`+hashed, "the page references the fingerprinted name")
		res := ts.do(t, "GET", "/static/"+hashed, "")
		require.Equal(t, 200, res.StatusCode)
		assert.Equal(t, data, res.body)
		assert.Equal(t, ctype, res.Header.Get("Content-Type"))
		assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
		// The bare name is not served: it would be cached forever under a
		// name whose content changes.
		assert.Equal(t, 404, ts.do(t, "GET", "/static/"+name, "").StatusCode)
	}
	assert.NotEqual(t, fingerprint("a.js", []byte("1")), fingerprint("a.js", []byte("2")))
	nf := ts.do(t, "GET", "/nothing-here", "")
	assert.Equal(t, 404, nf.StatusCode)
	assert.Equal(t, "NOT_FOUND", nf.errorCode(t))
}
