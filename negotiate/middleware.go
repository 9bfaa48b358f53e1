package negotiate

import (
	"net/http"
	"slices"

	"github.com/httpsem/httpsem/internal/header"
)

// Middleware returns middleware that enforces a route's media types before
// the handler runs:
//
//   - With [Options.Consumes], a request with a body whose Content-Type is not
//     listed gets 415 Unsupported Media Type (see [CheckContentType]).
//   - With [Options.Produces], "Accept" is added to Vary and a request whose
//     Accept header allows none of the types gets 406 Not Acceptable listing
//     them (or, with [Options.ServeDefault], reaches the handler anyway).
//
// The 415 check runs first: RFC 9110 does not order the two, and a request
// whose content cannot be processed fails whatever it accepts. Options are
// parsed once here; the returned middleware is safe for concurrent use and
// does not wrap the ResponseWriter.
func Middleware(opts Options) func(http.Handler) http.Handler {
	var consume *consumer
	if len(opts.Consumes) > 0 {
		consume = newConsumer(opts.Consumes, opts.MatchSuffix)
	}
	produces := slices.Clone(opts.Produces)
	parsed := parseOffers(produces)
	serveDefault, wr := opts.ServeDefault, opts.ErrorWriter
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if consume != nil && hasBody(r) && !consume.check(w, r, wr) {
				return
			}
			if len(produces) > 0 {
				header.AddVary(w.Header(), "Accept")
				if !serveDefault && selectParsed(r.Header.Values("Accept"), parsed) < 0 {
					notAcceptable(w, r, wr, produces)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
