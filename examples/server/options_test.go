package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOptions: OPTIONS on a known path is 204 with Allow (RFC 9110 §9.3.7)
// and, where PATCH is allowed, Accept-Patch (RFC 5789 §3.1); on an unknown
// path it is the 404 envelope. On the wire, with a plain client: OPTIONS is
// answered by the router, not by an operation of openapi.json.
func TestOptions(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	const both = "application/merge-patch+json, application/json-patch+json"
	tests := []struct {
		path, allow, acceptPatch string
		status                   int
	}{
		{"/users/1", "GET, HEAD, PATCH, OPTIONS", both, 204},
		{"/documents/1", "DELETE, GET, HEAD, PATCH, PUT, OPTIONS", both, 204},
		{"/documents", "POST, OPTIONS", "", 204},
		{"/events", "GET, HEAD, OPTIONS", "", 204},
		{"/nowhere", "", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodOptions, ts.URL+tc.path, nil)
			require.NoError(t, err)
			res, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			require.Equal(t, tc.status, res.StatusCode, "body: %s", body)
			if tc.status == 404 {
				assert.Contains(t, string(body), `"NOT_FOUND"`)
				return
			}
			assert.Equal(t, tc.allow, res.Header.Get("Allow"))
			assert.Equal(t, tc.acceptPatch, res.Header.Get("Accept-Patch"))
			assert.Empty(t, body)
			assert.Empty(t, res.Header.Get("Content-Type"))
		})
	}
}
