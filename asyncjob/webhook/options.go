package webhook

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults applied by [NewSender] to zero [Options] fields.
const (
	// DefaultMaxAttempts bounds the attempts of one [Sender.Send], counting
	// the first.
	DefaultMaxAttempts = 5
	// DefaultInitialBackoff is the backoff ceiling after the first failure;
	// it doubles after each further failure up to DefaultMaxBackoff.
	DefaultInitialBackoff = time.Second
	// DefaultMaxBackoff caps one wait between attempts, including a wait
	// requested by Retry-After.
	DefaultMaxBackoff = time.Minute
	// DefaultTimeout bounds one attempt (connect, TLS, request, response
	// headers and draining); the Standard Webhooks specification recommends
	// 15–30 s.
	DefaultTimeout = 15 * time.Second
	// DefaultUserAgent is sent as User-Agent on every delivery.
	DefaultUserAgent = "httpsem-webhook/1"
	// MaxResponseDrain is how much of a receiver's response body is read (and
	// discarded) so that the connection can be reused; a longer body is cut
	// off and the connection closed.
	MaxResponseDrain = 64 << 10
)

// Options configures a [Sender]. The zero value (apart from Secret, which is
// required) is the safe default: SSRF protection on, loopback refused. As in
// asyncjob, a zero count or duration means its default; a negative one is
// rejected by [NewSender].
type Options struct {
	// Secret is the HMAC-SHA256 signing key, [MinSecretLen] to
	// [MaxSecretLen] bytes (see [ParseSecret] and [NewSecret]). Required.
	Secret []byte
	// MaxAttempts bounds the attempts per delivery, the first included.
	// Default: [DefaultMaxAttempts]; 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the backoff ceiling after the first failed attempt.
	// Default: [DefaultInitialBackoff].
	InitialBackoff time.Duration
	// MaxBackoff caps each wait between attempts. Default:
	// [DefaultMaxBackoff]; raised to InitialBackoff if smaller.
	MaxBackoff time.Duration
	// Timeout bounds each attempt. Default: [DefaultTimeout].
	Timeout time.Duration
	// AllowLoopback lets deliveries reach loopback addresses (127.0.0.0/8,
	// ::1, "localhost"), for development and tests. Private, link-local and
	// the other forbidden ranges stay refused. Default: false.
	AllowLoopback bool
	// Client is the HTTP client to start from, for tests (e.g. the client of
	// an httptest TLS server). Its Transport must be nil or an
	// *http.Transport: the Sender uses a clone with the SSRF-guarded dialer
	// installed, no proxy, and redirects not followed; the client's Jar,
	// Timeout and CheckRedirect are not used, and the caller's client is not
	// modified. Default: a transport with [http.DefaultTransport]'s settings.
	Client *http.Client
	// UserAgent is sent as User-Agent. Default: [DefaultUserAgent].
	UserAgent string
	// Now returns the current time, used for webhook-timestamp and
	// Outcome.FinishedAt. Default: time.Now.
	Now func() time.Time
	// Logger receives one record per failed attempt and per final outcome,
	// with the full error text that Outcome.Error leaves out. Default:
	// silent.
	Logger *slog.Logger
}
