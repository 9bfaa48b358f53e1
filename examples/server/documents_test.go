package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
					n, err := strconv.Atoi(*doc.Content)
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

// TestDocumentsWriteIJSON: POST, PUT and PATCH share one decoding path, so
// none stores what another refuses: invalid UTF-8, lone surrogates and
// repeated member names are 400 with the envelope (I-JSON, RFC 7493 §2.1,
// §2.3), where encoding/json alone would store U+FFFD or the last name.
func TestDocumentsWriteIJSON(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	created := ts.do(t, "POST", "/documents", `{"title":"Plan","content":"v1"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	loc, tag := created.Header.Get("Location"), created.Header.Get("ETag")
	bodies := []struct{ name, doc, patch string }{
		{"invalid UTF-8", "{\"title\":\"Pl\xe9n\",\"content\":\"x\"}", "{\"content\":\"\xc3(\"}"},
		{"lone high surrogate", `{"title":"Plan","content":"\ud83d"}`, `{"content":"\ud83d"}`},
		{"lone low surrogate", `{"title":"\udc00","content":""}`, `{"title":"\udc00"}`},
		{"repeated member", `{"title":"Plan","content":"a","content":"b"}`, `{"content":"a","content":"b"}`},
		{"repeated escaped member", `{"title":"Plan","\u0074itle":"Other","content":""}`, `{"title":"a","\u0074itle":"b"}`},
	}
	for _, b := range bodies {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, req := range []struct {
				method, path, ctype, body string
				headers                   []string
			}{
				{"POST", "/documents", "application/json", b.doc, nil},
				{"PUT", loc, "application/json", b.doc, []string{"If-Match", tag}},
				{"PUT", "/documents/new-" + strings.ReplaceAll(strings.ToLower(b.name), " ", "-"), "application/json", b.doc, []string{"If-None-Match", "*"}},
				{"PATCH", loc, "application/merge-patch+json", b.patch, []string{"If-Match", tag}},
			} {
				res := ts.do(t, req.method, req.path, req.body, append([]string{"Content-Type", req.ctype}, req.headers...)...)
				assert.Equal(t, 400, res.StatusCode, "%s %s: %s", req.method, req.path, res.body)
				assert.Equal(t, "BAD_REQUEST", res.errorCode(t))
			}
		})
	}
	t.Cleanup(func() {
		// Nothing was stored: the document keeps its version, no other exists.
		got := ts.do(t, "GET", loc, "")
		assert.Equal(t, tag, got.Header.Get("ETag"))
		assert.Equal(t, "v1", got.json(t)["content"])
		assert.Equal(t, 404, ts.do(t, "GET", "/documents/new-invalid-utf-8", "").StatusCode)
		assert.Equal(t, 404, ts.do(t, "GET", "/documents/2", "").StatusCode)
	})
}

// TestDocumentsMergePatchNull: content is optional, so {"content": null}
// removes it (RFC 7396 §2) from the 200, the re-GET and the new ETag's
// representation; title is required, so {"title": null} is a 422 naming it.
// A PUT or POST may leave content out. openapi.json, against which every
// response is validated, agrees.
func TestDocumentsMergePatchNull(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	created := ts.do(t, "POST", "/documents", `{"title":"Plan","content":"v1"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	loc, tag := created.Header.Get("Location"), created.Header.Get("ETag")
	patchDoc := func(ctype, body, ifMatch string) response {
		return ts.do(t, "PATCH", loc, body, "Content-Type", ctype, "If-Match", ifMatch)
	}

	// RFC 7396 §2: a required member set to null is refused, naming it.
	bad := patchDoc("application/merge-patch+json", `{"title":null}`, tag)
	require.Equal(t, 422, bad.StatusCode, "body: %s", bad.body)
	assert.Contains(t, bad.json(t)["error"].(map[string]any)["message"], `"title"`)
	assert.Equal(t, tag, ts.do(t, "GET", loc, "").Header.Get("ETag"))

	res := patchDoc("application/merge-patch+json", `{"content":null}`, tag)
	require.Equal(t, 200, res.StatusCode, "body: %s", res.body)
	assert.NotContains(t, res.json(t), "content")
	newTag := res.Header.Get("ETag")
	assert.NotEqual(t, tag, newTag)
	got := ts.do(t, "GET", loc, "")
	assert.Equal(t, string(res.body), string(got.body))
	assert.Equal(t, newTag, got.Header.Get("ETag"))
	assert.NotContains(t, got.json(t), "content")

	// RFC 6902 §4.1: it can be added back.
	back := patchDoc("application/json-patch+json", `[{"op":"add","path":"/content","value":""}]`, newTag)
	require.Equal(t, 200, back.StatusCode, "body: %s", back.body)
	assert.Equal(t, "", back.json(t)["content"], "an empty content is kept, not dropped")

	// POST and PUT without content.
	noContent := ts.do(t, "POST", "/documents", `{"title":"Bare"}`, "Content-Type", "application/json")
	require.Equal(t, 201, noContent.StatusCode, "body: %s", noContent.body)
	assert.NotContains(t, noContent.json(t), "content")
	put := ts.do(t, "PUT", loc, `{"title":"Plan"}`, "Content-Type", "application/json", "If-Match", back.Header.Get("ETag"))
	require.Equal(t, 200, put.StatusCode, "body: %s", put.body)
	assert.NotContains(t, put.json(t), "content")
}

// TestDocumentsVaryOn304: the 304 that conditional.Check answers before the
// body is rendered carries the Vary of the 200 (RFC 9110 §15.4.5), and the
// tag names the JSON representation (issue 14), on the wire.
func TestDocumentsVaryOn304(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{Now: newTestClock().Now})
	created := ts.do(t, "POST", "/documents", `{"title":"Plan","content":"v1"}`, "Content-Type", "application/json")
	require.Equal(t, 201, created.StatusCode, "body: %s", created.body)
	loc := created.Header.Get("Location")

	ok := ts.do(t, "GET", loc, "")
	require.Equal(t, 200, ok.StatusCode)
	tag := ok.Header.Get("ETag")
	assert.Regexp(t, `^"[0-9]+:t=application/json"$`, tag, "a strong tag per representation")
	assert.Equal(t, created.Header.Get("ETag"), tag)
	assert.Equal(t, []string{"Accept"}, ok.Header.Values("Vary"))

	for _, tc := range []struct {
		name    string
		method  string
		headers []string
	}{
		{"If-None-Match", "GET", []string{"If-None-Match", tag}},             // RFC 9110 §13.1.2
		{"If-None-Match weak", "GET", []string{"If-None-Match", "W/" + tag}}, // §8.8.3.2
		{"If-Modified-Since", "GET", []string{"If-Modified-Since", ok.Header.Get("Last-Modified")}},
		{"HEAD", "HEAD", []string{"If-None-Match", tag}},
		{"XML asked, JSON served", "GET", []string{"If-None-Match", tag, "Accept", "application/xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := ts.do(t, tc.method, loc, "", tc.headers...)
			require.Equal(t, 304, res.StatusCode)
			assert.Equal(t, ok.Header.Values("Vary"), res.Header.Values("Vary"))
			assert.Equal(t, tag, res.Header.Get("ETag"))
			assert.Equal(t, ok.Header.Get("Cache-Control"), res.Header.Get("Cache-Control"))
			assert.Empty(t, res.Header.Get("Content-Type"))
			assert.Empty(t, res.body)
		})
	}
}
