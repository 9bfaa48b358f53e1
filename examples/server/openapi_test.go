package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadOpenAPI parses and validates the embedded document as OpenAPI 3.1.
func loadOpenAPI(t testing.TB) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	require.NoError(t, err)
	require.True(t, doc.IsOpenAPI31OrLater())
	require.NoError(t, doc.Validate(loader.Context))
	return doc
}

// openAPIChecker validates real responses against the document. Every test
// server built by startServer sends its client's traffic through it, so every
// response any test receives from a documented route is checked: its status
// must be listed for the operation (IncludeResponseStatus), its headers and
// JSON body must match the schemas.
type openAPIChecker struct {
	t      testing.TB
	router routers.Router
	next   http.RoundTripper
}

func newOpenAPIChecker(t testing.TB, serverURL string, next http.RoundTripper) *openAPIChecker {
	t.Helper()
	doc := loadOpenAPI(t)
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &openAPIChecker{t: t, router: router, next: next}
}

func (c *openAPIChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	route, params, ferr := c.router.FindRoute(req)
	if ferr != nil {
		// Only undocumented requests get here: unknown paths (404) and
		// methods a path does not have (405), answered by the mux.
		assert.Containsf(c.t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, res.StatusCode, "openapi: %s %s answered %d but has no operation in openapi.json: %v", req.Method, req.URL.Path, res.StatusCode, ferr)
		return res, nil
	}
	// openapi3filter skips HEAD, 304 and some redirects entirely; the
	// status must be documented for those too.
	assert.NotNilf(c.t, route.Operation.Responses.Status(res.StatusCode), "openapi: %s %s answered %d, which openapi.json does not list for %s", req.Method, req.URL.Path, res.StatusCode, route.Operation.OperationID)
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	var body []byte
	switch {
	case mt == "text/event-stream":
		// A stream: its records are checked by TestOpenAPI_EventStream.
		opts.ExcludeResponseBody = true
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if body, err = io.ReadAll(res.Body); err != nil {
			return nil, err
		}
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(body))
	default:
		opts.ExcludeResponseBody = true // XML, HTML, JS, CSS, files
	}
	// The request body was consumed by the transport; validation of the
	// response does not need it.
	vreq := req.Clone(context.Background())
	vreq.Body = http.NoBody
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	verr := openapi3filter.ValidateResponse(context.Background(), in)
	assert.NoErrorf(c.t, verr, "openapi: %s %s → %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, verr, body)
	return res, nil
}

func TestOpenAPI_Document(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	ts := startServer(t, config{})
	res := ts.do(t, "GET", "/openapi.json", "")
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, openAPIDoc, res.body)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))

	// Every route of the server is described, with the statuses the issue
	// lists for it.
	want := map[string]map[string][]string{
		"/events":                 {"get": {"200", "304", "406"}, "head": {"200", "304"}},
		"/events/{id}":            {"get": {"200", "304", "404", "406"}},
		"/events/{id}/summary":    {"get": {"200", "304", "404"}},
		"/status":                 {"get": {"200"}},
		"/users/{id}":             {"get": {"200", "304", "404", "406"}, "patch": {"200", "400", "409", "412", "415", "422"}},
		"/documents":              {"post": {"201", "400", "415", "422"}},
		"/documents/{id}":         {"get": {"200", "304", "404"}, "put": {"200", "201", "412", "428"}, "patch": {"200", "409", "412", "428"}, "delete": {"204", "412", "428"}},
		"/reports":                {"post": {"202", "400", "415", "422"}},
		"/reports/{rid}":          {"get": {"200", "304", "404"}},
		"/jobs/{id}":              {"get": {"200", "303", "404"}, "delete": {"202", "404", "409"}},
		"/uploads":                {"post": {"201"}},
		"/uploads/{id}":           {"get": {"200", "404"}},
		"/uploads/{id}/parts/{n}": {"put": {"200", "400", "404", "409"}},
		"/uploads/{id}/complete":  {"post": {"202", "400", "409"}},
		"/files/{id}":             {"get": {"200", "304", "404"}},
		"/openapi.json":           {"get": {"200"}},
		"/":                       {"get": {"200"}},
		"/static/{name}":          {"get": {"200", "404"}},
	}
	for path, ops := range want {
		item := doc.Paths.Find(path)
		require.NotNil(t, item, path)
		for method, statuses := range ops {
			op := item.GetOperation(strings.ToUpper(method))
			require.NotNil(t, op, "%s %s", method, path)
			for _, s := range statuses {
				assert.NotNil(t, op.Responses.Value(s), "%s %s lacks %s", method, path, s)
			}
		}
	}
	assert.Equal(t, len(want), doc.Paths.Len(), "a path in openapi.json that the test does not know")
}

