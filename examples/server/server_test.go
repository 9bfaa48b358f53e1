package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/asyncjob/webhook"
	"github.com/httpsem/httpsem/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})

	list := ts.do(t, http.MethodGet, "/events", "")
	require.Equal(t, http.StatusOK, list.StatusCode)
	listTag := list.Header.Get("ETag")
	one := ts.do(t, http.MethodGet, "/events/1", "")
	require.Equal(t, http.StatusOK, one.StatusCode)
	oneTag := one.Header.Get("ETag")
	xml := ts.do(t, http.MethodGet, "/events/1", "", "Accept", "application/xml")
	require.Equal(t, http.StatusOK, xml.StatusCode)

	tests := []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
		ctype   string
		etag    string // expected ETag, "" = any non-empty on 2xx/304
		code    string // error code for 4xx
	}{
		{name: "list JSON", method: "GET", path: "/events", status: 200, ctype: "application/json", etag: listTag},
		// RFC 9110 §12.5.1: */* matches the first offer, JSON.
		{name: "list */*", method: "GET", path: "/events", headers: []string{"Accept", "*/*"}, status: 200, ctype: "application/json", etag: listTag},
		{name: "list XML", method: "GET", path: "/events", headers: []string{"Accept", "application/xml"}, status: 200, ctype: "application/xml; charset=utf-8"},
		{name: "item JSON", method: "GET", path: "/events/2", status: 200, ctype: "application/json"},
		{name: "item XML preferred by q", method: "GET", path: "/events/1", headers: []string{"Accept", "application/json;q=0.5, application/xml"}, status: 200, ctype: "application/xml; charset=utf-8", etag: xml.Header.Get("ETag")},
		// RFC 9110 §15.5.7
		{name: "406", method: "GET", path: "/events/1", headers: []string{"Accept", "text/csv"}, status: 406, code: "NOT_ACCEPTABLE"},
		// RFC 9110 §13.1.2: a matching If-None-Match on GET is 304, list too.
		{name: "list 304", method: "GET", path: "/events", headers: []string{"If-None-Match", listTag}, status: 304, etag: listTag},
		{name: "item 304 weak compare", method: "GET", path: "/events/1", headers: []string{"If-None-Match", `"x", W/` + oneTag}, status: 304, etag: oneTag},
		{name: "item If-None-Match other", method: "GET", path: "/events/1", headers: []string{"If-None-Match", `"other"`}, status: 200, ctype: "application/json", etag: oneTag},
		{name: "HEAD", method: "HEAD", path: "/events/1", status: 200, ctype: "application/json", etag: oneTag},
		{name: "HEAD 304", method: "HEAD", path: "/events", headers: []string{"If-None-Match", listTag}, status: 304, etag: listTag},
		{name: "unknown id", method: "GET", path: "/events/4", status: 404, code: "NOT_FOUND"},
		{name: "POST not allowed", method: "POST", path: "/events", status: 405, code: "METHOD_NOT_ALLOWED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := ts.do(t, tc.method, tc.path, "", tc.headers...)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			switch {
			case tc.status >= 400:
				assert.Equal(t, tc.code, res.errorCode(t))
				assert.Empty(t, res.Header.Get("ETag"))
				if tc.status == 405 {
					assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
				}
				return
			case tc.status == 304:
				assert.Empty(t, res.body)
				assert.Empty(t, res.Header.Get("Content-Type")) // RFC 9110 §15.4.5
			case tc.method == "HEAD":
				assert.Empty(t, res.body)
				assert.Equal(t, one.Header.Get("Content-Length"), res.Header.Get("Content-Length"))
			default:
				assert.Equal(t, tc.ctype, res.Header.Get("Content-Type"))
				assert.NotEmpty(t, res.body)
			}
			assert.Equal(t, "public, max-age=60", res.Header.Get("Cache-Control"))
			assert.Equal(t, "Accept", res.Header.Get("Vary"))
			tag := res.Header.Get("ETag")
			assert.True(t, strings.HasPrefix(tag, `"`), "strong ETag, got %q", tag)
			if tc.etag != "" {
				assert.Equal(t, tc.etag, tag)
			}
		})
	}

	t.Run("representations have distinct tags", func(t *testing.T) {
		t.Parallel()
		assert.NotEqual(t, oneTag, xml.Header.Get("ETag"))
		assert.Contains(t, string(xml.body), `<event id="1">`)
		var ev struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		require.NoError(t, json.Unmarshal(one.body, &ev))
		assert.Equal(t, "1", ev.ID)
		assert.NotEmpty(t, ev.Name)
		var l struct {
			Events []json.RawMessage `json:"events"`
		}
		require.NoError(t, json.Unmarshal(list.body, &l))
		assert.Len(t, l.Events, 3)
	})
}

