package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/stretchr/testify/require"
)

// FuzzVerify feeds arbitrary header values and bodies to Verify. It must
// never panic, must accept only what carries a valid signature, and must
// accept a genuine signature whatever else shares the header.
func FuzzVerify(f *testing.F) {
	secret := testSecret()
	now := time.Unix(1_700_000_000, 0)
	good := webhook.Sign(secret, "msg_1", now, []byte("{}"))
	f.Add("msg_1", "1700000000", good, "", "{}")
	f.Add("msg_1", "1700000000", "v1a,xyz "+good+"  v2,abc", "", "{}")
	f.Add("msg_1", "1700000000", "v1,", "", "{}")
	f.Add("msg_1", "+1700000000", good, "", "{}")
	f.Add("", "", "", "", "")
	f.Add("msg.1", "99999999999999999999999", ",,, v1 v1,,", "noise", "x")
	f.Add(vectorID, strconv.Itoa(vectorTimestamp), vectorSignature, "", vectorBody)
	f.Fuzz(func(t *testing.T, id, ts, sig, extra, body string) {
		h := http.Header{}
		h.Set(webhook.HeaderID, id)
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		opts := webhook.VerifyOptions{Now: func() time.Time { return now }}
		err := webhook.Verify(secret, h, []byte(body), opts)
		if err == nil {
			// Accepted: the header must hold the signature Sign makes.
			n, perr := strconv.ParseInt(ts, 10, 64)
			require.NoErrorf(t, perr, "accepted unparsable timestamp %q", ts)
			want := webhook.Sign(secret, id, time.Unix(n, 0), []byte(body))
			require.Containsf(t, " "+sig+" ", " "+want+" ", "accepted %q without the genuine signature %q", sig, want)
		}
		var he *webhook.HeaderError
		require.Falsef(t, err != nil && !errors.As(err, &he) &&
			!errors.Is(err, webhook.ErrTimestampTooOld) && !errors.Is(err, webhook.ErrTimestampTooNew) &&
			!errors.Is(err, webhook.ErrSignatureMismatch), "undocumented error %v", err)

		// A genuine signature added to the list is always accepted when the
		// headers are otherwise well formed.
		if err == nil || errors.Is(err, webhook.ErrSignatureMismatch) || errors.Is(err, webhook.ErrInvalidHeader) && he != nil && he.Header == webhook.HeaderSignature {
			n, _ := strconv.ParseInt(ts, 10, 64)
			h.Set(webhook.HeaderSignature, sig+" "+extra+" "+webhook.Sign(secret, id, time.Unix(n, 0), []byte(body)))
			err := webhook.Verify(secret, h, []byte(body), opts)
			require.NoErrorf(t, err, "genuine signature refused: %v", err)
		}
	})
}

// FuzzParseSecret checks that ParseSecret never panics, returns only keys
// of a valid length, and that what it accepts survives FormatSecret.
func FuzzParseSecret(f *testing.F) {
	f.Add(vectorSecret)
	f.Add("whsec_")
	f.Add("whsec_" + strings.Repeat("A", 43))
	f.Add("whsec_" + strings.Repeat("A", 44))
	f.Add("whsec_AAAA\nAAAA")
	f.Add("whsk_abc")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := webhook.ParseSecret(s)
		if err != nil {
			require.Nil(t, key, "key returned with an error")
			return
		}
		require.Falsef(t, len(key) < webhook.MinSecretLen || len(key) > webhook.MaxSecretLen, "accepted a %d-byte key", len(key))
		again, err := webhook.ParseSecret(webhook.FormatSecret(key))
		require.Falsef(t, err != nil || string(again) != string(key), "round trip of %q failed: %v", s, err)
	})
}

// FuzzValidateURL checks that ValidateURL never panics, classifies every
// rejection, and never accepts a URL that is not http(s) with a host.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/cb", "http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://localhost/",
		"http://2130706433/", "ftp://x/", "http://u:p@h/", "http://[fe80::1%25eth0]/", "http://h:0/",
		"http://[64:ff9b::10.0.0.1]/", "http://0x7f.1/", "https://example.com./",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, loopback bool) {
		err := webhook.ValidateURL(raw, loopback)
		if err != nil {
			require.Falsef(t, !errors.Is(err, webhook.ErrInvalidURL) && !errors.Is(err, webhook.ErrForbiddenAddress), "unclassified error %v", err)
			return
		}
		lower := strings.ToLower(raw)
		require.Falsef(t, !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://"), "accepted %q", raw)
	})
}
