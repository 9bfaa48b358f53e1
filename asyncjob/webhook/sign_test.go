package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// The known-answer vector published with the Standard Webhooks reference
// libraries (libraries/go/webhook_test.go, TestWebhookSign).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	secret, err := webhook.ParseSecret(vectorSecret)
	require.NoError(t, err)
	got := webhook.Sign(secret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	assert.Equal(t, vectorSignature, got)
}

func TestSignIgnoresSubsecond(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	// webhook-timestamp carries whole seconds; the signature must too.
	a := webhook.Sign(secret, "msg_1", time.Unix(100, 0), []byte("x"))
	b := webhook.Sign(secret, "msg_1", time.Unix(100, 999_999_999), []byte("x"))
	assert.Equal(t, a, b)
}

func TestSignLongID(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	// Ids longer than the internal stack buffer take the append path; the
	// result must still verify.
	id := strings.Repeat("a", 200)
	now := time.Unix(1_700_000_000, 0)
	h := headers(id, now, webhook.Sign(secret, id, now, []byte("body")))
	assert.NoError(t, webhook.Verify(secret, h, []byte("body"), webhook.VerifyOptions{Now: fixed(now)}))
}

func TestSignDependsOnEveryInput(t *testing.T) {
	t.Parallel()
	secret := testSecret()
	other := testSecret()
	other[0] ^= 1
	now := time.Unix(1_700_000_000, 0)
	base := webhook.Sign(secret, "msg_1", now, []byte("body"))
	assert.True(t, strings.HasPrefix(base, "v1,"))
	assert.Len(t, base, 3+44)
	assert.NotEqual(t, base, webhook.Sign(other, "msg_1", now, []byte("body")), "secret")
	assert.NotEqual(t, base, webhook.Sign(secret, "msg_2", now, []byte("body")), "id")
	assert.NotEqual(t, base, webhook.Sign(secret, "msg_1", now.Add(time.Second), []byte("body")), "timestamp")
	assert.NotEqual(t, base, webhook.Sign(secret, "msg_1", now, []byte("bodz")), "body")
}
