package main

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of every route, every status it
// can answer and its schemas. openapi_test.go validates real responses
// against it.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves GET/HEAD /openapi.json.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
