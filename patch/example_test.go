package patch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/patch"
)

func ExampleApply() {
	doc := []byte(`{"name":"Ada","balance":12345678901234567890,"tags":["math"]}`)

	out, err := patch.Apply("application/json-patch+json", doc, []byte(`[
		{"op":"test","path":"/name","value":"Ada"},
		{"op":"add","path":"/tags/-","value":"poetry"},
		{"op":"replace","path":"/name","value":null}
	]`))
	fmt.Println(string(out), err)

	out, err = patch.Apply("application/merge-patch+json; charset=utf-8", doc, []byte(`{"name":null,"tags":["x"]}`))
	fmt.Println(string(out), err)
	// Output:
	// {"name":null,"balance":12345678901234567890,"tags":["math","poetry"]} <nil>
	// {"balance":12345678901234567890,"tags":["x"]} <nil>
}

func ExampleApply_errors() {
	doc := []byte(`{"n":1}`)
	for _, p := range []struct{ typ, body string }{
		{"application/json-patch+json", `[{"op":"test","path":"/n","value":1.0}]`},
		{"application/json-patch+json", `[{"op":"test","path":"/n","value":2}]`},
		{"application/json-patch+json", `[{"op":"test","path":"/n"}]`},
		{"application/json", `{"n":2}`},
	} {
		_, err := patch.Apply(p.typ, doc, []byte(p.body))
		fmt.Println(patch.Status(err), errors.Is(err, patch.ErrConflict), err)
	}
	// Output:
	// 200 false <nil>
	// 409 true patch: operation 0 (test "/n"): test failed: the value differs
	// 400 false patch: operation 0 (test "/n"): missing "value"
	// 415 false patch: unsupported patch media type: "application/json"
}

func ExampleNewPatcher() {
	pt := patch.NewPatcher(patch.Options{MaxOperations: 2})
	_, err := pt.Apply(patch.JSONPatchType, []byte(`{}`), []byte(`[
		{"op":"add","path":"/a","value":1},
		{"op":"add","path":"/b","value":1},
		{"op":"add","path":"/c","value":1}
	]`))
	var le *patch.LimitError
	fmt.Println(errors.As(err, &le), le.Limit, patch.Status(err))
	fmt.Println(pt.AcceptPatch())
	// Output:
	// true operations 422
	// application/merge-patch+json, application/json-patch+json
}

// store is a versioned document with compare-and-swap, as StoreFunc needs.
type store struct {
	mu      sync.Mutex
	doc     []byte
	version uint64
}

func (s *store) load(context.Context, *http.Request) (patch.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return patch.Resource{
		Doc:        bytes.Clone(s.doc),
		Validators: conditional.Validators{ETag: etag.FromVersion(s.version)},
	}, nil
}

func (s *store) save(_ context.Context, _ *http.Request, prev patch.Resource, doc []byte) (patch.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev.Validators.ETag != etag.FromVersion(s.version) {
		return patch.Resource{}, patch.ErrStale // someone wrote first
	}
	if bytes.Contains(doc, []byte(`"id":`)) && !bytes.Contains(doc, []byte(`"id":7`)) {
		return patch.Resource{}, httperr.New(422, httperr.CodeUnprocessable, "id is immutable")
	}
	s.doc, s.version = doc, s.version+1
	// The stored representation is the 200's body: what a GET now returns
	// under this ETag.
	return patch.Resource{
		Doc:        bytes.Clone(s.doc),
		Validators: conditional.Validators{ETag: etag.FromVersion(s.version)},
	}, nil
}

func ExampleHandler() {
	s := &store{doc: []byte(`{"id":7,"title":"draft"}`), version: 1}
	srv := httptest.NewServer(patch.Handler(patch.Options{}, s.load, s.save))
	defer srv.Close()

	send := func(ctype, ifMatch, body string) {
		req, _ := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		fmt.Println(res.StatusCode, res.Header.Get("ETag") != "", strings.TrimSpace(string(b)))
	}
	v1 := etag.FromVersion(1).String()
	send("application/json", "", `{"title":"x"}`)
	send(patch.MergePatchType, v1, `{"title":"final"}`)
	send(patch.MergePatchType, v1, `{"title":"lost update"}`)
	send(patch.JSONPatchType, "", `[{"op":"test","path":"/title","value":"draft"}]`)
	send(patch.MergePatchType, "", `{"id":8}`)
	// Output:
	// 415 false {"error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"the request body must be one of: application/merge-patch+json, application/json-patch+json"}}
	// 200 true {"id":7,"title":"final"}
	// 412 false {"error":{"code":"CONFLICT","message":"The resource was modified by another client. Please re-fetch and retry.","current_etag":"\"2\""}}
	// 409 false {"error":{"code":"CONFLICT","message":"the patch does not apply to the current document: test failed: the value differs","operation":0}}
	// 422 false {"error":{"code":"UNPROCESSABLE_ENTITY","message":"id is immutable"}}
}

func ExampleMiddleware() {
	h := patch.Middleware(patch.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"title":"draft"}`)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/doc", nil))
	fmt.Println(rec.Header().Get("Accept-Patch"))
	// Output:
	// application/merge-patch+json, application/json-patch+json
}

func ExampleCheckJSON() {
	for _, body := range []string{
		`{"name":"Ada"}`,
		`{"name":"Ada","name":"Eve"}`,
		`{"name":"\ud800"}`,
	} {
		fmt.Println(patch.CheckJSON([]byte(body)))
	}
	// Output:
	// <nil>
	// patch: an object in the document repeats a member name
	// patch: the document holds an unpaired surrogate escape
}
