package etag

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/internal/precond"
)

// TestOutcomeAgrees holds outcome, which answers a matching If-None-Match
// without If-Match at once, to precond.Evaluate on every combination of
// If-Match and If-None-Match fields that are and are not the current tag's
// header form, with the header form known and not (RFC 9110 §13.2.2).
func TestOutcomeAgrees(t *testing.T) {
	t.Parallel()
	fields := []string{"", `"a"`, `W/"a"`, `"b"`, `"b", "a"`, `*`, ` "a"`, `bogus`, "\"b\"\n\"a\""}
	lines := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	for _, tag := range []Tag{{Opaque: "a"}, {Opaque: "a", Weak: true}} {
		for _, hdr := range []string{tag.String(), ""} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				for _, imf := range fields {
					for _, inmf := range fields {
						im, inm := lines(imf), lines(inmf)
						h := http.Header{}
						if im != nil {
							h["If-Match"] = im
						}
						if inm != nil {
							h["If-None-Match"] = inm
						}
						r := &http.Request{Method: method, Header: h}
						in := precond.Input{Method: method, Header: h, Exists: true,
							IfMatch:     precond.Field(im, precond.Match(Match(im, tag, false))),
							IfNoneMatch: precond.Field(inm, precond.Match(Match(inm, tag, true)))}
						assert.Equalf(t, precond.Evaluate(&in), outcome(r, tag, hdr, im, inm),
							"%s If-Match %q If-None-Match %q tag %#v hdr %q", method, imf, inmf, tag, hdr)
					}
				}
			}
		}
	}
}