func TestUsersGet(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})

	res := ts.do(t, "GET", "/users/1", "")
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "private, max-age=300", res.Header.Get("Cache-Control"))
	assert.Equal(t, "Accept", res.Header.Get("Vary"))
	assert.NotEmpty(t, res.Header.Get("Last-Modified"))
	tag := res.Header.Get("ETag")
	require.NotEmpty(t, tag)
	u := res.json(t)
	for _, k := range []string{"id", "name", "email", "phone", "address", "preferences"} {
		assert.Contains(t, u, k)
	}
	assert.Equal(t, map[string]any{"city": "London", "zip": "W1J 7NT"}, u["address"])

	x := ts.do(t, "GET", "/users/2", "", "Accept", "application/xml")
	require.Equal(t, 200, x.StatusCode)
	assert.Contains(t, string(x.body), `<user id="2">`)
	assert.Equal(t, "application/xml; charset=utf-8", x.Header.Get("Content-Type"))

	// RFC 9110 §13.1.2
	nm := ts.do(t, "GET", "/users/1", "", "If-None-Match", tag)
	assert.Equal(t, 304, nm.StatusCode)
	assert.Empty(t, nm.body)
	assert.Equal(t, tag, nm.Header.Get("ETag"))
	assert.Equal(t, "private, max-age=300", nm.Header.Get("Cache-Control"))
	assert.Equal(t, "Accept", nm.Header.Get("Vary"))

	// The JSON tag does not revalidate the XML representation.
	assert.Equal(t, 200, ts.do(t, "GET", "/users/1", "", "If-None-Match", tag, "Accept", "application/xml").StatusCode)
	h := ts.do(t, "HEAD", "/users/1", "")
	assert.Equal(t, 200, h.StatusCode)
	assert.Empty(t, h.body)
	assert.Equal(t, tag, h.Header.Get("ETag"))

	assert.Equal(t, "NOT_ACCEPTABLE", ts.do(t, "GET", "/users/1", "", "Accept", "text/html").errorCode(t))
	nf := ts.do(t, "GET", "/users/3", "")
	assert.Equal(t, 404, nf.StatusCode)
	assert.Equal(t, "NOT_FOUND", nf.errorCode(t))
}

