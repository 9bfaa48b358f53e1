package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxMessageIDLen bounds webhook-id; ids are meant to be short random
// tokens, and the value is echoed into every signed payload.
const maxMessageIDLen = 256

// Errors reported in [Outcome.Err] besides the URL and address errors.
var (
	// ErrInvalidMessageID means the message id is empty, longer than 256
	// bytes, or holds a byte other than visible ASCII; '.' is refused too,
	// because the signed content is "id.timestamp.body".
	ErrInvalidMessageID = errors.New("webhook: invalid message id")
	// ErrUnsupportedTransport means [Options.Client] has a Transport that is
	// not an *http.Transport, on which the SSRF guard cannot be installed.
	ErrUnsupportedTransport = errors.New("webhook: Options.Client.Transport must be nil or *http.Transport")
	// ErrStatus means the receiver answered with a non-2xx status. The
	// [Outcome] carries the status code.
	ErrStatus = errors.New("webhook: receiver answered with a non-2xx status")
)

// Outcome is the result of one [Sender.Send], all its attempts included.
// Error is a short, stable description safe to show to the message's
// owner; Err holds the underlying error for errors.Is and logging.
type Outcome struct {
	Delivered  bool      `json:"delivered"`
	Attempts   int       `json:"attempts"`              // HTTP attempts made, 0 if none was possible
	StatusCode int       `json:"status_code,omitempty"` // status answered to the last attempt, 0 if none
	Error      string    `json:"error,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
	Err        error     `json:"-"`
}

// Sender delivers signed webhooks with retries, refusing forbidden
// destinations at dial time. It is safe for concurrent use. Create it with
// [NewSender]; call [Sender.Close] when done to release idle connections.
type Sender struct {
	secret        []byte
	maxAttempts   int
	initial, max  time.Duration
	timeout       time.Duration
	allowLoopback bool
	userAgent     string
	now           func() time.Time
	log           *slog.Logger
	client        *http.Client
	transport     *http.Transport
	// randN returns a uniform value in [0, n); replaced in tests to make
	// the jitter deterministic.
	randN func(n int64) int64
}

// NewSender returns a Sender for opts, applying the documented defaults. It
// fails when the secret has an invalid length or Options.Client cannot be
// guarded ([ErrUnsupportedTransport]).
func NewSender(opts Options) (*Sender, error) {
	if err := checkSecretLen(opts.Secret); err != nil {
		return nil, err
	}
	s := &Sender{
		secret:        bytes.Clone(opts.Secret),
		maxAttempts:   opts.MaxAttempts,
		initial:       opts.InitialBackoff,
		max:           opts.MaxBackoff,
		timeout:       opts.Timeout,
		allowLoopback: opts.AllowLoopback,
		userAgent:     opts.UserAgent,
		now:           opts.Now,
		log:           opts.Logger,
		randN:         rand.Int64N,
	}
	// The Options rule of asyncjob and its plug-ins: zero is the default; a
	// negative count or duration would mean "none", which no field here can
	// mean safely, so it is rejected.
	switch {
	case s.maxAttempts == 0:
		s.maxAttempts = DefaultMaxAttempts
	case s.maxAttempts < 0:
		return nil, errors.New("webhook: Options.MaxAttempts: must not be negative")
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"InitialBackoff", &s.initial, DefaultInitialBackoff}, {"MaxBackoff", &s.max, DefaultMaxBackoff}, {"Timeout", &s.timeout, DefaultTimeout}} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			return nil, fmt.Errorf("webhook: Options.%s: must not be negative", d.name)
		}
	}
	if s.max < s.initial {
		s.max = s.initial
	}
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	var t *http.Transport
	switch {
	case opts.Client == nil || opts.Client.Transport == nil:
		t = &http.Transport{
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	default:
		base, ok := opts.Client.Transport.(*http.Transport)
		if !ok {
			return nil, ErrUnsupportedTransport
		}
		t = base.Clone()
	}
	// A proxy would be the dialed address, so the guard would judge the
	// proxy instead of the receiver; webhooks therefore never use one.
	t.Proxy = nil
	t.OnProxyConnectResponse = nil
	// Custom dial functions would bypass the guarded dialer.
	//lint:ignore SA1019 the deprecated hooks are cleared so that they cannot bypass the guarded dialer
	t.Dial = nil
	//lint:ignore SA1019 the deprecated hooks are cleared so that they cannot bypass the guarded dialer
	t.DialTLS = nil
	t.DialTLSContext = nil
	t.DialContext = (&net.Dialer{
		Timeout:   s.timeout,
		KeepAlive: 30 * time.Second,
		Control:   dialControl(s.allowLoopback),
	}).DialContext
	if t.MaxResponseHeaderBytes == 0 {
		t.MaxResponseHeaderBytes = 64 << 10
	}
	s.transport = t
	s.client = &http.Client{
		Transport: t,
		// Redirects are not followed: a 3xx is a failed delivery. Following
		// one would send the signed payload to a URL nobody validated; the
		// Standard Webhooks specification asks receivers to update the URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// Close releases the Sender's idle connections. Deliveries still running are
// not interrupted; a Sender may be used after Close.
func (s *Sender) Close() {
	s.transport.CloseIdleConnections()
}

// Send POSTs body (as application/json) to rawURL with the webhook-id,
// webhook-timestamp and webhook-signature headers, and reports the outcome.
// A fresh timestamp and signature are made for each attempt, the id stays the
// same so the receiver can deduplicate.
//
// Network errors, 5xx and 429 responses are retried up to MaxAttempts, waiting
// a random time in [0, min(MaxBackoff, InitialBackoff·2^(n-1))) after the n-th
// failure ("full jitter"), or longer when a 429/503 carries Retry-After (still
// capped at MaxBackoff). Other statuses, including 3xx (redirects are not
// followed) and 4xx, end the delivery at once, as does a refused destination.
// Send returns early, undelivered, when ctx ends; it never waits with
// time.Sleep and starts no goroutine.
//
// rawURL is checked with [ValidateURL] first, so an invalid URL costs no
// request. Send does not retain body.
func (s *Sender) Send(ctx context.Context, rawURL, msgID string, body []byte) Outcome {
	if err := ValidateURL(rawURL, s.allowLoopback); err != nil {
		return s.finish(Outcome{}, err, err.Error())
	}
	if !validMessageID(msgID) {
		return s.finish(Outcome{}, ErrInvalidMessageID, ErrInvalidMessageID.Error())
	}
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Host // logged instead of the URL, whose query may hold a token
	}

	var d Outcome
	if ctx.Err() != nil {
		// An ended context costs no request.
		err := fmt.Errorf("webhook: delivery canceled: %w", context.Cause(ctx))
		return s.fail(ctx, d, host, msgID, err, "webhook: delivery canceled")
	}
	for attempt := 1; ; attempt++ {
		d.Attempts = attempt
		status, retryAfter, err := s.attempt(ctx, rawURL, msgID, body)
		d.StatusCode = status
		if err == nil && status >= 200 && status <= 299 {
			d.Delivered = true
			s.log.LogAttrs(ctx, slog.LevelDebug, "webhook delivered",
				slog.String("host", host), slog.String("webhook_id", msgID),
				slog.Int("attempts", attempt), slog.Int("status", status))
			return s.finish(d, nil, "")
		}
		if err == nil {
			err = fmt.Errorf("%w: %d", ErrStatus, status)
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("webhook: delivery canceled: %w", context.Cause(ctx))
			return s.fail(ctx, d, host, msgID, err, "webhook: delivery canceled")
		}
		public := publicError(status, err)
		if !retryable(status, err) || attempt >= s.maxAttempts {
			return s.fail(ctx, d, host, msgID, err, public)
		}
		wait := s.backoff(attempt, retryAfter)
		s.log.LogAttrs(ctx, slog.LevelInfo, "webhook attempt failed, retrying",
			slog.String("host", host), slog.String("webhook_id", msgID),
			slog.Int("attempt", attempt), slog.Int("status", status),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if sleep(ctx, wait) != nil {
			err = fmt.Errorf("webhook: delivery canceled: %w", context.Cause(ctx))
			return s.fail(ctx, d, host, msgID, err, "webhook: delivery canceled")
		}
	}
}

// CheckURL reports whether rawURL may receive webhooks from s: it is
// [ValidateURL] with s's AllowLoopback. With Notify it makes *Sender an
// asyncjob.Notifier.
func (s *Sender) CheckURL(rawURL string) error {
	return ValidateURL(rawURL, s.allowLoopback)
}

// Notify makes one signed attempt, without retrying: the caller keeps the
// schedule (asyncjob keeps it in its store, so waiting costs no goroutine).
// It returns the response status (0 when none came), the wait a 429 or 503
// asked for with Retry-After (0 when none), and nil exactly when the status
// was 2xx. A failure's message is the short public description that
// [Outcome].Error carries; the error unwraps to the underlying one, and
// its Temporary method reports false when retrying cannot help (an invalid
// URL or message id, a refused destination).
func (s *Sender) Notify(ctx context.Context, rawURL, msgID string, body []byte) (int, time.Duration, error) {
	if err := ValidateURL(rawURL, s.allowLoopback); err != nil {
		return 0, 0, &AttemptError{public: err.Error(), err: err}
	}
	if !validMessageID(msgID) {
		return 0, 0, &AttemptError{public: ErrInvalidMessageID.Error(), err: ErrInvalidMessageID}
	}
	status, retryAfter, err := s.attempt(ctx, rawURL, msgID, body)
	if err == nil && status >= 200 && status <= 299 {
		return status, 0, nil
	}
	if err == nil {
		err = fmt.Errorf("%w: %d", ErrStatus, status)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("webhook: delivery canceled: %w", context.Cause(ctx))
		return status, 0, &AttemptError{public: "webhook: delivery canceled", err: err, temporary: true}
	}
	return status, retryAfter, &AttemptError{public: publicError(status, err), err: err, temporary: retryable(status, err)}
}

// AttemptError is the failure of one [Sender.Notify] attempt. Its message
// is safe to show to the job's owner; Unwrap gives the full error for
// errors.Is and logs.
type AttemptError struct {
	public    string
	err       error
	temporary bool
}

func (e *AttemptError) Error() string { return e.public }

// Unwrap returns the underlying error.
func (e *AttemptError) Unwrap() error { return e.err }

// Temporary reports whether another attempt may succeed.
func (e *AttemptError) Temporary() bool { return e.temporary }

func (s *Sender) fail(ctx context.Context, d Outcome, host, msgID string, err error, public string) Outcome {
	s.log.LogAttrs(ctx, slog.LevelWarn, "webhook delivery failed",
		slog.String("host", host), slog.String("webhook_id", msgID),
		slog.Int("attempts", d.Attempts), slog.Int("status", d.StatusCode),
		slog.String("error", err.Error()))
	return s.finish(d, err, public)
}

func (s *Sender) finish(d Outcome, err error, public string) Outcome {
	d.Err = err
	d.Error = public
	d.FinishedAt = s.now()
	return d
}

// attempt makes one request. It returns the response status (0 when there
// was none), the wait a Retry-After asked for (0 when absent or not
// applicable), and the transport error.
func (s *Sender) attempt(ctx context.Context, rawURL, msgID string, body []byte) (int, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	var sig [sigLen]byte
	req.Header = http.Header{
		"Content-Type":  {"application/json"},
		"User-Agent":    {s.userAgent},
		HeaderID:        {msgID},
		HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)},
		HeaderSignature: {string(appendSignature(sig[:0], s.secret, msgID, now.Unix(), body))},
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	// Drain a bounded amount so the connection can be reused, then close;
	// a receiver cannot make the sender read without end.
	_, _ = io.CopyN(io.Discard, resp.Body, MaxResponseDrain)
	_ = resp.Body.Close()
	var retryAfter time.Duration
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return resp.StatusCode, retryAfter, nil
}

// retryable reports whether a failed attempt is worth repeating: network
// errors (other than a refused destination) and 5xx/429 answers. Other 4xx
// mean the request itself is unwelcome and will stay so; 3xx is a failure
// because redirects are not followed.
func retryable(status int, err error) bool {
	if status != 0 {
		return status >= 500 && status <= 599 || status == http.StatusTooManyRequests
	}
	return !errors.Is(err, ErrForbiddenAddress)
}

// publicError describes a failure without internal detail (resolved
// addresses, local error text), for Outcome.Error.
func publicError(status int, err error) string {
	switch {
	case status >= 300 && status <= 399:
		return "webhook: receiver answered " + strconv.Itoa(status) + " (redirects are not followed)"
	case status != 0:
		return "webhook: receiver answered " + strconv.Itoa(status)
	case errors.Is(err, ErrForbiddenAddress):
		return ErrForbiddenAddress.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "webhook: request timed out"
	default:
		return "webhook: connection failed"
	}
}

func validMessageID(id string) bool {
	if id == "" || len(id) > maxMessageIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '.' {
			return false
		}
	}
	return true
}
