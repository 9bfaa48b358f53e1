package asyncjob_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// TestHTTP2 runs the poll, 304 and SSE paths over HTTP/2 (CONVENTIONS 28).
func TestHTTP2(t *testing.T) {
	t.Parallel()
	l := newLabServer(t, asyncjob.Options{}, true)
	s := l.script("h2")
	s.result = asyncjob.Result{URL: "/files/h2"}
	doc := l.submit("h2", nil)
	<-s.started
	var resp *http.Response
	require.Eventually(t, func() bool {
		var body string
		resp, body = l.do("GET", "/jobs/"+doc.JobID, nil, "")
		return parseDoc(t, body).Progress == 50 // nothing changes after this
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, 2, resp.ProtoMajor)
	tag := resp.Header.Get("ETag")

	resp, body := l.do("GET", "/jobs/"+doc.JobID, map[string]string{"If-None-Match": tag}, "")
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	assert.Empty(t, body)
	assert.Empty(t, resp.Header.Get("Content-Length"))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))

	st := l.stream(doc.JobID, nil)
	require.Equal(t, 2, st.resp.ProtoMajor)
	ev, ok := st.next()
	require.True(t, ok)
	assert.Equal(t, "processing", ev.event)
	close(s.release)
	for ok && ev.event != "completed" {
		ev, ok = st.next()
	}
	require.True(t, ok)
	assert.Equal(t, "/files/h2", parseDoc(t, ev.data).ResultURL)
}
