package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	both := Options{Consumes: []string{"application/json"}, Produces: []string{"application/json", "text/csv"}}
	tests := []struct {
		name    string
		opts    Options
		method  string
		ct      string
		body    string
		accept  string
		status  int
		vary    string
		handled bool
	}{
		{"zero options pass", Options{}, "POST", "", "x", "image/png", 200, "", true},
		{"acceptable", both, "POST", "application/json", "{}", "text/csv", 200, "Accept", true},
		{"no accept", both, "GET", "", "", "", 200, "Accept", true},
		// RFC 9110 §15.5.7.
		{"406", both, "GET", "", "", "image/png", 406, "Accept", false},
		{"406 q=0", both, "GET", "", "", "application/json;q=0, text/csv;q=0", 406, "Accept", false},
		{"serve default", Options{Produces: []string{"application/json"}, ServeDefault: true}, "GET", "", "", "image/png", 200, "Accept", true},
		// RFC 9110 §15.5.16; the 415 check runs first.
		{"415 before 406", both, "POST", "text/plain", "x", "image/png", 415, "", false},
		{"415 missing type", both, "PUT", "", "{}", "", 415, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			handled := false
			h := Middleware(tt.opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				handled = true
			}))
			r := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.handled, handled)
			assert.Equal(t, tt.vary, w.Header().Get("Vary"))
			if tt.status == 406 {
				assert.JSONEq(t, `{"error":{"code":"NOT_ACCEPTABLE","message":"none of the available media types is acceptable","available":["application/json","text/csv"]}}`, w.Body.String())
			}
		})
	}
}

// The middleware copies Options slices: later changes by the caller do not
// leak into requests in flight.
func TestMiddlewareCopiesOptions(t *testing.T) {
	t.Parallel()
	opts := Options{Produces: []string{"application/json"}, Consumes: []string{"application/json"}}
	h := Middleware(opts)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	opts.Produces[0], opts.Consumes[0] = "text/plain", "text/plain"
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code)
}

// NewMiddleware rejects what it cannot honour instead of dropping it, with
// the field named the way every constructor names it; Middleware panics on
// the same options, since they are literals in the program.
func TestNewMiddlewareRejectsInvalidOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   Options
		prefix string
	}{
		{"produces wildcard", Options{Produces: []string{"application/json", "text/*"}}, "negotiate: Options.Produces[1]: "},
		{"produces star star", Options{Produces: []string{"*/*"}}, "negotiate: Options.Produces[0]: "},
		{"produces not a type", Options{Produces: []string{"json"}}, "negotiate: Options.Produces[0]: "},
		{"produces bad params", Options{Produces: []string{"text/html;level"}}, "negotiate: Options.Produces[0]: "},
		{"produces weight", Options{Produces: []string{"text/html;q=0.5"}}, "negotiate: Options.Produces[0]: "},
		{"produces duplicate", Options{Produces: []string{"application/json", " Application/JSON"}}, "negotiate: Options.Produces[1]: "},
		{"consumes not a type", Options{Consumes: []string{"json"}}, "negotiate: Options.Consumes[0]: "},
		{"consumes star subtype type", Options{Consumes: []string{"*/json"}}, "negotiate: Options.Consumes[0]: "},
		{"consumes bad params", Options{Consumes: []string{"application/json;charset"}}, "negotiate: Options.Consumes[0]: "},
		{"consumes duplicate", Options{Consumes: []string{"application/json", "application/json; charset=utf-8"}}, "negotiate: Options.Consumes[1]: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := NewMiddleware(tt.opts)
			require.Error(t, err)
			assert.Nil(t, mw)
			assert.True(t, strings.HasPrefix(err.Error(), tt.prefix), err.Error())
			assert.PanicsWithError(t, err.Error(), func() { Middleware(tt.opts) })
		})
	}
	for _, ok := range []Options{
		{},
		{Consumes: []string{"image/*", "*/*", "application/json; charset=utf-8"}},
		{Produces: []string{"application/json", "text/csv;charset=utf-8"}},
	} {
		_, err := NewMiddleware(ok)
		assert.NoError(t, err, "%+v", ok)
	}
}

// RFC 8259 §8.1: the JSON clients that send a charset get JSON, not 406.
func TestMiddlewareJSONCharset(t *testing.T) {
	t.Parallel()
	h := Middleware(Options{Produces: []string{"application/json"}})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for accept, want := range map[string]int{
		"application/json; charset=utf-8":     http.StatusOK,
		"application/json;charset=UTF-8":      http.StatusOK,
		"application/json;charset=iso-8859-1": http.StatusNotAcceptable,
		"text/html;q=0.5;level=1":             http.StatusNotAcceptable, // RFC 9110 §12.4.2
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, want, w.Code, accept)
	}
}