func TestUsersPatch(t *testing.T) {
	t.Parallel()
	const merge, jsonPatch = "application/merge-patch+json", "application/json-patch+json"
	tests := []struct {
		name    string
		ctype   string
		body    string
		ifMatch string // "current", "stale" or ""
		status  int
		code    string
		check   func(t *testing.T, u map[string]any)
	}{
		{name: "merge patch", ctype: merge, body: `{"phone":"+44 1","preferences":{"theme":"light"}}`, status: 200,
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, "+44 1", u["phone"])
				assert.Equal(t, map[string]any{"theme": "light", "notifications": true}, u["preferences"])
			}},
		{name: "merge patch with current If-Match", ctype: merge, body: `{"name":"Ada King"}`, ifMatch: "current", status: 200,
			check: func(t *testing.T, u map[string]any) { assert.Equal(t, "Ada King", u["name"]) }},
		{name: "merge patch with charset", ctype: merge + "; charset=utf-8", body: `{"address":{"zip":"N1"}}`, status: 200,
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, map[string]any{"city": "London", "zip": "N1"}, u["address"])
			}},
		{name: "json patch", ctype: jsonPatch, body: `[{"op":"test","path":"/name","value":"Ada Lovelace"},{"op":"replace","path":"/address/city","value":"Paris"}]`, status: 200,
			check: func(t *testing.T, u map[string]any) { assert.Equal(t, "Paris", u["address"].(map[string]any)["city"]) }},
		// Remove and add moves "phone" to the end of the patched document;
		// the stored user keeps its member order.
		{name: "json patch reorders members", ctype: jsonPatch, body: `[{"op":"remove","path":"/phone"},{"op":"add","path":"/phone","value":"\u0031"}]`, status: 200,
			check: func(t *testing.T, u map[string]any) { assert.Equal(t, "1", u["phone"]) }},
		// RFC 9110 §13.1.1: a stale If-Match fails.
		{name: "stale If-Match", ctype: merge, body: `{"name":"X"}`, ifMatch: "stale", status: 412, code: "CONFLICT"},
		// RFC 5789 §2.2 malformed patch document.
		{name: "malformed merge patch", ctype: merge, body: `{"name":`, status: 400},
		{name: "malformed json patch", ctype: jsonPatch, body: `[{"op":"jump","path":"/name"}]`, status: 400},
		// RFC 6902 §4.6 failed test, §4.2 missing target: conflicting state.
		{name: "failed test", ctype: jsonPatch, body: `[{"op":"test","path":"/name","value":"Bob"}]`, status: 409, code: "CONFLICT"},
		{name: "missing path", ctype: jsonPatch, body: `[{"op":"remove","path":"/nickname"}]`, status: 409, code: "CONFLICT"},
		// RFC 5789 §2.2: a result the server cannot accept.
		{name: "email not a string", ctype: merge, body: `{"email":42}`, status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "invalid email", ctype: jsonPatch, body: `[{"op":"replace","path":"/email","value":"nobody"}]`, status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "id is read-only", ctype: merge, body: `{"id":"9"}`, status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "unknown member", ctype: merge, body: `{"nickname":"A"}`, status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "name removed", ctype: merge, body: `{"name":null}`, status: 422, code: "UNPROCESSABLE_ENTITY"},
		// RFC 5789 §2.2 (erratum 3169): plain JSON is not a patch format.
		{name: "plain JSON", ctype: "application/json", body: `{"name":"X"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "text", ctype: "text/plain", body: `name=X`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, config{})
			before := ts.do(t, "GET", "/users/1", "")
			require.Equal(t, 200, before.StatusCode)
			tag := before.Header.Get("ETag")
			headers := []string{"Content-Type", tc.ctype}
			switch tc.ifMatch {
			case "current":
				headers = append(headers, "If-Match", tag)
			case "stale":
				require.Equal(t, 200, ts.do(t, "PATCH", "/users/1", `{"phone":"1"}`, "Content-Type", merge).StatusCode)
				headers = append(headers, "If-Match", tag)
			}
			res := ts.do(t, "PATCH", "/users/1", tc.body, headers...)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			after := ts.do(t, "GET", "/users/1", "")
			if tc.status != 200 {
				code := res.errorCode(t)
				if tc.code != "" {
					assert.Equal(t, tc.code, code)
				}
				if tc.status == 415 {
					assert.Equal(t, "application/merge-patch+json, application/json-patch+json", res.Header.Get("Accept-Patch"))
				}
				if tc.status == 412 {
					assert.Equal(t, after.Header.Get("ETag"), res.json(t)["error"].(map[string]any)["current_etag"])
				}
				if tc.ifMatch != "stale" {
					assert.Equal(t, before.body, after.body, "a failed PATCH changes nothing")
				}
				return
			}
			newTag := res.Header.Get("ETag")
			assert.NotEqual(t, tag, newTag)
			assert.Equal(t, newTag, after.Header.Get("ETag"))
			// RFC 9110 §8.8.3: one strong ETag, one sequence of bytes; the
			// 200 is the user as stored, not the patched document.
			assert.Equal(t, string(after.body), string(res.body))
			tc.check(t, res.json(t))
		})
	}

	t.Run("unknown user", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, config{})
		res := ts.do(t, "PATCH", "/users/9", `{"name":"X"}`, "Content-Type", merge)
		assert.Equal(t, 404, res.StatusCode)
		assert.Equal(t, "NOT_FOUND", res.errorCode(t))
	})
}

func TestDocuments(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	ts := startServer(t, config{Now: clock.Now})

	// POST → 201 with Location and ETag.
	created := ts.do(t, "POST", "/documents", `{"title":"Plan","content":"v1"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	loc := created.Header.Get("Location")
	require.Regexp(t, `^/documents/[0-9]+$`, loc)
	tag1 := created.Header.Get("ETag")
	require.NotEmpty(t, tag1)
	lm1 := created.Header.Get("Last-Modified")
	assert.Equal(t, clock.Now().Format(http.TimeFormat), lm1)

	// GET with strong ETag and Last-Modified; 304 for both validators.
	got := ts.do(t, "GET", loc, "")
	require.Equal(t, 200, got.StatusCode)
	assert.Equal(t, tag1, got.Header.Get("ETag"))
	assert.Equal(t, lm1, got.Header.Get("Last-Modified"))
	assert.Equal(t, "private, no-cache", got.Header.Get("Cache-Control"))
	assert.Equal(t, "Plan", got.json(t)["title"])
	assert.Equal(t, 304, ts.do(t, "GET", loc, "", "If-None-Match", tag1).StatusCode)    // RFC 9110 §13.1.2
	assert.Equal(t, 304, ts.do(t, "GET", loc, "", "If-Modified-Since", lm1).StatusCode) // RFC 9110 §13.1.3
	assert.Equal(t, 200, ts.do(t, "GET", loc, "", "If-None-Match", `"0"`).StatusCode)   // other tag
	assert.Equal(t, 200, ts.do(t, "GET", loc, "", "If-Modified-Since", clock.Now().Add(-time.Hour).Format(http.TimeFormat)).StatusCode)

	put := func(path, body string, headers ...string) response {
		return ts.do(t, "PUT", path, body, append([]string{"Content-Type", "application/json"}, headers...)...)
	}

	// PUT without a precondition: 428 (RFC 6585 §3).
	r := put(loc, `{"title":"Plan","content":"v2"}`)
	require.Equal(t, 428, r.StatusCode)
	assert.Equal(t, "PRECONDITION_REQUIRED", r.errorCode(t))

	// If-Match current → 200 with a new ETag.
	clock.Add(2 * time.Second)
	r = put(loc, `{"title":"Plan","content":"v2"}`, "If-Match", tag1)
	require.Equal(t, 200, r.StatusCode, "body: %s", r.body)
	tag2 := r.Header.Get("ETag")
	assert.NotEqual(t, tag1, tag2)
	assert.Equal(t, "v2", r.json(t)["content"])

	// Stale If-Match → 412 with CONFLICT and current_etag (the lost update
	// prevented, RFC 9110 §13.1.1).
	r = put(loc, `{"title":"Plan","content":"lost"}`, "If-Match", tag1)
	require.Equal(t, 412, r.StatusCode)
	assert.Equal(t, "CONFLICT", r.errorCode(t))
	assert.Equal(t, tag2, r.json(t)["error"].(map[string]any)["current_etag"])

	// If-Unmodified-Since (RFC 9110 §13.1.4): lm1 is before the last change.
	r = put(loc, `{"title":"Plan","content":"lost"}`, "If-Unmodified-Since", lm1)
	assert.Equal(t, 412, r.StatusCode)
	lm2 := ts.do(t, "GET", loc, "").Header.Get("Last-Modified")
	clock.Add(2 * time.Second)
	r = put(loc, `{"title":"Plan","content":"v3"}`, "If-Unmodified-Since", lm2)
	require.Equal(t, 200, r.StatusCode)
	tag3 := r.Header.Get("ETag")

	// If-None-Match: * creates at a client-chosen id, and fails once it exists.
	r = put("/documents/notes", `{"title":"Notes","content":""}`, "If-None-Match", "*")
	require.Equal(t, 201, r.StatusCode, "body: %s", r.body)
	assert.Equal(t, "/documents/notes", r.Header.Get("Location"))
	assert.NotEmpty(t, r.Header.Get("ETag"))
	r = put("/documents/notes", `{"title":"Notes","content":"again"}`, "If-None-Match", "*")
	assert.Equal(t, 412, r.StatusCode)
	// Creating without a precondition, or with If-Match, is refused.
	assert.Equal(t, 428, put("/documents/other", `{"title":"O","content":""}`).StatusCode)
	assert.Equal(t, 412, put("/documents/other", `{"title":"O","content":""}`, "If-Match", tag3).StatusCode)
	assert.Equal(t, 400, put("/documents/bad%20id", `{"title":"O","content":""}`, "If-None-Match", "*").StatusCode)

	// PATCH follows the same rules, in both formats.
	patchDoc := func(ctype, body string, headers ...string) response {
		return ts.do(t, "PATCH", loc, body, append([]string{"Content-Type", ctype}, headers...)...)
	}
	assert.Equal(t, 428, patchDoc("application/merge-patch+json", `{"content":"x"}`).StatusCode)
	assert.Equal(t, 412, patchDoc("application/merge-patch+json", `{"content":"x"}`, "If-Match", tag2).StatusCode)
	clock.Add(2 * time.Second)
	r = patchDoc("application/merge-patch+json", `{"content":"v4"}`, "If-Match", tag3)
	require.Equal(t, 200, r.StatusCode, "body: %s", r.body)
	tag4 := r.Header.Get("ETag")
	// The 200 is the document as stored, with the updated_at the write set:
	// the bytes a GET returns under the same strong ETag (RFC 9110 §8.8.3).
	lm4 := r.Header.Get("Last-Modified")
	assert.Equal(t, clock.Now().Format(http.TimeFormat), lm4)
	updated, err := time.Parse(time.RFC3339, r.json(t)["updated_at"].(string))
	require.NoError(t, err)
	assert.Equal(t, lm4, updated.Format(http.TimeFormat))
	g := ts.do(t, "GET", loc, "")
	assert.Equal(t, tag4, g.Header.Get("ETag"))
	assert.Equal(t, string(g.body), string(r.body))
	r = patchDoc("application/json-patch+json", `[{"op":"test","path":"/content","value":"v4"},{"op":"replace","path":"/title","value":"Plan B"}]`, "If-Match", tag4)
	require.Equal(t, 200, r.StatusCode, "body: %s", r.body)
	tag5 := r.Header.Get("ETag")
	assert.Equal(t, "Plan B", r.json(t)["title"])
	assert.Equal(t, 409, patchDoc("application/json-patch+json", `[{"op":"test","path":"/content","value":"v1"}]`, "If-Match", tag5).StatusCode)
	assert.Equal(t, 422, patchDoc("application/merge-patch+json", `{"title":null}`, "If-Match", tag5).StatusCode)
	assert.Equal(t, 422, patchDoc("application/merge-patch+json", `{"id":"9"}`, "If-Match", tag5).StatusCode)                            // read-only
	assert.Equal(t, 422, patchDoc("application/merge-patch+json", `{"updated_at":"2000-01-01T00:00:00Z"}`, "If-Match", tag5).StatusCode) // read-only
	assert.Equal(t, 422, patchDoc("application/merge-patch+json", `{"owner":"me"}`, "If-Match", tag5).StatusCode)                        // unknown member
	assert.Equal(t, 400, patchDoc("application/json-patch+json", `[{"op":"nope","path":"/x"}]`, "If-Match", tag5).StatusCode)
	assert.Equal(t, 415, patchDoc("application/json", `{"title":"x"}`, "If-Match", tag5).StatusCode)
	assert.Equal(t, 404, ts.do(t, "PATCH", "/documents/none", `{}`, "Content-Type", "application/merge-patch+json", "If-Match", tag5).StatusCode)

	// DELETE: 428 without, 412 stale, 204 current, then 404.
	assert.Equal(t, 428, ts.do(t, "DELETE", loc, "").StatusCode)
	assert.Equal(t, 412, ts.do(t, "DELETE", loc, "", "If-Match", tag4).StatusCode)
	d := ts.do(t, "DELETE", loc, "", "If-Match", tag5)
	assert.Equal(t, 204, d.StatusCode)
	assert.Empty(t, d.body)
	assert.Equal(t, 404, ts.do(t, "GET", loc, "").StatusCode)
	assert.Equal(t, 404, ts.do(t, "DELETE", loc, "", "If-Match", tag5).StatusCode)

	// Recreating at the same id never reuses an old tag.
	r = put(loc, `{"title":"Again","content":""}`, "If-None-Match", "*")
	require.Equal(t, 201, r.StatusCode)
	for _, old := range []string{tag1, tag2, tag3, tag4, tag5} {
		assert.NotEqual(t, old, r.Header.Get("ETag"))
	}
}

func TestDocumentsValidation(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	tests := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"malformed JSON", "application/json", `{"title":`, 400, "BAD_REQUEST"},
		{"two values", "application/json", `{"title":"a","content":""} {}`, 400, "BAD_REQUEST"},
		{"missing title", "application/json", `{"content":"x"}`, 422, "UNPROCESSABLE_ENTITY"},
		{"empty title", "application/json", `{"title":" ","content":"x"}`, 422, "UNPROCESSABLE_ENTITY"},
		{"wrong type", "application/json", `{"title":1,"content":"x"}`, 422, "UNPROCESSABLE_ENTITY"},
		{"unknown field", "application/json", `{"title":"a","content":"x","owner":"me"}`, 422, "UNPROCESSABLE_ENTITY"},
		{"not an object", "application/json", `[1]`, 422, "UNPROCESSABLE_ENTITY"},
		{"too large", "application/json", `{"title":"a","content":"` + strings.Repeat("x", maxJSONBody) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
		// RFC 9110 §15.5.16
		{"text", "text/plain", `hello`, 415, "UNSUPPORTED_MEDIA_TYPE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := ts.do(t, "POST", "/documents", tc.body, "Content-Type", tc.ctype)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			assert.Equal(t, tc.code, res.errorCode(t))
			if tc.status == 415 {
				assert.Equal(t, "application/json", res.Header.Get("Accept-Post"))
			}
		})
	}
}

