package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/httpsem/httpsem/httperr"
)

// A receiver verifies each delivery before acting on it: read the body with a
// limit, Verify it against the raw bytes, and answer 2xx only when it is
// genuine. A non-2xx answer makes the sender retry (5xx, 429) or give up
// (other 4xx).
func ExampleVerify() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err) // a configuration error, found at start-up
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			httperr.Write(w, r, nil, httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, "body too large"))
			return
		}
		if err := webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{}); err != nil {
			// Log err; do not tell the caller which check failed.
			httperr.Write(w, r, nil, httperr.New(http.StatusUnauthorized, "INVALID_SIGNATURE", "signature verification failed"))
			return
		}
		// The webhook-id is the same on every retry: remember processed ids
		// (for at least the tolerance) to act on each message once.
		w.WriteHeader(http.StatusNoContent)
	})

	// A delivery as a sender would make it.
	body := []byte(`{"job_id":"j1","status":"completed"}`)
	now := time.Now()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/jobs", bytes.NewReader(body))
	req.Header.Set(webhook.HeaderID, "msg_j1")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "msg_j1", now, body))

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println("genuine:", rec.Code)

	// The same request with a changed body is refused.
	req = httptest.NewRequest(http.MethodPost, "/webhooks/jobs", bytes.NewReader([]byte(`{"job_id":"j1","status":"failed"}`)))
	req.Header.Set(webhook.HeaderID, "msg_j1")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "msg_j1", now, body))
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println("tampered:", rec.Code)
	// Output:
	// genuine: 204
	// tampered: 401
}

// A sender signs and delivers a payload, retrying failures with backoff.
// AllowLoopback is set only because the example's receiver listens on
// 127.0.0.1; production senders leave it off.
func ExampleSender_Send() {
	secret := webhook.NewSecret()
	// Hand FormatSecret(secret) ("whsec_…") to the receiver once.

	var calls atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body, webhook.VerifyOptions{}); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // retried
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer receiver.Close()

	sender, err := webhook.NewSender(webhook.Options{
		Secret:         secret,
		AllowLoopback:  true,
		InitialBackoff: time.Millisecond,
	})
	if err != nil {
		panic(err)
	}
	defer sender.Close()

	d := sender.Send(context.Background(), receiver.URL+"/hooks", "msg_j1", []byte(`{"job_id":"j1","status":"completed"}`))
	fmt.Println("delivered:", d.Delivered, "attempts:", d.Attempts, "status:", d.StatusCode)

	// Private and loopback destinations are refused unless allowed.
	strict, _ := webhook.NewSender(webhook.Options{Secret: secret})
	defer strict.Close()
	d = strict.Send(context.Background(), receiver.URL, "msg_j2", nil)
	fmt.Println("delivered:", d.Delivered, "attempts:", d.Attempts, "forbidden:", errors.Is(d.Err, webhook.ErrForbiddenAddress))
	// Output:
	// delivered: true attempts: 2 status: 200
	// delivered: false attempts: 0 forbidden: true
}

// ValidateURL rejects an unusable callback URL at submission, before any job
// runs; a service answers 422 for it.
func ExampleValidateURL() {
	for _, u := range []string{
		"https://hooks.example.com/jobs?token=abc",
		"ftp://hooks.example.com/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:10.0.0.1]/",
	} {
		err := webhook.ValidateURL(u, false)
		fmt.Printf("%-45s invalid=%t forbidden=%t\n", u,
			errors.Is(err, webhook.ErrInvalidURL), errors.Is(err, webhook.ErrForbiddenAddress))
	}
	// Output:
	// https://hooks.example.com/jobs?token=abc      invalid=false forbidden=false
	// ftp://hooks.example.com/                      invalid=true forbidden=false
	// http://169.254.169.254/latest/meta-data/      invalid=false forbidden=true
	// http://[::ffff:10.0.0.1]/                     invalid=false forbidden=true
}

// Sign reproduces the Standard Webhooks reference vector.
func ExampleSign() {
	secret, _ := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	fmt.Println(webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`)))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}
