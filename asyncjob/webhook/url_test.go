package webhook_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	type want int
	const (
		ok want = iota
		invalid
		forbidden
	)
	tests := []struct {
		name     string
		url      string
		loopback bool // allowLoopback
		want     want
	}{
		{name: "https", url: "https://hooks.example.com/job-done?token=abc", want: ok},
		{name: "http with port", url: "http://hooks.example.com:8080/cb", want: ok},
		{name: "trailing dot", url: "https://example.com./cb", want: ok},
		{name: "underscore label", url: "https://_hooks.example.com/", want: ok},
		{name: "upper-case scheme", url: "HTTPS://example.com/", want: ok},
		{name: "public IPv4", url: "https://93.184.215.14/cb", want: ok},
		{name: "public IPv6", url: "https://[2606:4700::6810:84e5]/cb", want: ok},
		{name: "fragment ignored", url: "https://example.com/cb#x", want: ok},

		// Schemes: only http and https.
		{name: "ftp", url: "ftp://example.com/", want: invalid},
		{name: "file", url: "file:///etc/passwd", want: invalid},
		{name: "gopher", url: "gopher://example.com/", want: invalid},
		{name: "javascript", url: "javascript:alert(1)", want: invalid},
		{name: "no scheme", url: "example.com/cb", want: invalid},
		{name: "scheme-relative", url: "//example.com/cb", want: invalid},
		{name: "opaque", url: "http:example.com", want: invalid},
		{name: "empty", url: "", want: invalid},
		{name: "malformed", url: "http://[::1", want: invalid},
		{name: "too long", url: "https://example.com/" + strings.Repeat("a", webhook.MaxURLLength), want: invalid},

		// Userinfo.
		{name: "userinfo", url: "https://user:pass@example.com/", want: invalid},
		{name: "user only", url: "https://trusted.example@evil.example/", want: invalid},
		{name: "empty userinfo", url: "https://@example.com/", want: invalid},

		// Host and port.
		{name: "empty host", url: "https:///path", want: invalid},
		{name: "port only", url: "http://:8080/", want: invalid},
		{name: "port zero", url: "http://example.com:0/", want: invalid},
		{name: "port too big", url: "http://example.com:65536/", want: invalid},
		{name: "bad host char", url: "http://exa$mple.com/", want: invalid},
		{name: "empty label", url: "http://example..com/", want: invalid},
		{name: "label too long", url: "http://" + strings.Repeat("a", 64) + ".com/", want: invalid},
		{name: "unicode host", url: "http://bücher.example/", want: invalid},

		// Legacy numeric forms some resolvers read as IPv4.
		{name: "decimal integer", url: "http://2130706433/", want: invalid},
		{name: "short dotted", url: "http://127.1/", want: invalid},
		{name: "hex", url: "http://0x7f000001/", want: invalid},
		{name: "hex dotted", url: "http://0x7f.0.0.1/", want: invalid},
		{name: "octal dotted", url: "http://0177.0.0.1/", want: invalid},
		{name: "IPv4 with zero padding", url: "http://127.000.000.001/", want: invalid},

		// Literal forbidden IPv4.
		{name: "loopback", url: "http://127.0.0.1/", want: forbidden},
		{name: "loopback other", url: "http://127.8.9.10:9000/", want: forbidden},
		{name: "loopback allowed", url: "http://127.0.0.1:9000/", loopback: true, want: ok},
		{name: "private 10", url: "http://10.0.0.1/", want: forbidden},
		{name: "private 172", url: "http://172.16.5.4/", want: forbidden},
		{name: "private 192", url: "http://192.168.1.1/", want: forbidden},
		{name: "private with loopback allowed", url: "http://192.168.1.1/", loopback: true, want: forbidden},
		{name: "CGNAT", url: "http://100.64.0.1/", want: forbidden},
		{name: "link-local metadata", url: "http://169.254.169.254/latest/meta-data/", want: forbidden},
		{name: "link-local with loopback allowed", url: "http://169.254.169.254/", loopback: true, want: forbidden},
		{name: "unspecified", url: "http://0.0.0.0/", want: forbidden},
		{name: "this network", url: "http://0.1.2.3/", want: forbidden},
		{name: "multicast", url: "http://224.0.0.1/", want: forbidden},
		{name: "broadcast", url: "http://255.255.255.255/", want: forbidden},
		{name: "reserved", url: "http://240.0.0.1/", want: forbidden},

		// Literal forbidden IPv6, including IPv4 written inside IPv6.
		{name: "v6 loopback", url: "http://[::1]/", want: forbidden},
		{name: "v6 loopback allowed", url: "http://[::1]:8080/", loopback: true, want: ok},
		{name: "v6 unspecified", url: "http://[::]/", want: forbidden},
		{name: "v6 unique local", url: "http://[fd00::1]/", want: forbidden},
		{name: "v6 link-local", url: "http://[fe80::1]/", want: forbidden},
		{name: "v6 link-local with zone", url: "http://[fe80::1%25eth0]/", want: invalid},
		{name: "v6 multicast", url: "http://[ff02::1]/", want: forbidden},
		{name: "v6 site-local", url: "http://[fec0::1]/", want: forbidden},
		{name: "v4-mapped loopback", url: "http://[::ffff:127.0.0.1]/", want: forbidden},
		{name: "v4-mapped loopback hex", url: "http://[::ffff:7f00:1]/", want: forbidden},
		{name: "v4-mapped loopback allowed", url: "http://[::ffff:127.0.0.1]/", loopback: true, want: ok},
		{name: "v4-mapped private", url: "http://[::ffff:10.0.0.1]/", want: forbidden},
		{name: "v4-mapped metadata", url: "http://[::ffff:169.254.169.254]/", want: forbidden},
		{name: "v4-mapped public", url: "http://[::ffff:93.184.215.14]/", want: ok},
		{name: "v4-compatible", url: "http://[::127.0.0.1]/", want: forbidden},
		{name: "NAT64 private", url: "http://[64:ff9b::10.0.0.1]/", want: forbidden},
		{name: "NAT64 loopback allowed stays refused", url: "http://[64:ff9b::127.0.0.1]/", loopback: true, want: forbidden},
		{name: "NAT64 public", url: "http://[64:ff9b::93.184.215.14]/", want: ok},
		{name: "6to4 private", url: "http://[2002:c0a8:0101::1]/", want: forbidden},
		{name: "6to4 public", url: "http://[2002:5db8:d70e::1]/", want: ok},
		{name: "Teredo", url: "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", want: forbidden},
		{name: "documentation v6", url: "http://[2001:db8::1]/", want: forbidden},
		{name: "unbracketed v6", url: "http://::1/", want: invalid},

		// RFC 6761 §6.3: localhost names are loopback by definition.
		{name: "localhost", url: "http://localhost:8080/", want: forbidden},
		{name: "localhost upper", url: "http://LOCALHOST/", want: forbidden},
		{name: "localhost trailing dot", url: "http://localhost./", want: forbidden},
		{name: "sub.localhost", url: "http://api.localhost/", want: forbidden},
		{name: "localhost allowed", url: "http://localhost:8080/", loopback: true, want: ok},
		{name: "localhost lookalike", url: "http://localhost.example.com/", want: ok},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.ValidateURL(tc.url, tc.loopback)
			switch tc.want {
			case ok:
				assert.NoError(t, err)
				return
			case invalid:
				assert.ErrorIs(t, err, webhook.ErrInvalidURL)
				assert.NotErrorIs(t, err, webhook.ErrForbiddenAddress)
			case forbidden:
				assert.ErrorIs(t, err, webhook.ErrForbiddenAddress)
				assert.NotErrorIs(t, err, webhook.ErrInvalidURL)
			}
			var ue *webhook.URLError
			require.True(t, errors.As(err, &ue), "want *URLError, got %T", err)
			assert.NotContains(t, ue.Error(), "pass", "the error must not echo the URL")
		})
	}
}
