package asyncjob_test

import (
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
		t.Fatal("no webhook delivery")
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
