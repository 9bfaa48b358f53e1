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
