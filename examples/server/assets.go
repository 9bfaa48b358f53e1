package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed web
var webFS embed.FS

// assets are the page and its fingerprinted static files, built once at
// startup. A file's name carries a hash of its content (app.3f9a2c1b.js), so
// it can be cached "forever" (Cache-Control: public, max-age=31536000,
// immutable): a changed file gets a new name, and the page, which is
// revalidated on every use, points to it.
type assets struct {
	index  []byte
	static map[string]staticFile
}

type staticFile struct {
	contentType string
	data        []byte
}

// fingerprint returns name with the first 8 bytes of the SHA-256 of data
// before its extension: "app.js" → "app.1a2b3c4d5e6f7a8b.js".
func fingerprint(name string, data []byte) string {
	sum := sha256.Sum256(data)
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:8]) + ext
}

func loadAssets() (*assets, error) {
	a := &assets{static: map[string]staticFile{}}
	names := map[string]string{}
	for _, name := range []string{"app.js", "app.css"} {
		data, err := webFS.ReadFile("web/" + name)
		if err != nil {
			return nil, err
		}
		hashed := fingerprint(name, data)
		names[name] = hashed
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.static[hashed] = staticFile{contentType: ct, data: data}
	}
	tmpl, err := template.ParseFS(webFS, "web/index.html")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ JS, CSS string }{names["app.js"], names["app.css"]}); err != nil {
		return nil, err
	}
	a.index = buf.Bytes()
	return a, nil
}

// index serves GET/HEAD /: the page, revalidated on every use (its ETag comes
// from the route's etag middleware) so that a deploy is seen at once.
func (s *server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(s.assets.index)
}

// static serves GET/HEAD /static/{name} for fingerprinted names only; an old
// or unknown name is 404, never another version's content.
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.static[r.PathValue("name")]
	if !ok {
		fail(w, r, notFound("Static file"))
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.data)
}
