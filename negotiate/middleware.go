package negotiate

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/httpsem/httpsem/internal/header"
)

// NewMiddleware returns middleware that enforces a route's media types before
// the handler runs:
//
//   - With [Options.Consumes], a request with a body whose Content-Type is not
//     listed gets 415 Unsupported Media Type (see [CheckContentType]).
//   - With [Options.Produces], "Accept" is added to Vary and a request whose
//     Accept header allows none of the types gets 406 Not Acceptable listing
//     them (or, with [Options.ServeDefault], reaches the handler anyway).
//
// It reads Consumes, MatchSuffix, Produces, ServeDefault and ErrorWriter, and
// reports an error, "negotiate: Options.Produces[i]: ..." or
// "negotiate: Options.Consumes[i]: ...", for an entry that is not a media type
// (Produces: a concrete type/subtype, as [NewRenderer] requires of encoders;
// Consumes: a type/subtype or range such as "image/*") or that is listed
// twice, instead of dropping it silently.
//
// The 415 check runs first: RFC 9110 does not order the two, and a request
// whose content cannot be processed fails whatever it accepts. Options are
// parsed once here; the returned middleware is safe for concurrent use and
// does not wrap the ResponseWriter.
func NewMiddleware(opts Options) (func(http.Handler) http.Handler, error) {
	var consume *consumer
	if len(opts.Consumes) > 0 {
		var err error
		if consume, err = newConsumer(opts.Consumes, opts.MatchSuffix); err != nil {
			return nil, err
		}
	}
	produces := make([]string, 0, len(opts.Produces))
	for i, p := range opts.Produces {
		p = header.TrimOWS(p)
		if _, ok := parseOffer(p); !ok {
			return nil, fmt.Errorf("negotiate: Options.Produces[%d]: %q is not a concrete media type", i, opts.Produces[i])
		}
		if slices.ContainsFunc(produces, func(prev string) bool { return header.EqualFold(prev, p) }) {
			return nil, fmt.Errorf("negotiate: Options.Produces[%d]: %q listed twice", i, opts.Produces[i])
		}
		produces = append(produces, p)
	}
	parsed := parseOffers(produces)
	serveDefault, wr := opts.ServeDefault, opts.ErrorWriter
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if consume != nil && hasBody(r) && !consume.check(w, r, wr) {
				return
			}
			if len(produces) > 0 {
				header.AddVary(w.Header(), "Accept")
				if !serveDefault && !acceptsAny(r.Header["Accept"], parsed) {
					notAcceptable(w, r, wr, produces)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// Middleware is [NewMiddleware] for options written as literals in the
// program, like regexp.MustCompile: it panics when NewMiddleware would report
// an error, so a typo in a route's media types stops the program at start-up
// instead of being dropped. Options built from configuration or user input go
// through NewMiddleware, which returns the error.
func Middleware(opts Options) func(http.Handler) http.Handler {
	mw, err := NewMiddleware(opts)
	if err != nil {
		panic(err)
	}
	return mw
}

func acceptsAny(accept []string, offers []offer) bool {
	i, _ := selectParsed(accept, offers)
	return i >= 0
}
