package cache

import (
	"strconv"

	"github.com/httpsem/httpsem/internal/header"
)

// Control is a typed Cache-Control field value (RFC 9111 §5.2). One type holds
// the directives of requests (§5.2.1) and of responses (§5.2.2, RFC 8246
// immutable, RFC 5861 stale-while-revalidate and stale-if-error); each field
// says where it belongs. The zero Control has no directives and formats as "".
//
// Build one with a literal or a preset ([StaticAsset], [UserSpecific], …),
// format it with [Control.String], read one with [Parse]. A Control is a plain
// value; copies that share PrivateFields, NoCacheFields or Extensions share
// those slices.
type Control struct {
	// Public: any cache may store the response, even one that would otherwise
	// be forbidden to (RFC 9111 §5.2.2.9). Response only.
	Public bool
	// Private: a shared cache must not store the response (RFC 9111
	// §5.2.2.7). With PrivateFields, only those header fields are private and
	// the rest of the response may be stored. Response only.
	Private bool
	// PrivateFields qualifies Private; ignored unless Private is set. Names
	// that are not tokens are not formatted.
	PrivateFields []string
	// NoCache: on a response, a cache must not use it without successful
	// validation with the origin (RFC 9111 §5.2.2.4); with NoCacheFields, only
	// those fields must not be sent without validation. On a request, the
	// client asks that no stored response be used without validation
	// (§5.2.1.4). NoCache does not forbid storing; [Control.NoStore] does.
	NoCache bool
	// NoCacheFields qualifies NoCache on a response; ignored unless NoCache is
	// set.
	NoCacheFields []string
	// NoStore: no cache may store any part of the request or response
	// (RFC 9111 §5.2.1.5, §5.2.2.5). Request and response.
	NoStore bool
	// MaxAge: on a response, the freshness lifetime (RFC 9111 §5.2.2.1); on a
	// request, the oldest response the client accepts (§5.2.1.1).
	MaxAge Delta
	// SMaxAge overrides MaxAge (and Expires) for shared caches and implies
	// proxy-revalidate for them (RFC 9111 §5.2.2.10). Response only.
	SMaxAge Delta
	// MustRevalidate: once stale, the response must not be used without
	// successful validation (RFC 9111 §5.2.2.2). Response only.
	MustRevalidate bool
	// ProxyRevalidate is MustRevalidate for shared caches only (RFC 9111
	// §5.2.2.8). Response only.
	ProxyRevalidate bool
	// MustUnderstand: a cache may store the response only if it understands
	// the requirements for its status code (RFC 9111 §5.2.2.3). Sent with
	// NoStore as a fallback for caches that do not. Response only.
	MustUnderstand bool
	// NoTransform: intermediaries must not transform the content (RFC 9111
	// §5.2.1.6, §5.2.2.6). Request and response.
	NoTransform bool
	// Immutable: the content will not change while fresh, so clients need not
	// revalidate it on reload (RFC 8246). Response only.
	Immutable bool
	// StaleWhileRevalidate: a cache may serve the response stale for this long
	// while it revalidates in the background (RFC 5861 §3). Response only.
	StaleWhileRevalidate Delta
	// StaleIfError: a cache may serve the response stale for this long when
	// revalidation meets an error or a 5xx (RFC 5861 §4). Request and
	// response.
	StaleIfError Delta
	// MaxStale: the client accepts a response stale by up to this long
	// (RFC 9111 §5.2.1.2). Request only.
	MaxStale Delta
	// MaxStaleAny: "max-stale" without an argument, the client accepts a stale
	// response of any age (RFC 9111 §5.2.1.2). It takes precedence over
	// MaxStale when formatting. Request only.
	MaxStaleAny bool
	// MinFresh: the client wants a response that stays fresh for at least this
	// long (RFC 9111 §5.2.1.3). Request only.
	MinFresh Delta
	// OnlyIfCached: the client wants a stored response or a 504 (RFC 9111
	// §5.2.1.7). Request only.
	OnlyIfCached bool
	// Extensions are the directives this package does not know, in the order
	// they appeared (RFC 9111 §5.2.3). An empty Value means no argument.
	// Extensions whose name is not a token, or whose value cannot be sent as a
	// token or quoted-string, are not formatted.
	Extensions []Extension
}

// Extension is a cache directive not defined by RFC 9111, RFC 8246 or RFC
// 5861. Unknown directives must be ignored by caches that do not implement
// them (RFC 9111 §5.2.3); [Parse] keeps them so that they survive a round trip.
type Extension struct {
	// Name is the directive name as written (directive names compare
	// case-insensitively).
	Name string
	// Value is the argument without quotes; "" means no argument.
	Value string
}

