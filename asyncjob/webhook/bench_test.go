package webhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob/webhook"
)

var benchSizes = []struct {
	name string
	size int
}{{"256B", 256}, {"4KiB", 4 << 10}, {"64KiB", 64 << 10}}

func BenchmarkSign(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1_700_000_000, 0)
	for _, sz := range benchSizes {
		body := bytes.Repeat([]byte("x"), sz.size)
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				_ = webhook.Sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body)
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1_700_000_000, 0)
	opts := webhook.VerifyOptions{Now: func() time.Time { return now }}
	for _, sz := range benchSizes {
		body := bytes.Repeat([]byte("x"), sz.size)
		h := headers("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, webhook.Sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body))
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := webhook.Verify(secret, h, body, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyAdversarial measures a webhook-signature header of 1000
// non-matching v1 items: the cost stays one HMAC plus a linear scan.
func BenchmarkVerifyAdversarial(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"job_id":"j1"}`)
	bad := webhook.Sign(testSecret()[:24], "msg_1", now, body)
	h := headers("msg_1", now, strings.TrimSpace(strings.Repeat(bad+" ", 1000)))
	opts := webhook.VerifyOptions{Now: func() time.Time { return now }}
	b.ReportAllocs()
	for b.Loop() {
		_ = webhook.Verify(secret, h, body, opts)
	}
}

func BenchmarkParseSecret(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhook.ParseSecret(vectorSecret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateURL(b *testing.B) {
	for _, u := range []string{"https://hooks.example.com/jobs/done?token=abc", "http://[2606:4700::6810:84e5]:8443/cb"} {
		b.Run(strconv.Itoa(len(u)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := webhook.ValidateURL(u, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSend is one delivery over loopback HTTP/1.1 with keep-alive,
// the whole client path including signing.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s, err := webhook.NewSender(webhook.Options{Secret: testSecret(), AllowLoopback: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := []byte(`{"job_id":"j1","status":"completed","result_url":"/results/j1"}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if d := s.Send(b.Context(), srv.URL, "msg_1", body); !d.Delivered {
			b.Fatal(d.Err)
		}
	}
}
