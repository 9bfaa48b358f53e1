package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// TestUsersMergePatchNull: RFC 7396 §2, null removes the member. Optional
// members (phone, address.zip) disappear from the 200, the re-GET (JSON and
// XML) and the representation the new ETag stands for; a required member
// set to null is a 422 naming it, and nothing changes. Every response is
// validated against openapi.json, which lists phone and zip as optional.
func TestUsersMergePatchNull(t *testing.T) {
	t.Parallel()
	const merge, jsonPatch = "application/merge-patch+json", "application/json-patch+json"
	tests := []struct {
		name, ctype, body string
		status            int
		field             string // 422: the field the message names
		check             func(t *testing.T, u map[string]any)
	}{
		// RFC 7396 §2: a null member is removed from the target.
		{name: "phone", ctype: merge, body: `{"phone":null}`, status: 200, check: func(t *testing.T, u map[string]any) {
			assert.NotContains(t, u, "phone")
			assert.Equal(t, "Ada Lovelace", u["name"])
		}},
		// RFC 7396 §2: nested objects merge; null removes inside them too.
		{name: "address.zip", ctype: merge, body: `{"address":{"zip":null}}`, status: 200, check: func(t *testing.T, u map[string]any) {
			assert.Equal(t, map[string]any{"city": "London"}, u["address"])
		}},
		// RFC 6902 §4.3 with a null value: absent, like a removed member.
		{name: "json patch null phone", ctype: jsonPatch, body: `[{"op":"replace","path":"/phone","value":null}]`, status: 200, check: func(t *testing.T, u map[string]any) {
			assert.NotContains(t, u, "phone")
		}},
		{name: "json patch remove zip", ctype: jsonPatch, body: `[{"op":"remove","path":"/address/zip"}]`, status: 200, check: func(t *testing.T, u map[string]any) {
			assert.Equal(t, map[string]any{"city": "London"}, u["address"])
		}},
		{name: "name required", ctype: merge, body: `{"name":null}`, status: 422, field: "name"},
		{name: "email required", ctype: merge, body: `{"email":null}`, status: 422, field: "email"},
		{name: "address required", ctype: merge, body: `{"address":null}`, status: 422, field: "address"},
		{name: "address.city required", ctype: merge, body: `{"address":{"city":null}}`, status: 422, field: "address.city"},
		{name: "preferences.notifications required", ctype: merge, body: `{"preferences":{"notifications":null}}`, status: 422, field: "preferences.notifications"},
		{name: "json patch null name", ctype: jsonPatch, body: `[{"op":"replace","path":"/name","value":null}]`, status: 422, field: "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, config{})
			before := ts.do(t, "GET", "/users/1", "")
			require.Equal(t, 200, before.StatusCode)
			res := ts.do(t, "PATCH", "/users/1", tc.body, "Content-Type", tc.ctype)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			after := ts.do(t, "GET", "/users/1", "")
			require.Equal(t, 200, after.StatusCode)
			if tc.status == 422 {
				assert.Equal(t, "UNPROCESSABLE_ENTITY", res.errorCode(t))
				assert.Contains(t, res.json(t)["error"].(map[string]any)["message"], `"`+tc.field+`"`)
				assert.Equal(t, string(before.body), string(after.body), "a refused patch changes nothing")
				assert.Equal(t, before.Header.Get("ETag"), after.Header.Get("ETag"))
				return
			}
			tc.check(t, res.json(t))
			tc.check(t, after.json(t))
			// RFC 9110 §8.8.3: the new strong tag stands for the bytes without
			// the member, and differs from the old one.
			assert.Equal(t, string(res.body), string(after.body))
			assert.Equal(t, res.Header.Get("ETag"), after.Header.Get("ETag"))
			assert.NotEqual(t, before.Header.Get("ETag"), after.Header.Get("ETag"))
			assert.Equal(t, 304, ts.do(t, "GET", "/users/1", "", "If-None-Match", after.Header.Get("ETag")).StatusCode)
			x := ts.do(t, "GET", "/users/1", "", "Accept", "application/xml")
			require.Equal(t, 200, x.StatusCode)
			assert.NotContains(t, string(x.body), "<phone></phone>")
			assert.NotContains(t, string(x.body), "<zip></zip>")
		})
	}
}

// TestUsersPatchIJSON: the patched document goes through the one strict
// decoding path; patches that are not I-JSON (RFC 7493) are 400.
func TestUsersPatchIJSON(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	for _, body := range []string{
		`{"name":"\ud800"}`,           // RFC 7493 §2.1: a lone surrogate
		"{\"name\":\"Ada \xff\"}",     // RFC 7493 §2.1: invalid UTF-8
		`{"name":"Ada","name":"Eve"}`, // RFC 7493 §2.3: a repeated name
	} {
		res := ts.do(t, "PATCH", "/users/1", body, "Content-Type", "application/merge-patch+json")
		assert.Equal(t, 400, res.StatusCode, "%q: %s", body, res.body)
		assert.Equal(t, "BAD_REQUEST", res.errorCode(t))
	}
	assert.Equal(t, "Ada Lovelace", ts.do(t, "GET", "/users/1", "").json(t)["name"])
}
