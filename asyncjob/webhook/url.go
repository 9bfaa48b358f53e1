package webhook

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength is the longest callback URL [ValidateURL] accepts, in bytes.
// Callback URLs are stored with each job; 2048 leaves room for a token in the
// query while keeping the record bounded.
const MaxURLLength = 2048

// ErrInvalidURL means a callback URL is malformed or uses a form webhooks do
// not accept (a scheme other than http/https, userinfo, no host, a
// non-canonical numeric host). [*URLError] wraps it.
var ErrInvalidURL = errors.New("webhook: invalid callback URL")

// URLError reports why [ValidateURL] rejected a callback URL. Err is
// [ErrInvalidURL], or an [*AddressError] (which wraps [ErrForbiddenAddress])
// when the host is a literal forbidden address. The URL itself is not kept,
// since it may carry credentials in its query.
type URLError struct {
	Reason string
	Err    error
}

// Error implements the error interface.
func (e *URLError) Error() string {
	return "webhook: callback URL rejected: " + e.Reason
}

// Unwrap returns e.Err, so errors.Is(err, ErrInvalidURL) and
// errors.Is(err, ErrForbiddenAddress) work.
func (e *URLError) Unwrap() error { return e.Err }

func invalidURL(reason string) error {
	return &URLError{Reason: reason, Err: ErrInvalidURL}
}

// ValidateURL reports whether raw is acceptable as a callback URL: an
// absolute http or https URL of at most [MaxURLLength] bytes, with a host and
// no userinfo, whose port (if any) is 1–65535. It returns a [*URLError] that
// wraps [ErrInvalidURL] or [ErrForbiddenAddress].
//
// A host written as an IP literal is judged at once by the same rules as the
// dial-time guard, as are the names "localhost" and "*.localhost" (RFC 6761
// §6.3 reserves them for loopback); allowLoopback permits loopback and nothing
// else. Hosts in the legacy numeric forms that some resolvers read as IPv4
// ("2130706433", "0x7f.1", "127.1") are refused as ambiguous.
//
// ValidateURL does not resolve names: a name may resolve to a forbidden
// address now or later (DNS rebinding), which [Sender] refuses when it dials.
// It is meant for rejecting a callback URL early, with a 422 at submission.
func ValidateURL(raw string, allowLoopback bool) error {
	if len(raw) > MaxURLLength {
		return invalidURL("longer than " + strconv.Itoa(MaxURLLength) + " bytes")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalidURL("malformed")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return invalidURL("scheme must be http or https")
	case u.Opaque != "":
		return invalidURL("not a hierarchical URL")
	case u.User != nil:
		// Credentials in the URL would be sent on every delivery and logged
		// with it, and "https://trusted@evil" misleads readers.
		return invalidURL("userinfo not allowed")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return invalidURL("port out of range")
		}
	}
	host := u.Hostname()
	if host == "" {
		return invalidURL("missing host")
	}
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() {
			return invalidURL("malformed IPv6 literal")
		}
		if addr.Zone() != "" {
			return invalidURL("IPv6 zone not allowed")
		}
		return literal(addr, allowLoopback)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Is4() {
			return invalidURL("IPv6 literal must be bracketed")
		}
		return literal(addr, allowLoopback)
	}
	return checkHostname(host, allowLoopback)
}

func literal(addr netip.Addr, allowLoopback bool) error {
	if err := checkAddr(addr, allowLoopback); err != nil {
		return &URLError{Reason: "forbidden address", Err: err}
	}
	return nil
}

// checkHostname accepts DNS names of letters, digits, '-' and '_' (RFC 1123
// §2.1 host names; '_' appears in real service names), 1–63 bytes a label,
// at most 253 bytes, with one optional trailing dot. Internationalized names
// must be given in their ASCII (punycode) form.
func checkHostname(host string, allowLoopback bool) error {
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return invalidURL("invalid host name")
	}
	last := ""
	for rest := name; rest != ""; {
		var label string
		label, rest, _ = strings.Cut(rest, ".")
		if label == "" || len(label) > 63 {
			return invalidURL("invalid host name")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return invalidURL("invalid host name")
			}
		}
		last = label
	}
	// WHATWG URL parsing and inet_aton read a host whose last label is
	// numeric as an IPv4 address in decimal, octal or hex; no real top-level
	// domain is numeric, so such hosts can only be an attempt to smuggle an
	// address past the literal check.
	if isNumericLabel(last) {
		return invalidURL("numeric host name")
	}
	lower := strings.ToLower(name)
	if !allowLoopback && (lower == "localhost" || strings.HasSuffix(lower, ".localhost")) {
		return &URLError{Reason: "forbidden address", Err: &AddressError{Reason: "localhost"}}
	}
	return nil
}

func isNumericLabel(s string) bool {
	digits := s
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		digits = s[2:]
		for i := 0; i < len(digits); i++ {
			c := digits[i] | 0x20
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return digits != ""
}
