package webhook_test

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// testSecret returns a fresh 32-byte secret with a fixed pattern, so tests
// are deterministic and independent of each other.
func testSecret() []byte {
	return bytes.Repeat([]byte{0x5a, 0xa5, 0x3c, 0xc3}, 8)
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func headers(id string, ts time.Time, sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}
