// Package negotiate implements proactive content negotiation (RFC 9110 §12):
// choosing the media type, content coding and language of a response from the
// request's Accept, Accept-Encoding and Accept-Language fields, answering
// 406 Not Acceptable when nothing offered is acceptable, and refusing request
// content of an unsupported media type with 415 Unsupported Media Type.
//
// # Tour
//
// Pick a media type, coding or language; each helper adds the request field it
// consulted to Vary (RFC 9110 §12.5.5), so caches keep the variants apart:
//
//	typ, ok := negotiate.Type(w, r, "application/json", "text/csv")
//	coding, ok := negotiate.Encoding(w, r, "br", "gzip", negotiate.Identity)
//	tag, i, ok := negotiate.Language(w, r, langs) // langs := negotiate.MustLanguages(language.English, ...)
//
// [SelectType], [SelectEncoding] and [Languages.Select] do the same on raw
// field values, without a request or response.
//
// Render a value in the negotiated representation (JSON and XML built in,
// other encoders registered by media type):
//
//	rn, err := negotiate.NewRenderer(negotiate.Options{})
//	...
//	err = rn.Render(w, r, http.StatusOK, user) // 406 and ErrNotAcceptable when nothing fits
//
// Declare what a route consumes and produces, and let the middleware answer
// 415 (with Accept-Post for POST) and 406 before the handler runs. [Middleware]
// takes options written as literals and panics on an invalid media type, so
// a typo stops the program at start-up; [NewMiddleware] returns the error,
// for options read from configuration:
//
//	mw := negotiate.Middleware(negotiate.Options{
//		Consumes: []string{"application/json"},
//		Produces: []string{"application/json"},
//	})
//
// # Rules
//
//   - Accept (RFC 9110 §12.5.1): the most specific matching range gives an
//     offer its weight; q=0 excludes; the highest weight wins and ties go to
//     the server's order; no Accept field, or one without a valid member,
//     selects the first offer. Weights are integers in thousandths
//     (§12.4.2), never floats. "q" is the weight wherever it appears among
//     the parameters (§12.4.2); the others, before or after it, are
//     media-range parameters and must match.
//   - A JSON offer (application/json, any +json) satisfies charset=utf-8
//     without carrying it, in any case (RFC 8259 §8.1: JSON is UTF-8);
//     [Encoder.Implicit] declares such parameters for other formats.
//   - An encoder that cannot represent a value declines it
//     ([ErrUnsupportedValue]); the [Renderer] then serves the next
//     acceptable representation or answers 406, never 500.
//   - Accept-Encoding (RFC 9110 §12.5.3): "identity" is acceptable unless
//     refused; "*" covers codings not listed; an empty field means identity
//     only. See [SelectEncoding].
//   - Accept-Language (RFC 9110 §12.5.4): BCP 47 matching is delegated to
//     golang.org/x/text/language; around it, q=0 refuses the tags a range
//     matches (RFC 4647 basic filtering) and "*" weighs the tags no other
//     range matches. See [Languages.Select].
//   - Content-Type of request content (RFC 9110 §8.3, §15.5.16): parameters
//     are ignored; structured suffixes (RFC 6838 §4.2.8) only with
//     [Options.MatchSuffix]; content without a Content-Type is refused.
//
// Malformed list members are ignored, as RFC 9110 §5.6.1 allows. Accept and
// Accept-Encoding are parsed without allocating and in time linear in the
// field length (tests count the operations), so a 64 KiB header of thousands
// of members costs well under a millisecond, never quadratic time;
// Accept-Language considers at most [MaxLanguageRanges] ranges of at most
// [MaxLanguageRangeLength] bytes.
//
// # Options
//
// One [Options] value configures the middleware, [CheckContentType] and the
// [Renderer]; each field names the consumers that read it. Its zero value is
// the safe default. Constructors reject what they cannot honour, all the
// same way: an error "negotiate: Options.Field[i]: ..." from [NewMiddleware]
// and [NewRenderer]. By the rule every httpsem package follows, a numeric
// limit in Options would read zero as its DefaultXxx constant and a negative
// value as "none"; this package has no numeric option today, and its limits
// ([MaxLanguageRanges], [MaxLanguageRangeLength], [MaxPooledBuffer]) are
// constants.
//
// # Deviations and choices
//
//   - A "q" parameter anywhere is the weight and the parameters after it are
//     media-range parameters, as RFC 9110 §12.4.2 asks of recipients (RFC
//     7231's accept-ext after q no longer exists); a second q makes the
//     member invalid.
//   - Without an Accept-Encoding field every coding is acceptable (§12.5.3),
//     but identity is preferred when offered, since such a client most likely
//     decodes nothing.
//   - Accept-Language with nothing acceptable is reported (ok == false) with
//     a default the client did not refuse; serving it rather than 406 is the
//     caller's choice, as §12.5.4 allows. Refusals use RFC 4647 basic
//     filtering on the tags as written, so "en;q=0" refuses en-GB too while
//     "en-GB;q=0" does not refuse en.
//
// References:
//   - RFC 9110 §12 Content Negotiation: https://www.rfc-editor.org/rfc/rfc9110#section-12
//   - RFC 9110 §15.5.7 406 and §15.5.16 415: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.7
//   - RFC 6838 §4.2.8 structured syntax suffixes: https://www.rfc-editor.org/rfc/rfc6838#section-4.2.8
//   - RFC 5789 §3.1 Accept-Patch: https://www.rfc-editor.org/rfc/rfc5789#section-3.1
//   - W3C LDP §7.1 Accept-Post: https://www.w3.org/TR/ldp/#header-accept-post
package negotiate