// TestDocumentsLostUpdate runs 8 clients that each add 1 to a counter stored
// in a document 25 times, by GET and then PUT (or PATCH) with If-Match,
// retrying on 412. Because check and write are atomic, no increment is lost.
func TestDocumentsLostUpdate(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"PUT", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			lostUpdate(t, method)
		})
	}
}

func lostUpdate(t *testing.T, method string) {
	ts := startServer(t, config{})
	const clients, increments = 8, 25
	created := ts.do(t, "POST", "/documents", `{"title":"counter","content":"0"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode)
	loc := created.Header.Get("Location")

	// Each client reports its error on a channel: require must run on the
	// test goroutine.
	errs := make(chan error, clients)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		retries int
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				for done := 0; done < increments; {
					res, err := ts.client.Get(ts.URL + loc)
					if err != nil {
						return err
					}
					var doc document
					err = json.NewDecoder(res.Body).Decode(&doc)
					res.Body.Close()
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(doc.Content)
					if err != nil {
						return err
					}
					body := fmt.Sprintf(`{"title":"counter","content":"%d"}`, n+1)
					ctype := "application/json"
					if method == "PATCH" {
						body = fmt.Sprintf(`[{"op":"replace","path":"/content","value":"%d"}]`, n+1)
						ctype = "application/json-patch+json"
					}
					req, err := http.NewRequest(method, ts.URL+loc, strings.NewReader(body))
					if err != nil {
						return err
					}
					req.Header.Set("Content-Type", ctype)
					req.Header.Set("If-Match", res.Header.Get("ETag"))
					wres, err := ts.client.Do(req)
					if err != nil {
						return err
					}
					wres.Body.Close()
					switch wres.StatusCode {
					case http.StatusOK:
						done++
					case http.StatusPreconditionFailed:
						mu.Lock()
						retries++
						mu.Unlock()
					default:
						return fmt.Errorf("%s: unexpected status %d", method, wres.StatusCode)
					}
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	final := ts.do(t, "GET", loc, "")
	assert.Equal(t, strconv.Itoa(clients*increments), final.json(t)["content"])
	t.Logf("%s: %d increments, %d retries after 412", method, clients*increments, retries)
}

func TestReports(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	const body = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`

	acc := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	doc := acc.json(t)
	statusURL := acc.Header.Get("Location")
	assert.Regexp(t, `^/jobs/[A-Za-z0-9_-]{22}$`, statusURL)
	assert.Equal(t, statusURL, doc["status_url"])
	assert.Equal(t, "accepted", doc["status"])
	assert.NotEmpty(t, doc["job_id"])
	assert.NotEmpty(t, doc["estimated_completion"])
	assert.NotEmpty(t, acc.Header.Get("Retry-After"))

	final, progress := ts.waitJob(t, statusURL)
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	loc := final.Header.Get("Location")
	assert.Regexp(t, `^/reports/[A-Za-z0-9_-]+$`, loc)
	assert.Equal(t, float64(100), final.json(t)["progress"])
	assert.IsNonDecreasing(t, progress)

	rep := ts.do(t, "GET", loc, "")
	require.Equal(t, 200, rep.StatusCode)
	assert.Equal(t, "application/json", rep.Header.Get("Content-Type"))
	assert.Equal(t, "private, max-age=31536000, immutable", rep.Header.Get("Cache-Control"))
	tag := rep.Header.Get("ETag")
	require.NotEmpty(t, tag)
	m := rep.json(t)
	assert.Equal(t, "sales_summary", m["type"])
	assert.Len(t, m["months"], 12)
	nm := ts.do(t, "GET", loc, "", "If-None-Match", tag)
	assert.Equal(t, 304, nm.StatusCode)
	assert.Equal(t, "private, max-age=31536000, immutable", nm.Header.Get("Cache-Control"))
	assert.Equal(t, 404, ts.do(t, "GET", "/reports/nope", "").StatusCode)
	assert.Equal(t, 404, ts.do(t, "GET", "/jobs/nope", "").StatusCode)
}

func TestReportsSSE(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: time.Second})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)

	req, err := http.NewRequest("GET", ts.URL+acc.Header.Get("Location"), nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	res, err := ts.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))

	var (
		events   []string
		progress []int
		last     map[string]any
	)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			events = append(events, ev)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			last = nil
			require.NoError(t, json.Unmarshal([]byte(data), &last))
			progress = append(progress, int(last["progress"].(float64)))
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, events)
	assert.Equal(t, "completed", events[len(events)-1])
	assert.Contains(t, events, "processing")
	assert.IsNonDecreasing(t, progress)
	assert.Equal(t, 100, progress[len(progress)-1])
	assert.Greater(t, len(progress), 2, "progress is reported on the way: %v", progress)
	assert.Regexp(t, `^/reports/`, last["result_url"])
}

