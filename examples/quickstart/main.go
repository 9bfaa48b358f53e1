package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/etag"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	flag.Parse()
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":1,"title":"GopherCon"}]`))
	})
	// Innermost first: a strong ETag and 304 on If-None-Match, then a
	// public 60-second policy on every 2xx/304 (no-store on 5xx).
	h := cache.Middleware(cache.Options{Control: cache.PublicListing()})(
		etag.Middleware(etag.Options{})(events))
	log.Fatal(http.ListenAndServe(*addr, h))
}
