package webhook

import (
	"errors"
	"net/netip"
	"syscall"
)

// ErrForbiddenAddress means a callback URL names, or its host resolved to, an
// address that webhooks must not reach: loopback (unless allowed), private,
// shared (CGNAT), link-local, multicast, unspecified, broadcast or reserved.
// [*AddressError] and [*URLError] wrap it.
var ErrForbiddenAddress = errors.New("webhook: forbidden destination address")

// AddressError reports a destination address refused by the SSRF guard,
// either in a literal URL ([ValidateURL]) or at dial time after DNS
// resolution. It wraps [ErrForbiddenAddress].
type AddressError struct {
	Addr   netip.Addr
	Reason string // the class of address, e.g. "private", "loopback"
}

// Error implements the error interface.
func (e *AddressError) Error() string {
	if !e.Addr.IsValid() {
		return "webhook: forbidden destination (" + e.Reason + ")"
	}
	return "webhook: forbidden destination address " + e.Addr.String() + " (" + e.Reason + ")"
}

// Unwrap returns [ErrForbiddenAddress].
func (e *AddressError) Unwrap() error { return ErrForbiddenAddress }

// forbiddenPrefixes are the ranges refused besides those the netip predicates
// already name. Each row says why an outside party must not reach it.
var forbiddenPrefixes = [...]struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},                 // RFC 791, RFC 1122 §3.2.1.3
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space"},     // RFC 6598 CGNAT
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"}, // RFC 6890
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},             // RFC 5737 TEST-NET-1
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},             // RFC 2544, often used internally
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},          // RFC 5737 TEST-NET-2
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},           // RFC 5737 TEST-NET-3
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},                   // RFC 1112; includes 255.255.255.255 broadcast
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},                  // RFC 4291 §2.5.5.1, deprecated
	{netip.MustParsePrefix("100::/64"), "discard-only"},                  // RFC 6666
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},         // RFC 8215
	{netip.MustParsePrefix("2001::/32"), "Teredo"},                       // RFC 4380: relays reach embedded IPv4
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking"},               // RFC 5180
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},            // RFC 3849
	{netip.MustParsePrefix("fec0::/10"), "site-local"},                   // RFC 3879, deprecated
	{netip.MustParsePrefix("3fff::/20"), "documentation"},                // RFC 9637
	{netip.MustParsePrefix("5f00::/16"), "segment routing"},              // RFC 9602
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour   = netip.MustParsePrefix("2002::/16")    // RFC 3056
	broadcast4  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
)

// checkAddr returns an [*AddressError] when a webhook must not connect to
// addr. Loopback is allowed only when allowLoopback is set; every other class
// stays forbidden even then, because a development opt-in must not open the
// internal network.
func checkAddr(addr netip.Addr, allowLoopback bool) error {
	orig := addr
	// ::ffff:a.b.c.d reaches a.b.c.d; judge it as the IPv4 address, which
	// also covers a zone attached to a mapped address.
	addr = addr.Unmap().WithZone("")
	reason := ""
	switch {
	case !addr.IsValid():
		reason = "invalid"
	case addr.IsUnspecified():
		reason = "unspecified"
	case addr.IsLoopback():
		if allowLoopback {
			return nil
		}
		reason = "loopback"
	case addr.IsPrivate():
		reason = "private" // RFC 1918, RFC 4193 fc00::/7
	case addr.IsLinkLocalUnicast():
		reason = "link-local" // includes 169.254.169.254 cloud metadata
	case addr.IsMulticast():
		reason = "multicast"
	case addr == broadcast4:
		reason = "broadcast"
	case nat64Prefix.Contains(addr):
		// A NAT64 gateway forwards 64:ff9b::a.b.c.d to a.b.c.d.
		return embedded(orig, addr.As16(), 12)
	case sixToFour.Contains(addr):
		// A 6to4 relay forwards 2002:AABB:CCDD:: to AA.BB.CC.DD.
		return embedded(orig, addr.As16(), 2)
	default:
		for _, p := range forbiddenPrefixes {
			if p.prefix.Contains(addr) {
				reason = p.reason
				break
			}
		}
		if reason == "" {
			return nil
		}
	}
	return &AddressError{Addr: orig, Reason: reason}
}

// embedded judges the IPv4 address carried at offset off of an IPv6 address.
// Loopback stays refused even when allowed: nothing legitimate reaches the
// local host through a translator.
func embedded(orig netip.Addr, b [16]byte, off int) error {
	v4 := netip.AddrFrom4([4]byte{b[off], b[off+1], b[off+2], b[off+3]})
	if err := checkAddr(v4, false); err != nil {
		return &AddressError{Addr: orig, Reason: "embeds " + err.(*AddressError).Reason + " IPv4"}
	}
	return nil
}

// dialControl returns a [net.Dialer] Control function that applies
// [checkAddr] to the address actually being connected to. Running after DNS
// resolution and before connect(2) is what defeats DNS rebinding: the name
// may resolve differently from the check in [ValidateURL], but not
// differently from the socket's destination.
func dialControl(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return &AddressError{Reason: "network " + network + " not allowed"}
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &AddressError{Reason: "not an IP address"}
		}
		return checkAddr(ap.Addr(), allowLoopback)
	}
}
