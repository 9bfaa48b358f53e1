package asyncjob

import (
	_ "embed"
	"encoding/json"
	"errors"
	"strings"
)

//go:embed openapi.json
var openAPIFragment []byte

// OpenAPI returns an OpenAPI 3.1 document (JSON) describing the submit
// endpoint at submitPath (POST) and the status endpoint at statusPath (GET
// with JSON, SSE or WebSocket; DELETE), with their status codes, headers
// and schemas under components. statusPath must contain the "{id}"
// parameter, e.g. "/jobs/{id}". An application merges the "paths" and
// "components" members into its own document and usually replaces the
// submit request body schema, which is its own.
func OpenAPI(submitPath, statusPath string) ([]byte, error) {
	if !strings.HasPrefix(submitPath, "/") || !strings.HasPrefix(statusPath, "/") {
		return nil, errors.New("asyncjob: OpenAPI paths must start with /")
	}
	if !strings.Contains(statusPath, "{id}") {
		return nil, errors.New(`asyncjob: OpenAPI status path must contain "{id}"`)
	}
	if submitPath == statusPath {
		return nil, errors.New("asyncjob: OpenAPI submit and status paths must differ")
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPIFragment, &doc); err != nil {
		return nil, err
	}
	paths := doc["paths"].(map[string]any)
	paths[submitPath] = paths["{submit}"]
	paths[statusPath] = paths["{status}"]
	delete(paths, "{submit}")
	delete(paths, "{status}")
	return json.MarshalIndent(doc, "", "  ")
}