// TestOpenAPI_CheckerCatchesMismatch makes sure the checker used by every
// test can fail: a status the document does not list is reported.
func TestOpenAPI_CheckerCatchesMismatch(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	undocumented := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"error":{"code":"X","message":"x"}}`))
	})
	wrongShape := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"events":[{"id":1}]}`))
	})
	for _, h := range []http.Handler{undocumented, wrongShape} {
		rec.errors = nil
		c := &openAPIChecker{t: rec, next: handlerTransport{h}}
		doc := loadOpenAPI(t)
		doc.Servers = openapi3.Servers{{URL: "http://example.test"}}
		var err error
		c.router, err = gorillamux.NewRouter(doc)
		require.NoError(t, err)
		req, _ := http.NewRequest("GET", "http://example.test/events", nil)
		res, err := c.RoundTrip(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.NotEmpty(t, rec.errors)
	}
}

// recordingTB records Errorf calls instead of failing.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

// handlerTransport answers requests with a handler, in memory (httptest.
// ResponseRecorder would do, but this keeps the status of WriteHeader only).
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := newRecorder()
	ht.h.ServeHTTP(w, req)
	return &http.Response{StatusCode: w.status, Header: w.header, Body: io.NopCloser(bytes.NewReader(w.body.Bytes())), Request: req}, nil
}

type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{status: 200, header: http.Header{}} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// TestOpenAPI_OptionalMembers proves with the response validator what
// openapi.json says: a user without phone or address.zip and a document
// without content are valid responses, one without a required member is
// not (RFC 7396 §2: merge patch null removes members).
func TestOpenAPI_OptionalMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, body string
		valid            bool
	}{
		{"user without phone and zip", "/users/1", `{"id":"1","name":"Ada","email":"a@b","address":{"city":"London"},"preferences":{"theme":"dark","notifications":true}}`, true},
		{"user without name", "/users/1", `{"id":"1","email":"a@b","address":{"city":"London"},"preferences":{"theme":"dark","notifications":true}}`, false},
		{"user without address.city", "/users/1", `{"id":"1","name":"Ada","email":"a@b","address":{"zip":"N1"},"preferences":{"theme":"dark","notifications":true}}`, false},
		{"document without content", "/documents/1", `{"id":"1","title":"Plan","created_at":"2025-06-01T12:00:00Z","updated_at":"2025-06-01T12:00:00Z"}`, true},
		{"document without title", "/documents/1", `{"id":"1","content":"x","created_at":"2025-06-01T12:00:00Z","updated_at":"2025-06-01T12:00:00Z"}`, false},
	}
	doc := loadOpenAPI(t)
	doc.Servers = openapi3.Servers{{URL: "http://example.test"}}
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingTB{TB: t}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("ETag", `"1"`)
				w.Header().Set("Cache-Control", "private, max-age=300")
				_, _ = w.Write([]byte(tc.body))
			})
			c := &openAPIChecker{t: rec, router: router, next: handlerTransport{h}}
			req, _ := http.NewRequest("GET", "http://example.test"+tc.path, nil)
			res, err := c.RoundTrip(req)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			if tc.valid {
				assert.Empty(t, rec.errors)
			} else {
				assert.NotEmpty(t, rec.errors)
			}
		})
	}
}
