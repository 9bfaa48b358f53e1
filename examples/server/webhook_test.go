package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookSecretChecked(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{WebhookSecret: "not-a-secret"})
	assert.Error(t, err)
}

// TestReportsWebhook submits a report with a callback_url: the terminal
// status arrives as a Standard Webhooks POST signed with -webhook-secret.
func TestReportsWebhook(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	ts := startServer(t, config{WebhookSecret: webhook.FormatSecret(secret), WebhookAllowLoopback: true})

	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"`+receiver.URL+`/hook"}`,
		"Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)

	var d delivery
	select {
	case d = <-got:
	case <-time.After(20 * time.Second):
		require.Fail(t, "no webhook delivered")
	}
	require.NoError(t, webhook.Verify(secret, d.header, d.body, webhook.VerifyOptions{}))
	var status map[string]any
	require.NoError(t, json.Unmarshal(d.body, &status))
	assert.Equal(t, "completed", status["status"])
	assert.Equal(t, acc.json(t)["job_id"], status["job_id"])
	// The signature covers the body: a forged one is refused.
	assert.Error(t, webhook.Verify(secret, d.header, bytes.Replace(d.body, []byte("completed"), []byte("failed"), 1), webhook.VerifyOptions{}))

	// Without -webhook-allow-loopback the same callback is refused up front.
	strict := startServer(t, config{WebhookSecret: webhook.FormatSecret(secret)})
	res := strict.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"`+receiver.URL+`/hook"}`,
		"Content-Type", "application/json")
	assert.Equal(t, 422, res.StatusCode, "body: %s", res.body)
}
