// Package webhook signs, delivers and verifies webhooks in the Standard
// Webhooks scheme, with the sender protected against server-side request
// forgery (SSRF).
//
// It is the callback half of [github.com/httpsem/httpsem/asyncjob], kept as a
// leaf package so that a receiver can verify deliveries without importing the
// job manager.
//
// # Signing scheme
//
// Every delivery is a POST whose body is the payload and whose headers are
//
//	webhook-id:        msg_2KWPBgLlAfxdpx2AI54pPJ85f4W       (same on every retry)
//	webhook-timestamp: 1674087231                            (unix seconds of this attempt)
//	webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=
//
// where the signature is the base64 of HMAC-SHA256 over "id.timestamp.body"
// under a shared secret, and secrets are exchanged as "whsec_" followed by
// base64 ([ParseSecret], [FormatSecret], [NewSecret]). The signature header
// may list several space-separated signatures, so a sender can rotate
// secrets without downtime. [Sign] reproduces the specification's reference
// vector.
//
// # Receiving
//
// [Verify] checks the headers against the exact body bytes: the timestamp
// must lie within [DefaultTolerance] (5 minutes) of now in either direction,
// and some "v1" signature must match, compared in constant time. Every
// failure is a sentinel ([ErrSignatureMismatch], [ErrTimestampTooOld], …) or
// a [*HeaderError]; any error means "reject". Verify does not remember ids:
// deduplicate on webhook-id to process each message once.
//
// # Sending
//
// [NewSender] builds a [Sender] whose [Sender.Send] signs, POSTs and retries:
// network errors, 5xx and 429 are retried up to [Options].MaxAttempts with
// exponential backoff and full jitter (honouring Retry-After up to
// MaxBackoff); other statuses end the delivery. Each attempt has its own
// timeout and timestamp; waiting ends at once when the context does. The
// result is an [Outcome]. [Sender.Notify] makes a single attempt instead,
// for callers that keep the retry schedule themselves: asyncjob keeps it in
// its store, as a durable outbox (*Sender is an asyncjob.Notifier).
//
// # SSRF protection
//
// A webhook URL comes from a client, and the server fetches it: without a
// guard, "http://169.254.169.254/" or "http://10.0.0.5:6379/" would make the
// service attack its own network. Protection is on by default and has two
// layers:
//
//   - [ValidateURL] rejects, before any job runs, URLs that are not absolute
//     http/https, that carry userinfo, lack a host, have a bad port, use the
//     numeric host forms some resolvers read as IPv4 ("2130706433",
//     "0x7f.1"), name "localhost", or name a forbidden IP literal.
//   - The Sender's [net.Dialer] has a Control function that judges the
//     address actually being connected to, after DNS resolution. A name that
//     resolved to a public address when checked and to a private one at
//     delivery (DNS rebinding) is still refused, and a refusal is not
//     retried.
//
// Forbidden are loopback, unspecified, private (RFC 1918, fc00::/7), shared
// address space (100.64.0.0/10), link-local (including cloud metadata at
// 169.254.169.254), multicast, broadcast, documentation, benchmarking and
// reserved ranges, deprecated IPv4-compatible and site-local IPv6, and IPv6
// forms that reach IPv4 (IPv4-mapped, NAT64 64:ff9b::/96, 6to4, Teredo) when
// the IPv4 address inside is forbidden. [Options].AllowLoopback permits
// loopback only, for development and tests; the other ranges stay refused.
//
// Redirects are never followed: a 3xx answer is a failed delivery (the
// specification advises the receiver to update its URL), and following it
// would send the signed payload to a URL nobody validated. Webhooks never use
// an HTTP proxy (HTTP_PROXY is ignored), since the guard must see the
// receiver's address, not the proxy's. A receiver's response body is read up
// to [MaxResponseDrain] bytes and discarded, so a hostile receiver cannot
// make the sender read forever.
//
// # Limits
//
//   - Secrets: [MinSecretLen] to [MaxSecretLen] bytes, as the specification
//     asks (24 bytes to 512 bits).
//   - Callback URLs: [MaxURLLength] bytes.
//   - Message ids: 1–256 visible ASCII bytes without '.', because the
//     specification forbids a dot in the signed id.
//   - webhook-timestamp: 1–18 ASCII digits, no sign.
//   - Per attempt: [DefaultTimeout] (15 s); attempts: [DefaultMaxAttempts].
//
// # Deviations and choices
//
// The specification's example retry schedule spans days; a Sender retries
// within one call (seconds to a few minutes with the defaults), because it
// runs inside a job's lifetime. A service needing longer schedules calls Send again later with
// the same id. [ParseSecret] requires the "whsec_" prefix, where some
// libraries also take bare base64, so an asymmetric key cannot be mistaken
// for an HMAC secret. Asymmetric ("v1a", ed25519) signatures are not
// produced; Verify ignores them.
//
// References:
//   - Standard Webhooks specification: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
//   - HMAC: https://www.rfc-editor.org/rfc/rfc2104
//   - Base64: https://www.rfc-editor.org/rfc/rfc4648#section-4
//   - Retry-After: https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
//   - Special-purpose address registries: https://www.rfc-editor.org/rfc/rfc6890
//   - localhost names: https://www.rfc-editor.org/rfc/rfc6761#section-6.3
package webhook
