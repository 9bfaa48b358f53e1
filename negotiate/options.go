package negotiate

import (
	"github.com/httpsem/httpsem/httperr"
)

// Options configures [NewMiddleware] (and [Middleware]), [CheckContentType]
// and [NewRenderer]. Each field says which of them reads it; a field a
// consumer does not read is ignored by it, so one Options value can serve a
// route's middleware and its renderer. The zero value checks nothing and
// renders JSON and XML, answering 406 when the client accepts neither.
type Options struct {
	// Consumes lists the media types a route accepts in request bodies
	// ("application/json", "image/*"). A request that has a body whose
	// Content-Type is missing, malformed or not listed is answered with
	// 415 Unsupported Media Type. Parameters such as charset are ignored on
	// both sides. Read by NewMiddleware, which rejects an entry that is not
	// a media type or range, or is listed twice, and by CheckContentType,
	// which has no error to return and skips such entries. Default: empty,
	// no check.
	Consumes []string

	// MatchSuffix lets a structured-syntax suffix (RFC 6838 §4.2.8) satisfy
	// Consumes: "application/vnd.acme+json" is accepted where
	// "application/json" is listed. Read by NewMiddleware and
	// CheckContentType. Default: false, exact type/subtype only.
	MatchSuffix bool

	// Produces lists the media types a route can answer with, in order of
	// preference. The middleware answers 406 Not Acceptable before calling
	// the handler when the request's Accept allows none of them, and adds
	// "Accept" to Vary. A JSON type satisfies charset=utf-8 without listing
	// it (RFC 8259 §8.1); other implicit parameters are written into the
	// entry ("text/csv;charset=utf-8"). Read by NewMiddleware only, which
	// rejects an entry that is not a concrete type/subtype or is listed
	// twice. Default: empty, no Accept check.
	Produces []string

	// Encoders are the representations a [Renderer] can produce, in order of
	// preference (the first is the default). Read by NewRenderer only.
	// Default: nil, meaning [JSON] then [XML]; a non-nil list is used as is.
	Encoders []Encoder

	// ServeDefault serves the first offered type when the request accepts
	// none of them, instead of 406; RFC 9110 §12.5.1 allows either. Read by
	// NewMiddleware (for Produces) and NewRenderer. Default: false, 406.
	ServeDefault bool

	// ErrorWriter renders the 406 and 415 (and a Renderer's 500) errors.
	// Read by NewMiddleware, CheckContentType and NewRenderer. Default: nil,
	// the JSON envelope of [httperr.JSON].
	ErrorWriter httperr.Writer
}