func TestReportsTooLarge(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2023-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)
	final, _ := ts.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 200, final.StatusCode)
	m := final.json(t)
	assert.Equal(t, "failed", m["status"])
	assert.Equal(t, map[string]any{"code": "DATA_TOO_LARGE", "message": "Report exceeds maximum size. Try narrowing the date range.", "retryable": true}, m["error"])

	// 366 days (a leap year) is still fine.
	acc = ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)
	final, _ = ts.waitJob(t, acc.Header.Get("Location"))
	assert.Equal(t, 303, final.StatusCode)
}

func TestReportsValidation(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	tests := []struct {
		name, ctype, body string
		status            int
	}{
		{"malformed", "application/json", `{"type":`, 400},
		{"missing type", "application/json", `{"date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"unknown type", "application/json", `{"type":"inventory","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"missing range", "application/json", `{"type":"sales_summary"}`, 422},
		{"missing to", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-01-01"}}`, 422},
		{"bad date", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-13-01","to":"2024-12-31"}}`, 422},
		{"from after to", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-12-31","to":"2024-01-01"}}`, 422},
		{"wrong type", "application/json", `{"type":1,"date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"callback without secret", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"https://example.com/hook"}`, 422},
		{"not JSON", "text/plain", `type=sales_summary`, 415},
		{"form", "application/x-www-form-urlencoded", `type=sales_summary`, 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := ts.do(t, "POST", "/reports", tc.body, "Content-Type", tc.ctype)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			res.errorCode(t)
			assert.Empty(t, res.Header.Get("Location"), "no job was created")
		})
	}
}

func TestReportsIdempotencyAndCancel(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: time.Minute})
	const body = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-06-30"}}`
	a := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	require.Equal(t, 202, a.StatusCode)
	b := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	require.Equal(t, 202, b.StatusCode)
	assert.Equal(t, a.json(t)["job_id"], b.json(t)["job_id"], "a retry gets the same job")
	assert.Equal(t, a.body, b.body)
	// Same key, different request.
	c := ts.do(t, "POST", "/reports", strings.Replace(body, "06-30", "07-31", 1), "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	assert.Equal(t, 422, c.StatusCode)
	d := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"bad" "key"`)
	assert.Equal(t, 400, d.StatusCode)

	// DELETE cancels the running job.
	loc := a.Header.Get("Location")
	cancel := ts.do(t, "DELETE", loc, "")
	require.Equal(t, 202, cancel.StatusCode, "body: %s", cancel.body)
	final, _ := ts.waitJob(t, loc)
	assert.Equal(t, "canceled", final.json(t)["status"])
	assert.Equal(t, 405, ts.do(t, "PUT", loc, "").StatusCode)
}

func TestUploads(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	created := ts.do(t, "POST", "/uploads", `{"filename":"data.txt","content_type":"text/plain"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	up := created.json(t)
	id, _ := up["upload_id"].(string)
	require.NotEmpty(t, id)
	assert.Equal(t, "/uploads/"+id, created.Header.Get("Location"))

	part := func(n, data string) response {
		return ts.do(t, "PUT", "/uploads/"+id+"/parts/"+n, data, "Content-Type", "application/octet-stream")
	}
	p1 := part("1", "hello, ")
	require.Equal(t, 200, p1.StatusCode, "body: %s", p1.body)
	tag1 := p1.Header.Get("ETag")
	require.NotEmpty(t, tag1)
	assert.Equal(t, tag1, p1.json(t)["etag"])
	p2 := part("2", "wrold")
	require.Equal(t, 200, p2.StatusCode)
	// A part is retried on its own: replacing it changes its ETag.
	p2b := part("2", "world")
	require.Equal(t, 200, p2b.StatusCode)
	tag2 := p2b.Header.Get("ETag")
	assert.NotEqual(t, p2.Header.Get("ETag"), tag2)
	assert.Equal(t, 400, part("0", "x").StatusCode)
	assert.Equal(t, 400, part("01", "x").StatusCode)
	assert.Equal(t, 400, part("1001", "x").StatusCode)
	assert.Equal(t, 404, ts.do(t, "PUT", "/uploads/nope/parts/1", "x").StatusCode)

	// The server says which parts it holds, for a client resuming.
	st := ts.do(t, "GET", "/uploads/"+id, "")
	require.Equal(t, 200, st.StatusCode)
	assert.Len(t, st.json(t)["parts"], 2)

	complete := func(body string, headers ...string) response {
		return ts.do(t, "POST", "/uploads/"+id+"/complete", body, append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	list := func(entries ...string) string { return `{"parts":[` + strings.Join(entries, ",") + `]}` }
	entry := func(n int, tag string) string {
		b, _ := json.Marshal(map[string]any{"part_number": n, "etag": tag})
		return string(b)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"stale part ETag", list(entry(1, tag1), entry(2, p2.Header.Get("ETag"))), 400, "INVALID_PART"},
		{"missing part", list(entry(1, tag1), entry(2, tag2), entry(3, tag2)), 409, "MISSING_PART"},
		{"out of order", list(entry(2, tag2), entry(1, tag1)), 400, "BAD_REQUEST"},
		{"repeated", list(entry(1, tag1), entry(1, tag1)), 400, "BAD_REQUEST"},
		{"not an ETag", list(entry(1, "abc")), 400, "BAD_REQUEST"},
		{"empty", list(), 400, "BAD_REQUEST"},
		{"malformed", `{"parts":`, 400, "BAD_REQUEST"},
	}
	for _, tc := range tests {
		res := complete(tc.body)
		assert.Equal(t, tc.status, res.StatusCode, "%s: %s", tc.name, res.body)
		assert.Equal(t, tc.code, res.errorCode(t), tc.name)
	}

	good := list(entry(1, tag1), entry(2, tag2))
	acc := complete(good, "Idempotency-Key", "upload-"+id)
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	again := complete(good, "Idempotency-Key", "upload-"+id)
	require.Equal(t, 202, again.StatusCode, "body: %s", again.body)
	assert.Equal(t, acc.json(t)["job_id"], again.json(t)["job_id"])

	final, _ := ts.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	assert.Equal(t, "/files/"+id, final.Header.Get("Location"))

	f := ts.do(t, "GET", "/files/"+id, "")
	require.Equal(t, 200, f.StatusCode)
	assert.Equal(t, "hello, world", string(f.body))
	assert.Equal(t, "text/plain", f.Header.Get("Content-Type"))
	assert.Equal(t, "private, max-age=31536000, immutable", f.Header.Get("Cache-Control"))
	assert.Equal(t, 304, ts.do(t, "GET", "/files/"+id, "", "If-None-Match", f.Header.Get("ETag")).StatusCode)
	rg := ts.do(t, "GET", "/files/"+id, "", "Range", "bytes=7-")
	assert.Equal(t, 206, rg.StatusCode)
	assert.Equal(t, "world", string(rg.body))

	// The parts are fixed once completed.
	assert.Equal(t, 409, part("3", "late").StatusCode)
	assert.Equal(t, 409, complete(list(entry(1, tag1))).StatusCode)
	assert.Equal(t, 404, ts.do(t, "GET", "/files/nope", "").StatusCode)

	bad := ts.do(t, "POST", "/uploads", `{"content_type":"text/plain"}`, "Content-Type", "application/json")
	assert.Equal(t, 422, bad.StatusCode)
	bad = ts.do(t, "POST", "/uploads", `{"filename":"a","content_type":"not a type"}`, "Content-Type", "application/json")
	assert.Equal(t, 422, bad.StatusCode)
}

func TestPageAndStatic(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	page := ts.do(t, "GET", "/", "")
	require.Equal(t, 200, page.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", page.Header.Get("Content-Type"))
	assert.NotEmpty(t, page.Header.Get("ETag"))
	assert.Equal(t, 304, ts.do(t, "GET", "/", "", "If-None-Match", page.Header.Get("ETag")).StatusCode)

	for name, ctype := range map[string]string{"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"} {
		data, err := webFS.ReadFile("web/" + name)
		require.NoError(t, err)
		hashed := fingerprint(name, data)
		assert.Regexp(t, `^app\.[0-9a-f]{16}\.(js|css)$`, hashed)
		assert.Contains(t, string(page.body), `/static/`+hashed, "the page references the fingerprinted name")
		res := ts.do(t, "GET", "/static/"+hashed, "")
		require.Equal(t, 200, res.StatusCode)
		assert.Equal(t, data, res.body)
		assert.Equal(t, ctype, res.Header.Get("Content-Type"))
		assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
		// The bare name is not served: it would be cached forever under a
		// name whose content changes.
		assert.Equal(t, 404, ts.do(t, "GET", "/static/"+name, "").StatusCode)
	}
	assert.NotEqual(t, fingerprint("a.js", []byte("1")), fingerprint("a.js", []byte("2")))
	nf := ts.do(t, "GET", "/nothing-here", "")
	assert.Equal(t, 404, nf.StatusCode)
	assert.Equal(t, "NOT_FOUND", nf.errorCode(t))
}

// redisURL returns the Redis to test against: $REDIS_URL, else a server on
// 127.0.0.1:6379 when one answers; it skips (fails in CI) otherwise.
func redisURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
	if err != nil {
		testenv.Missing(t, "no Redis: set REDIS_URL or run redis-server on 127.0.0.1:6379")
	}
	conn.Close()
	return "redis://127.0.0.1:6379/0"
}

// TestRedis_SharedJobs runs two instances on one Redis: a report submitted
// to A is polled, streamed and read on B, whichever instance ran it.
func TestRedis_SharedJobs(t *testing.T) {
	t.Parallel()
	url := redisURL(t)
	prefix := "httpsem-example-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { deleteRedisKeys(t, url, prefix) })
	a := startServer(t, config{RedisURL: url, RedisPrefix: prefix})
	b := startServer(t, config{RedisURL: url, RedisPrefix: prefix})

	acc := a.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`,
		"Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	// The retry lands on the other instance and gets the same job.
	again := b.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`,
		"Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, again.StatusCode)
	assert.Equal(t, acc.json(t)["job_id"], again.json(t)["job_id"])

	final, _ := b.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	for _, ts := range []*testServer{a, b} {
		rep := ts.do(t, "GET", final.Header.Get("Location"), "")
		require.Equal(t, 200, rep.StatusCode, "body: %s", rep.body)
		assert.Len(t, rep.json(t)["months"], 3)
	}
}

// deleteRedisKeys removes what a test left in Redis under prefix.
func deleteRedisKeys(t *testing.T, url, prefix string) {
	t.Helper()
	client, err := redisstore.NewClient(url)
	require.NoError(t, err)
	defer client.Close()
	ctx := context.Background()
	for _, pattern := range []string{"{" + prefix + "}:*", prefix + ":*"} {
		iter := client.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			assert.NoError(t, client.Del(ctx, iter.Val()).Err())
		}
		assert.NoError(t, iter.Err())
	}
}

func TestRedis_BadURL(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{RedisURL: "ftp://127.0.0.1:6379"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-redis")
}

func TestWebhookSecretChecked(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{WebhookSecret: "not-a-secret"})
	assert.Error(t, err)
}

func TestReportsWebSocket(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: 500 * time.Millisecond})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+acc.Header.Get("Location"), nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	var events []string
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			// The server closes normally after the terminal record.
			require.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "read: %v", err)
			break
		}
		var msg struct {
			Event string `json:"event"`
			Data  struct {
				Progress  int    `json:"progress"`
				ResultURL string `json:"result_url"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(data, &msg))
		events = append(events, msg.Event)
		if msg.Event == "completed" {
			assert.Equal(t, 100, msg.Data.Progress)
			assert.Regexp(t, `^/reports/`, msg.Data.ResultURL)
		}
	}
	require.NotEmpty(t, events)
	assert.Equal(t, "completed", events[len(events)-1])
}

// TestReportsWebhook submits a report with a callback_url: the terminal
// status arrives as a Standard Webhooks POST signed with -webhook-secret.
func TestReportsWebhook(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	ts := startServer(t, config{WebhookSecret: webhook.FormatSecret(secret), WebhookAllowLoopback: true})

	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"`+receiver.URL+`/hook"}`,
		"Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)

	var d delivery
	select {
	case d = <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook delivered")
	}
	require.NoError(t, webhook.Verify(secret, d.header, d.body, webhook.VerifyOptions{}))
	var status map[string]any
	require.NoError(t, json.Unmarshal(d.body, &status))
	assert.Equal(t, "completed", status["status"])
	assert.Equal(t, acc.json(t)["job_id"], status["job_id"])
	// The signature covers the body: a forged one is refused.
	assert.Error(t, webhook.Verify(secret, d.header, bytes.Replace(d.body, []byte("completed"), []byte("failed"), 1), webhook.VerifyOptions{}))

	// Without -webhook-allow-loopback the same callback is refused up front.
	strict := startServer(t, config{WebhookSecret: webhook.FormatSecret(secret)})
	res := strict.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"`+receiver.URL+`/hook"}`,
		"Content-Type", "application/json")
	assert.Equal(t, 422, res.StatusCode, "body: %s", res.body)
}

// TestReportsPreferWait: a client that asks to wait (RFC 7240 §4.3) for a
// short report gets the final answer, a 303, in the POST response itself.
func TestReportsPreferWait(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: 100 * time.Millisecond})
	res := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`,
		"Content-Type", "application/json", "Prefer", "wait=10")
	require.Equal(t, 303, res.StatusCode, "body: %s", res.body)
	assert.Regexp(t, `^/reports/`, res.Header.Get("Location"))
	assert.Equal(t, "wait=10", res.Header.Get("Preference-Applied"))
}

