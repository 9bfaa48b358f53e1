package negotiate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
