package asyncjob_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/webhook"
)

func TestCallback(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	var calls atomic.Int32
	got := make(chan []byte, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			// A 5xx is retried.
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{}); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- body
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)

	l := newLab(t, asyncjob.Options{
		Notifier:        newSender(t, webhook.Options{Secret: secret, AllowLoopback: true}),
		DeliveryBackoff: time.Millisecond,
	})
	s := l.script("cb")
	s.result = asyncjob.Result{URL: "/files/cb"}
	close(s.release)
	resp, body := l.do("POST", "/reports", nil, `{"name":"cb","callback_url":"`+recv.URL+`/hook"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	id := parseDoc(t, body).JobID

	var delivered []byte
	select {
	case delivered = <-got:
	case <-time.After(10 * time.Second):
		require.Fail(t, "no webhook delivery")
	}
	d := parseDoc(t, string(delivered))
	assert.Equal(t, id, d.JobID)
	assert.Equal(t, "completed", d.Status)
	assert.Equal(t, "/files/cb", d.ResultURL)

	// The outcome is recorded on the job.
	require.Eventually(t, func() bool {
		_, body := l.do("GET", "/jobs/"+id, nil, "")
		c := parseDoc(t, body).Callback
		return c != nil && c.Delivered && c.State == "delivered" && c.Attempts == 2
	}, 5*time.Second, time.Millisecond)
}

func TestCallbackRefused(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{Notifier: newSender(t, webhook.Options{Secret: webhook.NewSecret()})})
	for _, u := range []string{
		"ftp://example.com/hook",  // only http and https
		"http://10.0.0.1/hook",    // private
		"http://127.0.0.1/hook",   // loopback without the opt-in
		"http://169.254.169.254/", // link-local (cloud metadata)
		"not a url",
	} {
		resp, body := l.do("POST", "/reports", nil, `{"name":"r","callback_url":"`+u+`"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, u)
		assert.Contains(t, body, `"field":"callback_url"`, u)
	}
}

func newSender(t *testing.T, o webhook.Options) *webhook.Sender {
	t.Helper()
	s, err := webhook.NewSender(o)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// TestCallbackExhausted: when the retry schedule runs out, the job's
// delivery record says failed, with the last status and error; every
// attempt carried the same webhook-id.
func TestCallbackExhausted(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ids := make(chan string, 8)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		ids <- r.Header.Get("webhook-id")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(recv.Close)
	l := newLab(t, asyncjob.Options{
		Notifier:         newSender(t, webhook.Options{Secret: webhook.NewSecret(), AllowLoopback: true}),
		DeliveryAttempts: 3, DeliveryBackoff: time.Millisecond, DeliveryPollInterval: 5 * time.Millisecond,
	})
	s := l.script("x")
	close(s.release)
	resp, body := l.do("POST", "/reports", nil, `{"name":"x","callback_url":"`+recv.URL+`/hook"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	id := parseDoc(t, body).JobID
	require.Eventually(t, func() bool {
		j, err := l.m.Store().Get(context.Background(), id)
		return err == nil && j.Delivery != nil && j.Delivery.State == asyncjob.DeliveryFailed
	}, 10*time.Second, time.Millisecond)
	j, err := l.m.Store().Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 3, j.Delivery.Attempts)
	assert.Equal(t, http.StatusServiceUnavailable, j.Delivery.StatusCode)
	assert.Equal(t, "webhook: receiver answered 503", j.Delivery.Error)
	assert.False(t, j.Delivery.FinishedAt.IsZero())
	assert.Equal(t, int32(3), calls.Load(), "no attempt after the last")
	for range 3 {
		assert.Equal(t, id, <-ids, "the webhook-id is the job ID on every attempt")
	}
	_, body = l.do("GET", "/jobs/"+id, nil, "")
	c := parseDoc(t, body).Callback
	require.NotNil(t, c)
	assert.Equal(t, "failed", c.State)
	assert.False(t, c.Delivered)
}

// TestCallbackFinalStatus: a 4xx other than 429 ends the delivery at once.
func TestCallbackFinalStatus(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(recv.Close)
	l := newLab(t, asyncjob.Options{
		Notifier:        newSender(t, webhook.Options{Secret: webhook.NewSecret(), AllowLoopback: true}),
		DeliveryBackoff: time.Millisecond,
	})
	s := l.script("g")
	close(s.release)
	resp, body := l.do("POST", "/reports", nil, `{"name":"g","callback_url":"`+recv.URL+`/hook"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	id := parseDoc(t, body).JobID
	require.Eventually(t, func() bool {
		j, err := l.m.Store().Get(context.Background(), id)
		return err == nil && j.Delivery != nil && j.Delivery.State == asyncjob.DeliveryFailed
	}, 10*time.Second, time.Millisecond)
	assert.Equal(t, int32(1), calls.Load())
}