func TestLimits(t *testing.T) {
	t.Parallel()
	t.Run("open uploads", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		ts := startServer(t, config{Now: clock.Now})
		for i := range maxOpenUploads {
			res := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
			require.Equal(t, 201, res.StatusCode, "upload %d", i)
		}
		full := ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json")
		require.Equal(t, 503, full.StatusCode)
		assert.Equal(t, "SERVICE_UNAVAILABLE", full.errorCode(t))
		assert.NotEmpty(t, full.Header.Get("Retry-After"))
		// Abandoned uploads give their slot back.
		clock.Add(uploadIdle + time.Second)
		assert.Equal(t, 201, ts.do(t, "POST", "/uploads", `{"filename":"f"}`, "Content-Type", "application/json").StatusCode)
	})
	t.Run("files", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		s := newUploadStore(clock.Now)
		for i := range maxFiles + 3 {
			id := strconv.Itoa(i)
			s.uploads[id] = &uploadRecord{id: id, state: uploadCompleted}
			s.addFile(id, &file{modified: clock.Now()})
			clock.Add(time.Second)
		}
		assert.Len(t, s.files, maxFiles)
		assert.NotContains(t, s.files, "0", "the oldest file goes first")
		assert.NotContains(t, s.uploads, "0")
		assert.Contains(t, s.files, strconv.Itoa(maxFiles+2))
	})
	t.Run("documents", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, config{})
		ts.srv.docs.mu.Lock()
		for i := range maxDocuments {
			ts.srv.docs.byID["d"+strconv.Itoa(i)] = &docRecord{}
		}
		ts.srv.docs.mu.Unlock()
		res := ts.do(t, "POST", "/documents", `{"title":"a","content":""}`, "Content-Type", "application/json")
		assert.Equal(t, 507, res.StatusCode)
		assert.Equal(t, "INSUFFICIENT_STORAGE", res.errorCode(t))
		res = ts.do(t, "PUT", "/documents/new", `{"title":"a","content":""}`, "Content-Type", "application/json", "If-None-Match", "*")
		assert.Equal(t, 507, res.StatusCode)
	})
}
