package cache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/httpsem/httpsem/cache"
)

func ExampleControl_String() {
	c := cache.StaticAsset()
	fmt.Println(c)
	c.StaleIfError = cache.Seconds(86400)
	fmt.Println(c)
	fmt.Println(cache.Control{Private: true, PrivateFields: []string{"Set-Cookie"}, MaxAge: cache.Seconds(0)})
	// Output:
	// public, max-age=31536000, immutable
	// public, max-age=31536000, immutable, stale-if-error=86400
	// private="Set-Cookie", max-age=0
}

func ExampleParse() {
	// Names are case-insensitive, the first of two max-age wins (RFC 9111
	// §4.2.1) and unknown directives are kept.
	c := cache.Parse(`Public, max-age=600, max-age=5, community="UCI"`)
	fmt.Println(c.Public, c.MaxAge.Seconds(), c.Extensions[0].Name, c.Extensions[0].Value)
	fmt.Println(c)

	// A request that wants a fresh answer.
	req := cache.Parse("no-cache, max-stale")
	fmt.Println(req.NoCache, req.MaxStaleAny)
	// Output:
	// true 600 community UCI
	// public, max-age=600, community=UCI
	// true true
}

// no-cache lets caches store the response but makes them ask the origin
// before every reuse (a cheap 304 when nothing changed); no-store keeps the
// response out of every cache. Use no-cache for content that must always be
// current, no-store for secrets.
func Example_noCacheVsNoStore() {
	mustCheck := cache.Control{NoCache: true}
	secret := cache.Credentials()
	for _, c := range []cache.Control{mustCheck, secret} {
		fmt.Printf("%-8s may be stored: %-5v reused without asking the origin: %v\n",
			c, !c.NoStore, !c.NoStore && !c.NoCache)
	}
	// Output:
	// no-cache may be stored: true  reused without asking the origin: false
	// no-store may be stored: false reused without asking the origin: false
}

func ExampleMiddleware() {
	h := cache.Middleware(cache.Options{
		Control: cache.PublicListing(),
		Vary:    []string{"Accept"},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "[1, 2, 3]")
	}))

	show := func(path, auth string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%s %d Cache-Control: %s; Vary: %s\n", path, rec.Code,
			rec.Header().Get("Cache-Control"), rec.Header().Get("Vary"))
	}
	show("/items", "")
	show("/items", "Bearer alice") // RFC 9111 §3.5: never public for an authorized request
	show("/fail", "")
	// Output:
	// /items 200 Cache-Control: public, max-age=60; Vary: Accept
	// /items 200 Cache-Control: private, max-age=60; Vary: Accept
	// /fail 503 Cache-Control: no-store; Vary:
}

func ExampleAddVary() {
	h := http.Header{}
	h.Set("Vary", "accept-encoding")
	cache.AddVary(h, "Accept", "Accept-Encoding")
	fmt.Println(h.Get("Vary"))
	// Output:
	// accept-encoding, Accept
}
