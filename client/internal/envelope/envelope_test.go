package envelope

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/httperr"
)

// The decoder is tested against the writer: what httperr writes, Read gives
// back.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in := httperr.New(http.StatusPreconditionFailed, httperr.CodePreconditionFailed, "stale").With("current_etag", `"7"`)
	for _, tc := range []struct {
		name string
		w    httperr.Writer
	}{
		{"json envelope", httperr.JSON{}},
		{"RFC 9457 problem", httperr.Problem{TypeBase: "https://example.com/p/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			httperr.Write(rec, httptest.NewRequest("GET", "/", nil), tc.w, in)
			got := Read(rec.Result())
			assert.Equal(t, in.Status, got.Status)
			assert.Equal(t, in.Code, got.Code)
			assert.Equal(t, in.Message, got.Message)
			assert.Equal(t, `"7"`, got.Extra["current_etag"])
		})
	}
}

func TestDecodeJunk(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "<html>", `{"error":"x"}`, `{"error":{"code":5}}`, `[]`} {
		e := Decode(502, "application/json", []byte(body))
		assert.Equal(t, 502, e.Status, body)
		assert.Equal(t, "Bad Gateway", e.Message, body)
		assert.Empty(t, e.Code, body)
	}
}
