package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkServer measures whole requests through the service's middleware
// stacks, without the network: the revalidations (304) are what a busy API
// mostly serves.
func BenchmarkServer(b *testing.B) {
	srv, err := newServer(config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	tagOf := func(path string) string {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Header().Get("ETag")
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, func() *http.Request {
		r := httptest.NewRequest("POST", "/documents", strings.NewReader(`{"title":"bench","content":"x"}`))
		r.Header.Set("Content-Type", "application/json")
		return r
	}())
	if rec.Code != http.StatusCreated {
		b.Fatalf("POST /documents: %d", rec.Code)
	}
	cases := []struct {
		name, method, path, inm string
	}{
		{"events/list/200", "GET", "/events", ""},
		{"events/list/304", "GET", "/events", tagOf("/events")},
		{"events/item/200", "GET", "/events/1", ""},
		{"users/200", "GET", "/users/1", ""},
		{"users/304", "GET", "/users/1", tagOf("/users/1")},
		{"documents/304", "GET", "/documents/1", tagOf("/documents/1")},
		{"notfound/404", "GET", "/events/9", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(c.method, c.path, nil)
			if c.inm != "" {
				req.Header.Set("If-None-Match", c.inm)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code >= 500 {
					b.Fatalf("%s: %d", c.name, w.Code)
				}
			}
		})
	}
}
