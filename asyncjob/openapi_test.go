package asyncjob_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	b, err := asyncjob.OpenAPI("/reports", "/jobs/{id}")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	submit := doc.Paths.Find("/reports")
	require.NotNil(t, submit)
	require.NotNil(t, submit.Post)
	for _, code := range []string{"202", "303", "400", "413", "422", "503"} {
		assert.NotNil(t, submit.Post.Responses.Value(code), code)
	}
	status := doc.Paths.Find("/jobs/{id}")
	require.NotNil(t, status)
	for _, code := range []string{"200", "204", "303", "304", "404", "503"} {
		assert.NotNil(t, status.Get.Responses.Value(code), code)
	}
	for _, code := range []string{"202", "404", "409"} {
		assert.NotNil(t, status.Delete.Responses.Value(code), code)
	}
	assert.Contains(t, doc.Components.Schemas, "JobStatus")

	for _, bad := range [][2]string{{"reports", "/jobs/{id}"}, {"/reports", "/jobs/x"}, {"/jobs/{id}", "/jobs/{id}"}} {
		_, err := asyncjob.OpenAPI(bad[0], bad[1])
		assert.Error(t, err, bad)
	}
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	assert.NotContains(t, raw["paths"], "{submit}")
}

// TestOpenAPISchemasMatchResponses validates real status documents and
// error bodies against the fragment's schemas, so the two cannot drift.
func TestOpenAPISchemasMatchResponses(t *testing.T) {
	t.Parallel()
	b, err := asyncjob.OpenAPI("/reports", "/jobs/{id}")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	check := func(schema, body string) {
		t.Helper()
		var v any
		require.NoError(t, json.Unmarshal([]byte(body), &v))
		assert.NoError(t, doc.Components.Schemas[schema].Value.VisitJSON(v), "%s: %s", schema, body)
	}

	l := newLab(t, asyncjob.Options{})
	resp, body := l.do("POST", "/reports", nil, `{"name":"ok"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	check("JobAccepted", body)
	ok := l.script("ok")
	ok.result = asyncjob.Result{URL: "/files/ok"}
	<-ok.started
	_, processing := l.do("GET", "/jobs/"+parseDoc(t, body).JobID, nil, "")
	check("JobStatus", processing)
	close(ok.release)
	l.waitState(parseDoc(t, body).JobID, nil, "completed")
	_, completed := l.do("GET", "/jobs/"+parseDoc(t, body).JobID, nil, "")
	check("JobStatus", completed)

	bad := l.script("bad")
	bad.err = &asyncjob.Error{Code: "NOPE", Message: "no"}
	close(bad.release)
	failed := l.submit("bad", nil)
	_, _ = l.waitState(failed.JobID, nil, "failed")
	_, body = l.do("GET", "/jobs/"+failed.JobID, nil, "")
	check("JobStatus", body)

	canceled := l.submit("cancel", nil)
	_, body = l.do("DELETE", "/jobs/"+canceled.JobID, nil, "")
	check("JobStatus", body)
	_, body = l.do("GET", "/jobs/"+asyncjob.NewID(), nil, "")
	check("ErrorEnvelope", body)
}
