// Package cache is a private HTTP cache (RFC 9111) as an http.RoundTripper:
// put a [Transport] in an http.Client and repeated GETs are answered from
// storage while the server says they may be.
//
// It implements, for a private (single-user) cache:
//
//   - storing (§3): GET responses with a status it understands; never with
//     no-store on the request or the response (§5.2.1.5, §5.2.2.5); private
//     responses are stored, as a private cache may (§5.2.2.7); Vary: * is
//     not; hop-by-hop fields are dropped (§3.1);
//   - freshness (§4.2): max-age, else Expires minus Date (an invalid Expires
//     is stale, §5.3), s-maxage ignored as shared-only; current age from
//     Date, Age and the request and response times (§4.2.3); heuristic
//     freshness only with Options.Heuristic (§4.2.2);
//   - variants (§4.1): each Vary field's request value, lists normalised;
//   - validation (§4.3): stale or no-cache/must-revalidate entries are
//     revalidated with If-None-Match and If-Modified-Since; a 304 updates the
//     stored header (§3.2, §4.3.4) and the stored response is returned;
//   - request directives (§5.2.1): no-cache (and Pragma: no-cache, §5.4),
//     max-age, min-fresh, max-stale (never past must-revalidate, §5.2.2.2),
//     only-if-cached (504 when nothing is stored, §5.2.1.7);
//   - invalidation (§4.4): a non-error response to an unsafe method drops
//     the target URI and same-origin Location and Content-Location.
//
// HEAD is answered from a stored GET while that is usable, else forwarded;
// HEAD responses, ranges and requests carrying the caller's own conditional
// headers are not stored. Every response carries a Cache-Status member
// (RFC 9211) named [StatusName]; [OutcomeOf] and [FromCache] read it, and
// Options.OutcomeFunc is told as well.
//
// Cache-Control is parsed by the server-side package
// github.com/httpsem/httpsem/cache, entity tags by package etag, dates,
// delta-seconds and lists by the shared header helpers.
//
// Storage sits behind [Store]. The default, [Memory], is an LRU bounded in
// bytes (DefaultMaxBytes 32 MiB); a body over DefaultMaxEntryBytes (1 MiB)
// streams through unstored; at most DefaultMaxVariants (8) variants per URL
// and MaxVaryFields (16) Vary names. Numeric options: zero means the default;
// a negative value is rejected by [New] (an unbounded cache is a leak).
package cache
