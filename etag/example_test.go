package etag_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpsem/httpsem/etag"
)

func ExampleMiddleware() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, world\n")
	})
	srv := httptest.NewServer(etag.Middleware(etag.Options{})(handler))
	defer srv.Close()

	client := srv.Client()
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	tag := resp.Header.Get("ETag")
	fmt.Println(resp.StatusCode, tag, resp.Header.Get("Content-Length"))

	// Revalidate: the client sends back the tag it was given.
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("If-None-Match", tag)
	resp, err = client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("ETag"))
	// Output:
	// 200 "ZgaH7ewHVlM" 13
	// 304 "ZgaH7ewHVlM"
}

func ExampleParse() {
	for _, s := range []string{`"xyzzy"`, `W/"xyzzy"`, `xyzzy`} {
		t, err := etag.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("opaque=%s weak=%v\n", t.Opaque, t.Weak)
	}
	// Output:
	// opaque=xyzzy weak=false
	// opaque=xyzzy weak=true
	// etag: invalid entity-tag "xyzzy": want W/"..." or "..." with etagc characters
}

func ExampleTag_String() {
	fmt.Println(etag.Tag{Opaque: "v7"})
	fmt.Println(etag.Weak(etag.FromVersion(7)))
	fmt.Println(etag.FromString(`rev "42", draft`))
	// Output:
	// "v7"
	// W/"7"
	// "rev%20%2242%22%2C%20draft"
}

func ExampleFromBytes() {
	a := etag.FromBytes([]byte(`{"id":1,"name":"Ada"}`))
	b := etag.FromBytes([]byte(`{"id":1,"name":"Ada"}`))
	c := etag.FromBytes([]byte(`{"id":1,"name":"Bob"}`))
	fmt.Println(a == b, a == c, len(a.Opaque))

	// A Hasher gives the same tag for content written in pieces.
	var h etag.Hasher
	io.WriteString(&h, `{"id":1,`)
	io.WriteString(&h, `"name":"Ada"}`)
	fmt.Println(h.Tag() == a)
	// Output:
	// true false 11
	// true
}

func ExampleMatch() {
	current := etag.FromVersion(3)
	// If-None-Match uses the weak comparison (RFC 9110 §13.1.2); several
	// field lines form one list.
	inm := []string{`"1", "2"`, `W/"3"`}
	fmt.Println(etag.Match(inm, current, true))
	// If-Match uses the strong comparison (RFC 9110 §13.1.1).
	fmt.Println(etag.Match(inm, current, false))
	fmt.Println(etag.Match([]string{`*`}, current, false))
	fmt.Println(etag.Match([]string{`not-a-tag`}, current, false))
	// Output:
	// matched
	// not-matched
	// any
	// absent
}

// Each representation of one version gets its own strong tag: the JSON and
// the XML are different bytes (RFC 9110 §8.8.3).
func ExampleVariant_Tag() {
	version := etag.FromVersion(42)
	fmt.Println(etag.Variant{MediaType: "application/json"}.Tag(version))
	fmt.Println(etag.Variant{MediaType: "application/xml"}.Tag(version))
	fmt.Println(etag.Variant{MediaType: "application/json", Encoding: "gzip", Language: "en"}.Tag(version))
	// Output:
	// "42:t=application/json"
	// "42:t=application/xml"
	// "42:t=application/json:e=gzip:l=en"
}
