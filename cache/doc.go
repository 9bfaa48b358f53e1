// Package cache reads and writes Cache-Control (RFC 9111 §5.2) and applies a
// caching policy to a route's responses.
//
// [Control] is a typed Cache-Control value with every response directive of
// RFC 9111 §5.2.2, immutable (RFC 8246), stale-while-revalidate and
// stale-if-error (RFC 5861), and the request directives of §5.2.1.
// [Control.String] formats it with a stable directive order; [Parse] reads
// request and response fields, tolerating what §5.2 and §4.2.1 ask caches to
// tolerate, without allocating for common headers.
//
// # Presets
//
// Each preset returns a [Control] to use as is or adjust:
//
//	Preset           Cache-Control                         For
//	StaticAsset()    public, max-age=31536000, immutable   fingerprinted files (app.3f9a2c.js): the URL changes when the content does
//	UserSpecific()   private, max-age=300                  data about the signed-in user; the browser may reuse it, shared caches may not store it
//	RealTime()       no-store                              prices, live status: stale the moment it is sent
//	PublicListing()  public, max-age=60                    lists and pages the same for everyone, allowed to lag a minute
//	Credentials()    no-store                              tokens, passwords, keys (RFC 6749 §5.1 requires it of token responses)
//
// # no-cache is not no-store
//
// The common mistake is sending no-cache to keep a response out of caches.
// no-cache lets every cache store the response; it only forbids reusing it
// without first asking the origin whether it is still current (RFC 9111
// §5.2.2.4), typically with If-None-Match and a cheap 304. That is the right
// choice for content that changes at unpredictable times but is expensive to
// resend. no-store forbids keeping any copy at all (§5.2.2.5) and is the only
// directive that keeps secrets off disks; every request then costs a full
// response. private sits between: the user's browser may store and reuse the
// response, shared caches (CDNs, proxies) may not (§5.2.2.7).
//
// # Middleware
//
// [Middleware] sets the policy of [Options.Control] on 2xx and 304 responses
// whose handler chose no policy itself, never lets a response to a request
// with Authorization become shareable unless told to (RFC 9111 §3.5), puts
// "no-store" on 5xx responses and merges [Options.Vary] into Vary. Handlers
// that vary their response on a request field call [AddVary], which every
// httpsem package uses, so Vary never lists a name twice. Handlers that set
// Cache-Control themselves apply the same Authorization rule with
// [PrivateIfAuthorized].
//
// # Choices where RFC 9111 leaves room
//
//   - Duplicated directives: the first occurrence counts, except that the
//     unqualified private and no-cache beat their field-list forms (the most
//     restrictive reading); see [Parse] for every parsing rule.
//   - An argument on a directive that takes none ("no-store=1") is ignored
//     and the directive honoured, since dropping it could make a response
//     cacheable that its sender meant to protect.
//   - The middleware replaces a handler's Cache-Control on 5xx responses by
//     default ([Options.HonorServerErrorControl] turns that off) and treats a
//     handler's Expires like its Cache-Control: as a decision it leaves alone.
//   - Only the Authorization field marks a request as authenticated for the
//     §3.5 rule; cookie-authenticated routes need a private policy.
//   - Whitespace around "=" ("max-age = 60") is outside the §5.2 grammar; the
//     argument is invalid, so max-age and s-maxage read as 0 (§4.2.1: invalid
//     freshness is stale), never as absent, which could let a cache apply a
//     heuristic lifetime. A malformed member that starts with no-store,
//     no-cache, private or another restrictive directive is honoured rather
//     than skipped.
//
// # Options
//
// [Options] follows the rule every httpsem package uses: its zero value is the
// safe default, and a numeric limit would read zero as its exported DefaultXxx
// constant and a negative value as "none". Options has no numeric field today;
// the parser's one limit, [MaxExtensions], is a constant.
//
// An integration test runs nginx as a caching reverse proxy in front of this
// package, etag and conditional and checks through $upstream_cache_status
// that public responses are HITs, private and no-store ones never are, and
// that an expired entry is revalidated with If-None-Match and refreshed by
// the origin's 304, and that responses with Vary: Accept are stored per
// variant (nginx keys variants by the Vary fields since 1.7.7).
//
// References:
//   - RFC 9111, HTTP Caching: https://www.rfc-editor.org/rfc/rfc9111
//   - RFC 8246, immutable: https://www.rfc-editor.org/rfc/rfc8246
//   - RFC 5861, stale-while-revalidate and stale-if-error: https://www.rfc-editor.org/rfc/rfc5861
//   - RFC 9110 §12.5.5, Vary: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.5
package cache
