package httperr_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/httpsem/httpsem/httperr"
)

func ExampleWrite() {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/users/9", nil)
	httperr.Write(rec, req, nil, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "No user with id 9."))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 404 application/json
	// {"error":{"code":"NOT_FOUND","message":"No user with id 9."}}
}

func ExampleProblem() {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/users/9", nil)
	httperr.Write(rec, req, httperr.Problem{}, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "No user with id 9."))
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"No user with id 9.","code":"NOT_FOUND"}
}

// A 412 written on every lost update: the envelope's fixed parts are encoded
// once, each response only the current tag.
func ExamplePrepare() {
	stale := httperr.Prepare(http.StatusPreconditionFailed, httperr.CodeConflict, "Re-fetch and retry.", "current_etag")

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPut, "/users/9", nil)
	httperr.WritePrepared(rec, req, nil, stale, []byte(`"v8"`))
	fmt.Println(rec.Code, rec.Header().Get("Content-Length"))
	fmt.Print(rec.Body.String())
	// Output:
	// 412 86
	// {"error":{"code":"CONFLICT","message":"Re-fetch and retry.","current_etag":"\"v8\""}}
}
