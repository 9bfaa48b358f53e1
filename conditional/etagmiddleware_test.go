package conditional

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/etag"
)

// TestEtagMiddlewareAgreesWithEvaluate pins the one place where the
// evaluation order of RFC 9110 §13.2.2 exists twice. etag.Middleware cannot
// call this package (this package imports etag), so it evaluates the
// entity-tag steps itself (step 1 If-Match, step 3 If-None-Match). For a
// representation whose only validator is the tag the middleware computes,
// its answer must be exactly Evaluate's, for every combination of those
// fields on GET and HEAD.
func TestEtagMiddlewareAgreesWithEvaluate(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":1,"title":"GopherCon"}`)
	cur := etag.FromBytes(body)
	members := []string{
		"",                         // field absent
		"*",                        // §13.1.1 / §13.1.2 "*"
		cur.String(),               // matches, strong
		etag.Weak(cur).String(),    // matches weakly only
		`"other"`,                  // does not match
		`"other", ` + cur.String(), // list containing the tag
		`W/"other", ` + etag.Weak(cur).String(),
		`garbage`,                        // no valid member: treated as absent
		`"unterminated, ` + cur.String(), // malformed then valid
		`,,` + cur.String() + `,,`,       // empty list elements (§5.6.1)
	}
	handler := etag.Middleware(etag.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	n := 0
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, im := range members {
			for _, inm := range members {
				name := fmt.Sprintf("%s If-Match=%q If-None-Match=%q", method, im, inm)
				req := httptest.NewRequest(method, "/", nil)
				if im != "" {
					req.Header.Set("If-Match", im)
				}
				if inm != "" {
					req.Header.Set("If-None-Match", inm)
				}
				want := Evaluate(req, Validators{ETag: cur}, Options{}).Status()
				if want == 0 {
					want = http.StatusOK
				}
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				assert.Equal(t, want, rec.Code, name)
				n++
			}
		}
	}
	assert.Equal(t, 2*len(members)*len(members), n)
}
