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
//	tag, i := negotiate.Language(w, r, matcher) // matcher := language.NewMatcher(supported)
//
// [SelectType] and [SelectEncoding] do the same on raw field values, without a
// request or response.
//
// Render a value in the negotiated representation (JSON and XML built in,
// other encoders registered by media type):
//
//	rn, err := negotiate.NewRenderer(negotiate.Options{})
//	...
//	err = rn.Render(w, r, http.StatusOK, user) // 406 and ErrNotAcceptable when nothing fits
//
// Declare what a route consumes and produces, and let [Middleware] answer 415
// (with Accept-Post for POST) and 406 before the handler runs:
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
//     (§12.4.2), never floats.
//   - Accept-Encoding (RFC 9110 §12.5.3): "identity" is acceptable unless
//     refused; "*" covers codings not listed; an empty field means identity
//     only. See [SelectEncoding].
//   - Accept-Language (RFC 9110 §12.5.4): BCP 47 matching is delegated to
//     golang.org/x/text/language.
//   - Content-Type of request content (RFC 9110 §8.3, §15.5.16): parameters
//     are ignored; structured suffixes (RFC 6838 §4.2.8) only with
//     [Options.MatchSuffix]; content without a Content-Type is refused.
//
// Malformed list members are ignored, as RFC 9110 §5.6.1 allows. Accept and
// Accept-Encoding are parsed without allocating and in time linear in the
// field length, so a 64 KiB header of thousands of members costs well under a
// millisecond, never quadratic time; Accept-Language considers at most
// [MaxLanguageRanges] ranges.
//
// # Deviations and choices
//
//   - A "q" parameter ends a media range; anything after it (the accept-ext of
//     RFC 7231, removed in RFC 9110) is ignored.
//   - Without an Accept-Encoding field every coding is acceptable (§12.5.3),
//     but identity is preferred when offered, since such a client most likely
//     decodes nothing.
//   - Accept-Language with no match yields the first supported language
//     rather than 406, as §12.5.4 allows.
//
// References:
//   - RFC 9110 §12 Content Negotiation: https://www.rfc-editor.org/rfc/rfc9110#section-12
//   - RFC 9110 §15.5.7 406 and §15.5.16 415: https://www.rfc-editor.org/rfc/rfc9110#section-15.5.7
//   - RFC 6838 §4.2.8 structured syntax suffixes: https://www.rfc-editor.org/rfc/rfc6838#section-4.2.8
//   - RFC 5789 §3.1 Accept-Patch: https://www.rfc-editor.org/rfc/rfc5789#section-3.1
//   - W3C LDP §7.1 Accept-Post: https://www.w3.org/TR/ldp/#header-accept-post
package negotiate
