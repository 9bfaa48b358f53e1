package negotiate

import (
	"github.com/httpsem/httpsem/httperr"
)

// Options configures [Middleware], [CheckContentType] and [NewRenderer]. The
// zero value checks nothing and renders JSON and XML, answering 406 when the
// client accepts neither.
type Options struct {
	// Consumes lists the media types a route accepts in request bodies
	// ("application/json", "image/*"). A request that has a body whose
	// Content-Type is missing, malformed or not listed is answered with
	// 415 Unsupported Media Type. Parameters such as charset are ignored on
	// both sides. Entries that do not parse are ignored (a list with no valid
	// entry refuses every body). Default: empty, no check.
	Consumes []string

	// MatchSuffix lets a structured-syntax suffix (RFC 6838 §4.2.8) satisfy
	// Consumes: "application/vnd.acme+json" is accepted where
	// "application/json" is listed. Default: false, exact type/subtype only.
	MatchSuffix bool

	// Produces lists the media types a route can answer with, in order of
	// preference. [Middleware] answers 406 Not Acceptable before calling the
	// handler when the request's Accept allows none of them, and adds
	// "Accept" to Vary. Default: empty, no Accept check in the middleware.
	Produces []string

	// Encoders are the representations a [Renderer] can produce, in order of
	// preference (the first is the default). Default: nil, meaning
	// [JSON] then [XML]; a non-nil list is used as is.
	Encoders []Encoder

	// ServeDefault makes [Middleware] and [Renderer] serve the first
	// offered type when the request accepts none of them, instead of 406;
	// RFC 9110 §12.5.1 allows either. Default: false, 406.
	ServeDefault bool

	// ErrorWriter renders the 406 and 415 (and a [Renderer]'s 500) errors.
	// Default: nil, the JSON envelope of [httperr.JSON].
	ErrorWriter httperr.Writer
}
