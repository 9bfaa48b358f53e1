package negotiate_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"golang.org/x/text/language"

	"github.com/httpsem/httpsem/negotiate"
)

func ExampleType() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		typ, ok := negotiate.Type(w, r, "application/json", "text/html")
		if !ok {
			http.Error(w, "not acceptable", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", typ)
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Println("Vary:", w.Header().Get("Vary"))
	// Output:
	// text/html
	// Vary: Accept
}

func ExampleSelectType() {
	offers := []string{"application/json", "application/xml"}
	fmt.Println(negotiate.SelectType(nil, offers))                                              // no Accept: first offer
	fmt.Println(negotiate.SelectType([]string{"application/*;q=0.5, application/xml"}, offers)) // more specific range wins
	fmt.Println(negotiate.SelectType([]string{"application/json;q=0, image/*"}, offers))        // nothing acceptable
	// Output:
	// 0
	// 1
	// -1
}

type item struct {
	ID   int    `json:"id" xml:"id,attr"`
	Name string `json:"name" xml:"name"`
}

func ExampleRenderer_Render() {
	csv := negotiate.Encoder{MediaType: "text/csv", EncodeFunc: func(w io.Writer, v any) error {
		it := v.(item)
		_, err := fmt.Fprintf(w, "id,name\n%d,%s\n", it.ID, it.Name)
		return err
	}}
	rn, err := negotiate.NewRenderer(negotiate.Options{
		Encoders: []negotiate.Encoder{negotiate.JSON(), negotiate.XML(), csv},
	})
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = rn.Render(w, r, http.StatusOK, item{ID: 7, Name: "lamp"})
	})
	for _, accept := range []string{"", "text/csv", "application/xml", "image/png"} {
		r := httptest.NewRequest(http.MethodGet, "/items/7", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d %s\n%s\n", w.Code, w.Header().Get("Content-Type"), strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 200 application/json
	// {"id":7,"name":"lamp"}
	// 200 text/csv; charset=utf-8
	// id,name
	// 7,lamp
	// 200 application/xml; charset=utf-8
	// <?xml version="1.0" encoding="UTF-8"?>
	// <item id="7"><name>lamp</name></item>
	// 406 application/json
	// {"error":{"code":"NOT_ACCEPTABLE","message":"none of the available media types is acceptable","available":["application/json","application/xml","text/csv"]}}
}

func ExampleMiddleware() {
	mw := negotiate.Middleware(negotiate.Options{
		Consumes: []string{"application/json"},
		Produces: []string{"application/json"},
	})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	}))
	for _, ct := range []string{"application/json; charset=utf-8", "text/plain"} {
		r := httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(`{"name":"lamp"}`))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, "Accept-Post="+w.Header().Get("Accept-Post"), w.Body.Len() > 0)
		if w.Code != http.StatusCreated {
			fmt.Print(w.Body.String())
		}
	}
	// Output:
	// 201 Accept-Post= false
	// 415 Accept-Post=application/json true
	// {"error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"the request content type is not supported","supported":["application/json"]}}
}

func ExampleCheckContentType() {
	opts := negotiate.Options{Consumes: []string{"application/json"}, MatchSuffix: true}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !negotiate.CheckContentType(w, r, opts) {
			return // 415 written
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r := httptest.NewRequest(http.MethodPut, "/doc", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/vnd.acme.doc+json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output: 204
}

func ExampleEncoding() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Precompressed variants of a static file, best first.
		coding, ok := negotiate.Encoding(w, r, "br", "gzip", negotiate.Identity)
		if !ok {
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		if coding != negotiate.Identity {
			w.Header().Set("Content-Encoding", coding)
		}
	})
	for _, ae := range []string{"gzip, deflate, br, zstd", "gzip;q=1, br;q=0.5", "", "*;q=0"} {
		r := httptest.NewRequest(http.MethodGet, "/app.js", nil)
		r.Header.Set("Accept-Encoding", ae)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%q -> %d %q\n", ae, w.Code, w.Header().Get("Content-Encoding"))
	}
	// Output:
	// "gzip, deflate, br, zstd" -> 200 "br"
	// "gzip;q=1, br;q=0.5" -> 200 "gzip"
	// "" -> 200 ""
	// "*;q=0" -> 406 ""
}

func ExampleLanguage() {
	langs := negotiate.MustLanguages(language.English, language.German, language.French) // build once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, i, ok := negotiate.Language(w, r, langs)
		if !ok {
			// Nothing acceptable: serve the default i (RFC 9110 §12.5.4
			// allows it) or answer 406; this handler serves it.
			w.Header().Set("X-Language-Fallback", " (fallback)")
		}
		w.Header().Set("Content-Language", langs.Tags()[i].String())
	})
	for _, al := range []string{"de-CH, de;q=0.9, en;q=0.8", "fr;q=0.2, ja", "en;q=0, *", "de, en;q=0", "ja"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", al)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s -> %s%s\n", al, w.Header().Get("Content-Language"), w.Header().Get("X-Language-Fallback"))
	}
	// Output:
	// de-CH, de;q=0.9, en;q=0.8 -> de
	// fr;q=0.2, ja -> fr
	// en;q=0, * -> de
	// de, en;q=0 -> de
	// ja -> en (fallback)
}

func ExampleNewMiddleware() {
	// Media types read from configuration: NewMiddleware reports a bad one.
	_, err := negotiate.NewMiddleware(negotiate.Options{Produces: []string{"application/json", "text/*"}})
	fmt.Println(err)
	// Output:
	// negotiate: Options.Produces[1]: "text/*" is not a concrete media type
}
