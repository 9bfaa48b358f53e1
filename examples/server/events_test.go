package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

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

// TestEventsVariantTags: each representation of an event (and of the list)
// has its own strong tag derived from the store's version, the same in
// every server instance, and its 304 (answered before rendering) carries
// Vary: Accept (RFC 9110 §8.8.3, §15.4.5), on the wire.
func TestEventsVariantTags(t *testing.T) {
	t.Parallel()
	a, b := startServer(t, config{}), startServer(t, config{})
	tags := map[string]string{}
	for _, path := range []string{"/events", "/events/1", "/events/2"} {
		for _, accept := range []string{"application/json", "application/xml"} {
			ra := a.do(t, "GET", path, "", "Accept", accept)
			require.Equal(t, http.StatusOK, ra.StatusCode)
			tag := ra.Header.Get("ETag")
			require.True(t, strings.HasPrefix(tag, `"`), "strong tag, got %q", tag)
			assert.Contains(t, tag, ":t="+accept, "the tag names the representation")
			assert.Equal(t, tag, b.do(t, "GET", path, "", "Accept", accept).Header.Get("ETag"), "stable across instances")
			for other, seen := range tags {
				assert.NotEqual(t, seen, tag, "%s %s shares a tag with %s", path, accept, other)
			}
			tags[path+" "+accept] = tag

			nm := a.do(t, "GET", path, "", "Accept", accept, "If-None-Match", tag)
			require.Equal(t, http.StatusNotModified, nm.StatusCode)
			assert.Equal(t, []string{"Accept"}, nm.Header.Values("Vary"))
			assert.Equal(t, tag, nm.Header.Get("ETag"))
			assert.Equal(t, "public, max-age=60", nm.Header.Get("Cache-Control"))
			assert.Empty(t, nm.body)

			// The other representation's tag does not revalidate this one.
			if accept == "application/json" {
				x := a.do(t, "GET", path, "", "Accept", "application/xml", "If-None-Match", tag)
				assert.Equal(t, http.StatusOK, x.StatusCode)
			}
		}
	}
}