// IsZero reports whether c has no directives.
func (c Control) IsZero() bool {
	return !c.Public && !c.Private && !c.NoCache && !c.NoStore &&
		!c.MaxAge.set && !c.SMaxAge.set && !c.MustRevalidate && !c.ProxyRevalidate &&
		!c.MustUnderstand && !c.NoTransform && !c.Immutable &&
		!c.StaleWhileRevalidate.set && !c.StaleIfError.set &&
		!c.MaxStale.set && !c.MaxStaleAny && !c.MinFresh.set && !c.OnlyIfCached &&
		len(c.Extensions) == 0
}

// String returns c as a Cache-Control field value, with directives in a fixed
// order (public, private, no-cache, no-store, max-age, s-maxage,
// must-revalidate, proxy-revalidate, must-understand, no-transform, immutable,
// stale-while-revalidate, stale-if-error, max-stale, min-fresh,
// only-if-cached, then extensions in their order) so that equal values format
// identically. Field-name lists are always quoted and delta-seconds never are,
// as RFC 9111 §5.2.2.4, §5.2.2.7 and §1.2.2 ask of senders. The zero Control
// formats as "".
func (c Control) String() string {
	var buf [96]byte
	b, _ := c.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the [Control.String] form of c to b. It implements
// encoding.TextAppender and never returns an error.
func (c Control) AppendText(b []byte) ([]byte, error) {
	start := len(b)
	sep := func(b []byte) []byte {
		if len(b) > start {
			b = append(b, ", "...)
		}
		return b
	}
	flag := func(b []byte, on bool, name string) []byte {
		if on {
			b = append(sep(b), name...)
		}
		return b
	}
	delta := func(b []byte, d Delta, name string) []byte {
		if d.set {
			b = append(sep(b), name...)
			b = append(b, '=')
			b = strconv.AppendInt(b, d.secs, 10)
		}
		return b
	}
	b = flag(b, c.Public, "public")
	if c.Private {
		b = appendQualified(sep(b), "private", c.PrivateFields)
	}
	if c.NoCache {
		b = appendQualified(sep(b), "no-cache", c.NoCacheFields)
	}
	b = flag(b, c.NoStore, "no-store")
	b = delta(b, c.MaxAge, "max-age")
	b = delta(b, c.SMaxAge, "s-maxage")
	b = flag(b, c.MustRevalidate, "must-revalidate")
	b = flag(b, c.ProxyRevalidate, "proxy-revalidate")
	b = flag(b, c.MustUnderstand, "must-understand")
	b = flag(b, c.NoTransform, "no-transform")
	b = flag(b, c.Immutable, "immutable")
	b = delta(b, c.StaleWhileRevalidate, "stale-while-revalidate")
	b = delta(b, c.StaleIfError, "stale-if-error")
	if c.MaxStaleAny {
		b = append(sep(b), "max-stale"...)
	} else {
		b = delta(b, c.MaxStale, "max-stale")
	}
	b = delta(b, c.MinFresh, "min-fresh")
	b = flag(b, c.OnlyIfCached, "only-if-cached")
	for _, e := range c.Extensions {
		if !header.IsToken(e.Name) || !validValue(e.Value) {
			continue
		}
		b = append(sep(b), e.Name...)
		if e.Value == "" {
			continue
		}
		b = append(b, '=')
		if header.IsToken(e.Value) {
			b = append(b, e.Value...)
		} else {
			b = appendQuoted(b, e.Value)
		}
	}
	return b, nil
}

// MarshalText returns the [Control.String] form of c, so a policy can be
// written to configuration files. It never returns an error.
func (c Control) MarshalText() ([]byte, error) {
	return c.AppendText(nil)
}

// UnmarshalText sets c to [Parse] of text, so a policy can be read from
// configuration files. Like Parse it never fails.
func (c *Control) UnmarshalText(text []byte) error {
	*c = Parse(string(text))
	return nil
}

// appendQualified appends name, and ="f1, f2" when fields holds at least one
// token. The quoted form is used even for one field (RFC 9111 §5.2.2.4).
func appendQualified(b []byte, name string, fields []string) []byte {
	b = append(b, name...)
	n := 0
	for _, f := range fields {
		if !header.IsToken(f) {
			continue
		}
		if n == 0 {
			b = append(b, `="`...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, f...)
		n++
	}
	if n > 0 {
		b = append(b, '"')
	}
	return b
}

// validValue reports whether v can be sent as a quoted-string: no control
// characters other than HTAB (RFC 9110 §5.6.4 qdtext and quoted-pair), which
// also keeps CR and LF out of the field.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func appendQuoted(b []byte, v string) []byte {
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}
