package conditional

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// wireResponse is what a client received, body read in full.
type wireResponse struct {
	Status int
	Proto  int
	Header http.Header
	Body   string
}

// serve starts h on a real server, over HTTP/2 with TLS when h2 is set, so
// that tests see what net/http actually puts on the wire (a
// ResponseRecorder does not strip or add headers the way the server does).
func serve(t *testing.T, h http.Handler, h2 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// do sends one request and returns the response with its body.
func do(t *testing.T, srv *httptest.Server, method string, h http.Header, body io.Reader) wireResponse {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/r", body)
	require.NoError(t, err)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return wireResponse{Status: resp.StatusCode, Proto: resp.ProtoMajor, Header: resp.Header, Body: string(b)}
}

// protocols names the two transports every wire test runs over.
var protocols = []struct {
	name string
	h2   bool
}{{"HTTP1", false}, {"HTTP2", true}}
