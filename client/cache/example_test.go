package cache_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	cachecontrol "github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/client/cache"
)

func ExampleTransport() {
	// A listing served with cache.PublicListing: "public, max-age=60".
	origin := 0
	srv := httptest.NewServer(cachecontrol.Middleware(cachecontrol.Options{Control: cachecontrol.PublicListing()})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin++
			fmt.Fprint(w, `["a","b"]`)
		})))
	defer srv.Close()

	tr, err := cache.New(cache.Options{Transport: srv.Client().Transport})
	if err != nil {
		panic(err)
	}
	c := &http.Client{Transport: tr}
	for range 3 {
		res, err := c.Get(srv.URL + "/events")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(cache.OutcomeOf(res), string(body))
	}
	fmt.Println("origin requests:", origin)
	// Output:
	// miss ["a","b"]
	// hit ["a","b"]
	// hit ["a","b"]
	// origin requests: 1
}

func ExampleOptions_outcomeFunc() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store") // RFC 9111 §5.2.2.5
		fmt.Fprint(w, "secret")
	}))
	defer srv.Close()

	tr, err := cache.New(cache.Options{
		Transport: srv.Client().Transport,
		OutcomeFunc: func(r *http.Request, o cache.Outcome) {
			fmt.Println(r.Method, r.URL.Path, o)
		},
	})
	if err != nil {
		panic(err)
	}
	c := &http.Client{Transport: tr}
	for range 2 {
		res, err := c.Get(srv.URL + "/token")
		if err != nil {
			panic(err)
		}
		res.Body.Close()
	}
	// Output:
	// GET /token miss
	// GET /token miss
}
