package webhook

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr     string
		loopback bool
		reason   string // "" = allowed
	}{
		{addr: "93.184.215.14"},
		{addr: "8.8.8.8"},
		{addr: "2606:4700::6810:84e5"},
		{addr: "127.0.0.1", reason: "loopback"},
		{addr: "127.0.0.1", loopback: true},
		{addr: "127.255.255.254", reason: "loopback"},
		{addr: "::1", reason: "loopback"},
		{addr: "::1", loopback: true},
		{addr: "::ffff:127.0.0.1", reason: "loopback"},
		{addr: "::ffff:127.0.0.1", loopback: true},
		{addr: "10.1.2.3", reason: "private"},       // RFC 1918
		{addr: "172.31.255.255", reason: "private"}, // RFC 1918
		{addr: "172.32.0.0"},                        // just outside 172.16/12
		{addr: "192.168.0.1", reason: "private"},    // RFC 1918
		{addr: "192.168.0.1", loopback: true, reason: "private"},
		{addr: "fc00::1", reason: "private"},                      // RFC 4193
		{addr: "fdff:ffff::1", reason: "private"},                 // RFC 4193
		{addr: "::ffff:192.168.0.1", reason: "private"},           // IPv4-mapped
		{addr: "100.64.0.0", reason: "shared address space"},      // RFC 6598
		{addr: "100.127.255.255", reason: "shared address space"}, // RFC 6598
		{addr: "100.128.0.0"},
		{addr: "169.254.169.254", reason: "link-local"},
		{addr: "fe80::1", reason: "link-local"},
		{addr: "fe80::1%eth0", reason: "link-local"},
		{addr: "0.0.0.0", reason: "unspecified"},
		{addr: "::", reason: "unspecified"},
		{addr: "0.0.0.1", reason: "this network"},
		{addr: "224.0.0.251", reason: "multicast"},
		{addr: "239.255.255.250", reason: "multicast"},
		{addr: "ff02::1", reason: "multicast"},
		{addr: "ff0e::1", reason: "multicast"},
		{addr: "255.255.255.255", reason: "broadcast"},
		{addr: "240.0.0.1", reason: "reserved"},
		{addr: "192.0.0.170", reason: "IETF protocol assignments"},
		{addr: "198.18.0.1", reason: "benchmarking"},
		{addr: "::7f00:1", reason: "IPv4-compatible"},
		{addr: "64:ff9b::a00:1", reason: "embeds private IPv4"},
		{addr: "64:ff9b::7f00:1", loopback: true, reason: "embeds loopback IPv4"},
		{addr: "64:ff9b::808:808"},
		{addr: "64:ff9b:1::1", reason: "local-use NAT64"},
		{addr: "2002:a9fe:a9fe::1", reason: "embeds link-local IPv4"},
		{addr: "2002:808:808::1"},
		{addr: "2001::1", reason: "Teredo"},
		{addr: "2001:db8::1", reason: "documentation"},
		{addr: "fec0::1", reason: "site-local"},
		{addr: "100::1", reason: "discard-only"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			err := checkAddr(netip.MustParseAddr(tc.addr), tc.loopback)
			if tc.reason == "" {
				assert.NoError(t, err)
				return
			}
			var ae *AddressError
			if assert.True(t, errors.As(err, &ae), "want *AddressError, got %v", err) {
				assert.Equal(t, tc.reason, ae.Reason)
				assert.Equal(t, tc.addr, ae.Addr.String(), "the error names the address as dialed")
			}
			assert.ErrorIs(t, err, ErrForbiddenAddress)
		})
	}
	assert.ErrorIs(t, checkAddr(netip.Addr{}, true), ErrForbiddenAddress, "the zero Addr")
}

func TestDialControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		network, address string
		loopback         bool
		allowed          bool
	}{
		{network: "tcp4", address: "93.184.215.14:443", allowed: true},
		{network: "tcp6", address: "[2606:4700::6810:84e5]:443", allowed: true},
		{network: "tcp", address: "8.8.8.8:80", allowed: true},
		{network: "tcp4", address: "127.0.0.1:80"},
		{network: "tcp4", address: "127.0.0.1:80", loopback: true, allowed: true},
		{network: "tcp6", address: "[::1]:80", loopback: true, allowed: true},
		{network: "tcp6", address: "[::ffff:10.0.0.1]:80", loopback: true},
		{network: "tcp4", address: "10.0.0.1:80"},
		{network: "tcp6", address: "[fe80::1%eth0]:80"},
		{network: "udp4", address: "8.8.8.8:53"}, // only TCP is ever dialed
		{network: "unix", address: "/run/docker.sock"},
		{network: "tcp", address: "example.com:80"}, // not resolved: refuse
	}
	for _, tc := range tests {
		t.Run(tc.network+" "+tc.address, func(t *testing.T) {
			t.Parallel()
			err := dialControl(tc.loopback)(tc.network, tc.address, nil)
			if tc.allowed {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrForbiddenAddress)
			assert.NotEmpty(t, err.Error())
		})
	}
}
