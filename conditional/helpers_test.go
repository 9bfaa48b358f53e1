package conditional

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/httpsem/httpsem/etag"
)

// Fixed instants shared by the tests. lm has a sub-second part so that every
// comparison exercises the one-second resolution of Last-Modified.
var (
	lm  = time.Date(2024, time.May, 1, 12, 0, 0, 500_000_000, time.UTC)
	now = lm.Add(time.Hour)

	tagA     = etag.Tag{Opaque: "a"}
	weakTagA = etag.Tag{Opaque: "a", Weak: true}
)

func fixedNow() time.Time { return now }

// httpDate formats t as an IMF-fixdate.
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// rfc850 and asctime format t in the two obsolete HTTP-date forms.
func rfc850(t time.Time) string  { return t.UTC().Format("Monday, 02-Jan-06 15:04:05 GMT") }
func asctime(t time.Time) string { return t.UTC().Format(time.ANSIC) }

// hdr builds a header from name/value pairs; a name may repeat to produce
// several field lines.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func newRequest(method string, h http.Header) *http.Request {
	r := httptest.NewRequest(method, "/r", nil)
	r.Header = h
	return r
}
