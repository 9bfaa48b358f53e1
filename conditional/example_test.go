package conditional_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
)

// document is a resource with optimistic concurrency control: the version
// becomes the entity-tag.
type document struct {
	mu      sync.Mutex
	text    string
	version uint64
}

func (d *document) validators() conditional.Validators {
	return conditional.Validators{ETag: etag.Tag{Opaque: strconv.FormatUint(d.version, 10)}, Exists: true}
}

// ServeHTTP makes check-and-write atomic: the validators are read, the
// preconditions checked and the new text written while holding d.mu, so no
// other request can change the document in between. With a database, do the
// same inside one transaction that locks the row.
func (d *document) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	opts := conditional.Options{RequirePrecondition: true}
	if !conditional.Check(w, r, d.validators(), opts) {
		return // 304, 412 or 428 already written
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Etag", d.validators().ETag.String())
		_, _ = io.WriteString(w, d.text)
	case http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		d.text = string(b)
		d.version++
		w.Header().Set("Etag", d.validators().ETag.String())
		w.WriteHeader(http.StatusNoContent)
	}
}

func ExampleCheck() {
	srv := httptest.NewServer(&document{text: "draft"})
	defer srv.Close()

	send := func(method, ifMatch, body string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL, strings.NewReader(body))
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		line := method
		if ifMatch != "" {
			line += " If-Match: " + ifMatch
		}
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s → %d %s", line, resp.StatusCode, b)))
		return resp
	}

	seen := send("GET", "", "").Header.Get("Etag")
	send("PUT", seen, "first edit")  // the version the client saw: applied
	send("PUT", seen, "second edit") // stale version: refused, not lost
	send("PUT", "", "blind edit")    // no precondition: refused
	// Output:
	// GET → 200 draft
	// PUT If-Match: "0" → 204
	// PUT If-Match: "0" → 412 {"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"1\""}}
	// PUT → 428 {"error":{"code":"PRECONDITION_REQUIRED","message":"This request must be conditional: send If-Match with the entity-tag (ETag) of the representation you last saw."}}
}

func ExampleMiddleware() {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Etag", `"v42"`)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello")
	})
	srv := httptest.NewServer(conditional.Middleware(conditional.Options{})(page))
	defer srv.Close()

	for _, inm := range []string{"", `"v41"`, `"v42"`} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("If-None-Match %-5s → %d %q Content-Type=%q\n", inm, resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	// Output:
	// If-None-Match       → 200 "hello" Content-Type="text/plain"
	// If-None-Match "v41" → 200 "hello" Content-Type="text/plain"
	// If-None-Match "v42" → 304 "" Content-Type=""
}

func ExampleRangeApplies() {
	v := conditional.Validators{ETag: etag.Tag{Opaque: "v1"}}
	for _, ifRange := range []string{`"v1"`, `"v0"`} {
		r := httptest.NewRequest(http.MethodGet, "/video", nil)
		r.Header.Set("Range", "bytes=0-99")
		r.Header.Set("If-Range", ifRange)
		if conditional.Evaluate(r, v, conditional.Options{}) == conditional.Proceed {
			fmt.Println("If-Range", ifRange, "→ honour Range:", conditional.RangeApplies(r, v, conditional.Options{}))
		}
	}
	// Output:
	// If-Range "v1" → honour Range: true
	// If-Range "v0" → honour Range: false
}

func ExampleEvaluate() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("If-None-Match", `W/"abc"`)
	fmt.Println(conditional.Evaluate(r, conditional.Validators{ETag: etag.Tag{Opaque: "abc"}}, conditional.Options{}))
	// Output: NotModified
}
