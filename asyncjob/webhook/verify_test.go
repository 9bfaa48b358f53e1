package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

func TestVerifyKnownVector(t *testing.T) {
	t.Parallel()
	secret, err := webhook.ParseSecret(vectorSecret)
	require.NoError(t, err)
	now := time.Unix(vectorTimestamp, 0)
	h := headers(vectorID, now, vectorSignature)
	assert.NoError(t, webhook.Verify(secret, h, []byte(vectorBody), webhook.VerifyOptions{Now: fixed(now)}))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"job_id":"abc","status":"completed"}`)
	good := webhook.Sign(secret, "msg_1", now, body)
	other := testSecret()
	other[5] ^= 0xff
	foreign := webhook.Sign(other, "msg_1", now, body)

	tests := []struct {
		name   string
		modify func(h http.Header) // applied to valid headers
		body   string              // replaces the body when non-empty
		opts   webhook.VerifyOptions
		want   error // nil = accepted
		header string
	}{
		{name: "valid"},
		{name: "lower-case map keys", modify: func(h http.Header) {
			for _, k := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
				h[strings.ToLower(k)] = h[k]
				delete(h, k)
			}
		}},
		// Several signatures: secret rotation; any v1 match is enough.
		{name: "rotation, match last", modify: func(h http.Header) {
			h.Set(webhook.HeaderSignature, foreign+" "+good)
		}},
		{name: "rotation, match first, extra spaces", modify: func(h http.Header) {
			h.Set(webhook.HeaderSignature, "  "+good+"   "+foreign+" ")
		}},
		{name: "other versions ignored", modify: func(h http.Header) {
			h.Set(webhook.HeaderSignature, "v1a,"+good[3:]+" v2,"+good[3:]+" "+good)
		}},
		{name: "signature split across field lines", modify: func(h http.Header) {
			h[webhook.HeaderSignature] = []string{foreign, good}
		}},
		{name: "missing id", modify: func(h http.Header) { h.Del(webhook.HeaderID) },
			want: webhook.ErrMissingHeader, header: webhook.HeaderID},
		{name: "empty id", modify: func(h http.Header) { h.Set(webhook.HeaderID, "") },
			want: webhook.ErrMissingHeader, header: webhook.HeaderID},
		{name: "repeated id", modify: func(h http.Header) { h.Add(webhook.HeaderID, "msg_2") },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderID},
		{name: "missing timestamp", modify: func(h http.Header) { h.Del(webhook.HeaderTimestamp) },
			want: webhook.ErrMissingHeader, header: webhook.HeaderTimestamp},
		{name: "repeated timestamp", modify: func(h http.Header) { h.Add(webhook.HeaderTimestamp, "1") },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderTimestamp},
		{name: "missing signature", modify: func(h http.Header) { h.Del(webhook.HeaderSignature) },
			want: webhook.ErrMissingHeader, header: webhook.HeaderSignature},
		{name: "empty signature", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, "") },
			want: webhook.ErrMissingHeader, header: webhook.HeaderSignature},
		{name: "no v1 signature", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, "v1a,abc v2,"+good[3:]) },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderSignature},
		{name: "signature without comma", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, good[3:]) },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderSignature},
		{name: "timestamp with sign", modify: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "+"+strconv.FormatInt(now.Unix(), 10)) },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderTimestamp},
		{name: "timestamp fractional", modify: func(h http.Header) { h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10)+".0") },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderTimestamp},
		{name: "timestamp negative", modify: func(h http.Header) { h.Set(webhook.HeaderTimestamp, "-1") },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderTimestamp},
		{name: "timestamp huge", modify: func(h http.Header) { h.Set(webhook.HeaderTimestamp, strings.Repeat("9", 40)) },
			want: webhook.ErrInvalidHeader, header: webhook.HeaderTimestamp},
		// Tamper detection: each signed input changed after signing.
		{name: "tampered body", body: `{"job_id":"abc","status":"failed"}`, want: webhook.ErrSignatureMismatch},
		{name: "tampered id", modify: func(h http.Header) { h.Set(webhook.HeaderID, "msg_2") }, want: webhook.ErrSignatureMismatch},
		{name: "tampered timestamp", modify: func(h http.Header) {
			h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix()-1, 10))
		}, want: webhook.ErrSignatureMismatch},
		{name: "wrong secret", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, foreign) }, want: webhook.ErrSignatureMismatch},
		{name: "truncated signature", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, good[:len(good)-1]) }, want: webhook.ErrSignatureMismatch},
		{name: "unpadded signature", modify: func(h http.Header) { h.Set(webhook.HeaderSignature, strings.TrimRight(good, "=")) }, want: webhook.ErrSignatureMismatch},
		// Tolerance, both directions, inclusive at the edge.
		{name: "at old edge", opts: webhook.VerifyOptions{Now: fixed(now.Add(webhook.DefaultTolerance))}},
		{name: "at new edge", opts: webhook.VerifyOptions{Now: fixed(now.Add(-webhook.DefaultTolerance))}},
		{name: "too old", opts: webhook.VerifyOptions{Now: fixed(now.Add(webhook.DefaultTolerance + time.Second))},
			want: webhook.ErrTimestampTooOld},
		{name: "too new", opts: webhook.VerifyOptions{Now: fixed(now.Add(-webhook.DefaultTolerance - time.Second))},
			want: webhook.ErrTimestampTooNew},
		{name: "custom tolerance, too old", opts: webhook.VerifyOptions{Tolerance: 10 * time.Second, Now: fixed(now.Add(11 * time.Second))},
			want: webhook.ErrTimestampTooOld},
		{name: "custom tolerance, inside", opts: webhook.VerifyOptions{Tolerance: 10 * time.Second, Now: fixed(now.Add(10 * time.Second))}},
		{name: "negative tolerance means default", opts: webhook.VerifyOptions{Tolerance: -1, Now: fixed(now.Add(time.Minute))}},
		// Tolerance is checked before the MAC, so a stale request costs no HMAC
		// and a stale replay with a valid signature is still refused.
		{name: "replay after a day", opts: webhook.VerifyOptions{Now: fixed(now.Add(24 * time.Hour))},
			want: webhook.ErrTimestampTooOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := headers("msg_1", now, good)
			if tc.modify != nil {
				tc.modify(h)
			}
			b := body
			if tc.body != "" {
				b = []byte(tc.body)
			}
			opts := tc.opts
			if opts.Now == nil {
				opts.Now = fixed(now)
			}
			err := webhook.Verify(secret, h, b, opts)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			if tc.header != "" {
				var he *webhook.HeaderError
				require.True(t, errors.As(err, &he), "want *HeaderError, got %T", err)
				assert.Equal(t, tc.header, he.Header)
				assert.Contains(t, he.Error(), tc.header)
			}
		})
	}
}

func TestVerifyDefaultClock(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	now := time.Now()
	h := headers("msg_1", now, webhook.Sign(secret, "msg_1", now, nil))
	assert.NoError(t, webhook.Verify(secret, h, nil, webhook.VerifyOptions{}))
	old := now.Add(-time.Hour)
	h = headers("msg_1", old, webhook.Sign(secret, "msg_1", old, nil))
	assert.ErrorIs(t, webhook.Verify(secret, h, nil, webhook.VerifyOptions{}), webhook.ErrTimestampTooOld)
}
