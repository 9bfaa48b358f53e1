package webhook_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

func TestParseSecret(t *testing.T) {
	t.Parallel()
	b24 := strings.Repeat("A", 32) // 24 zero bytes
	tests := []struct {
		name string
		in   string
		len  int
		want error
	}{
		{name: "spec vector", in: vectorSecret, len: 24},
		{name: "padded 32 bytes", in: webhook.FormatSecret(make([]byte, 32)), len: 32},
		{name: "unpadded 32 bytes", in: strings.TrimRight(webhook.FormatSecret(make([]byte, 32)), "="), len: 32},
		{name: "max length", in: webhook.FormatSecret(make([]byte, webhook.MaxSecretLen)), len: webhook.MaxSecretLen},
		{name: "no prefix", in: b24, want: webhook.ErrSecretPrefix},
		{name: "asymmetric key prefix", in: "whsk_" + b24, want: webhook.ErrSecretPrefix},
		{name: "prefix case matters", in: "WHSEC_" + b24, want: webhook.ErrSecretPrefix},
		{name: "empty", in: "", want: webhook.ErrSecretPrefix},
		{name: "prefix only", in: "whsec_", want: webhook.ErrSecretLength},
		{name: "too short", in: webhook.FormatSecret(make([]byte, 23)), want: webhook.ErrSecretLength},
		{name: "too long", in: webhook.FormatSecret(make([]byte, webhook.MaxSecretLen+1)), want: webhook.ErrSecretLength},
		{name: "very long input", in: "whsec_" + strings.Repeat("A", 1<<20), want: webhook.ErrSecretLength},
		{name: "url-safe alphabet", in: "whsec_" + strings.Repeat("_-", 16), want: webhook.ErrSecretEncoding},
		{name: "space inside", in: "whsec_" + b24[:10] + " " + b24[11:], want: webhook.ErrSecretEncoding},
		{name: "newline inside", in: "whsec_" + b24[:16] + "\n" + b24[16:], want: webhook.ErrSecretEncoding},
		{name: "bad padding", in: "whsec_" + b24[:30] + "=A", want: webhook.ErrSecretEncoding},
		// RFC 4648 §3.5: non-zero pad bits make a non-canonical encoding.
		{name: "non-canonical trailing bits", in: "whsec_" + strings.Repeat("A", 42) + "B=", want: webhook.ErrSecretEncoding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := webhook.ParseSecret(tc.in)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				assert.Nil(t, key)
				return
			}
			require.NoError(t, err)
			assert.Len(t, key, tc.len)
		})
	}
}

func TestFormatSecretRoundTrip(t *testing.T) {
	t.Parallel()
	key := webhook.NewSecret()
	require.Len(t, key, webhook.DefaultSecretLen)
	s := webhook.FormatSecret(key)
	assert.True(t, strings.HasPrefix(s, "whsec_"))
	got, err := webhook.ParseSecret(s)
	require.NoError(t, err)
	assert.Equal(t, key, got)
	assert.NotEqual(t, key, webhook.NewSecret(), "two secrets from crypto/rand must differ")
	// The spec vector's secret serializes back to itself.
	v, err := webhook.ParseSecret(vectorSecret)
	require.NoError(t, err)
	assert.Equal(t, vectorSecret, webhook.FormatSecret(v))
	assert.Equal(t, base64.StdEncoding.EncodeToString(v), strings.TrimPrefix(vectorSecret, "whsec_"))
}
