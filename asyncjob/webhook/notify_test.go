package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// TestNotify checks the single attempt asyncjob's outbox makes: one
// request, its status, the Retry-After a 429/503 asks for, and whether a
// failure is worth retrying.
func TestNotify(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantWait   time.Duration
		temporary  bool
	}{
		{"2xx delivers", http.StatusNoContent, "", 0, false},
		// Standard Webhooks: 5xx and 429 are retried, honouring Retry-After.
		{"503 with Retry-After", http.StatusServiceUnavailable, "7", 7 * time.Second, true},
		{"429", http.StatusTooManyRequests, "", 0, true},
		{"500", http.StatusInternalServerError, "3", 0, true},
		// Other 4xx and 3xx (redirects are not followed) are final.
		{"400 is final", http.StatusBadRequest, "", 0, false},
		{"301 is final", http.StatusMovedPermanently, "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				assert.NoError(t, webhook.Verify(secret, r.Header, mustRead(t, r), webhook.VerifyOptions{}))
				assert.Equal(t, "msg_1", r.Header.Get("webhook-id"))
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
			}))
			t.Cleanup(srv.Close)
			s, err := webhook.NewSender(webhook.Options{Secret: secret, AllowLoopback: true})
			require.NoError(t, err)
			t.Cleanup(s.Close)
			require.NoError(t, s.CheckURL(srv.URL))
			status, wait, err := s.Notify(context.Background(), srv.URL, "msg_1", []byte(`{"a":1}`))
			assert.Equal(t, int32(1), hits.Load(), "one attempt, never a retry")
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.wantWait, wait)
			if tc.status/100 == 2 {
				assert.NoError(t, err)
				return
			}
			var ae *webhook.AttemptError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.temporary, ae.Temporary())
			assert.ErrorIs(t, err, webhook.ErrStatus)
			assert.NotContains(t, err.Error(), "127.0.0.1", "the message is safe to show")
		})
	}

	t.Run("refused destination is final", func(t *testing.T) {
		t.Parallel()
		s, err := webhook.NewSender(webhook.Options{Secret: secret})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		assert.Error(t, s.CheckURL("http://127.0.0.1/hook"), "loopback without the opt-in")
		status, _, err := s.Notify(context.Background(), "http://127.0.0.1/hook", "msg_1", nil)
		assert.Zero(t, status)
		var ae *webhook.AttemptError
		require.ErrorAs(t, err, &ae)
		assert.False(t, ae.Temporary())
		assert.True(t, errors.Is(err, webhook.ErrForbiddenAddress) || errors.Is(err, webhook.ErrInvalidURL))
	})
}

func mustRead(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return b
}
