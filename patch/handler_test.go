package patch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memStore is a compare-and-swap document store, as StoreFunc requires.
type memStore struct {
	mu      sync.Mutex
	doc     []byte
	version uint64
	exists  bool
	// validate, when set, may reject a document.
	validate func(doc []byte) error
}

func newMemStore(doc string) *memStore {
	return &memStore{doc: []byte(doc), version: 1, exists: true}
}

func (s *memStore) load(_ context.Context, _ *http.Request) (Resource, error) {
	s.mu.Lock()
	res := Resource{Doc: bytes.Clone(s.doc), Validators: conditional.Validators{ETag: etag.FromVersion(s.version)}}
	exists := s.exists
	s.mu.Unlock()
	if !exists {
		return Resource{}, ErrNotFound
	}
	return res, nil
}

func (s *memStore) store(_ context.Context, _ *http.Request, prev Resource, doc []byte) (Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.exists || !etag.StrongMatch(prev.Validators.ETag, etag.FromVersion(s.version)) {
		return Resource{}, ErrStale
	}
	if s.validate != nil {
		if err := s.validate(doc); err != nil {
			return Resource{}, err
		}
	}
	s.version++
	s.doc = bytes.Clone(doc)
	return Resource{Doc: bytes.Clone(s.doc), Validators: conditional.Validators{ETag: etag.FromVersion(s.version)}}, nil
}

func (s *memStore) tag() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return etag.FromVersion(s.version).String()
}

func (s *memStore) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.doc)
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type resp struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, srv *httptest.Server, method, ctype, body string, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/doc", strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{res.StatusCode, res.Header, string(b)}
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &env), body)
	return env.Error.Code
}

const acceptBoth = "application/merge-patch+json, application/json-patch+json"

func TestHandlerStatuses(t *testing.T) {
	t.Parallel()
	v1 := `"` + etag.FromVersion(1).Opaque + `"`
	tests := []struct {
		name   string
		opts   Options
		ctype  string
		body   string
		hdr    []string
		status int
		code   string
		doc    string // stored document afterwards
	}{
		// RFC 5789 §2.2 and erratum 3169: only patch media types.
		{"json is not a patch", Options{}, "application/json", `{"a":2}`, nil, 415, httperr.CodeUnsupportedMedia, `{"a":1}`},
		{"no content type", Options{}, "", `{"a":2}`, nil, 415, httperr.CodeUnsupportedMedia, `{"a":1}`},
		{"text", Options{}, "text/plain", `x`, nil, 415, httperr.CodeUnsupportedMedia, `{"a":1}`},
		{"gzip body", Options{}, MergePatchType, `{"a":2}`, []string{"Content-Encoding", "gzip"}, 415, httperr.CodeUnsupportedMedia, `{"a":1}`},
		{"identity coding", Options{}, MergePatchType, `{"a":2}`, []string{"Content-Encoding", "identity"}, 200, "", `{"a":2}`},
		{"type not enabled", Options{Types: []string{JSONPatchType}}, MergePatchType, `{"a":2}`, nil, 415, httperr.CodeUnsupportedMedia, `{"a":1}`},
		// RFC 9110 §13.1.1: a stale If-Match fails before anything is applied.
		{"stale if-match", Options{}, MergePatchType, `{"a":2}`, []string{"If-Match", `"old"`}, 412, httperr.CodeConflict, `{"a":1}`},
		{"if-match ok", Options{}, MergePatchType, `{"a":2}`, []string{"If-Match", v1}, 200, "", `{"a":2}`},
		{"if-match star", Options{}, MergePatchType, `{"a":2}`, []string{"If-Match", "*"}, 200, "", `{"a":2}`},
		{"weak if-match never matches", Options{}, MergePatchType, `{"a":2}`, []string{"If-Match", `W/` + v1}, 412, httperr.CodeConflict, `{"a":1}`},
		// RFC 6585 §3.
		{"precondition required", Options{Conditional: conditional.Options{RequirePrecondition: true}}, MergePatchType, `{"a":2}`, nil, 428, httperr.CodePreconditionRequired, `{"a":1}`},
		{"precondition given", Options{Conditional: conditional.Options{RequirePrecondition: true}}, MergePatchType, `{"a":2}`, []string{"If-Match", v1}, 200, "", `{"a":2}`},
		// RFC 5789 §2.2: error handling.
		{"malformed", Options{}, JSONPatchType, `[{"op":"add"}]`, nil, 400, httperr.CodeBadRequest, `{"a":1}`},
		{"malformed json", Options{}, MergePatchType, `{"a":`, nil, 400, httperr.CodeBadRequest, `{"a":1}`},
		{"empty body", Options{}, MergePatchType, ``, nil, 400, httperr.CodeBadRequest, `{"a":1}`},
		{"test failed", Options{}, JSONPatchType, `[{"op":"test","path":"/a","value":2},{"op":"remove","path":"/a"}]`, nil, 409, httperr.CodeConflict, `{"a":1}`},
		{"missing path", Options{}, JSONPatchType, `[{"op":"remove","path":"/b"}]`, nil, 409, httperr.CodeConflict, `{"a":1}`},
		{"too many ops", Options{MaxOperations: 1}, JSONPatchType, `[{"op":"remove","path":"/a"},{"op":"add","path":"/a","value":1}]`, nil, 422, httperr.CodeUnprocessable, `{"a":1}`},
		{"too large", Options{MaxPatchBytes: 8}, MergePatchType, `{"a":123456789}`, nil, 413, httperr.CodePayloadTooLarge, `{"a":1}`},
		{"rejected", Options{}, MergePatchType, `{"id":2}`, nil, 422, httperr.CodeUnprocessable, `{"a":1}`},
		{"rejected custom", Options{}, MergePatchType, `{"custom":true}`, nil, 422, "IMMUTABLE", `{"a":1}`},
		// RFC 5789 §2 and RFC 7240 §4.2: success.
		{"json patch", Options{}, "application/json-patch+json; charset=utf-8", `[{"op":"add","path":"/b","value":[1.0]}]`, nil, 200, "", `{"a":1,"b":[1.0]}`},
		{"no content", Options{NoContent: true}, MergePatchType, `{"a":2}`, nil, 204, "", `{"a":2}`},
		{"prefer minimal", Options{}, MergePatchType, `{"a":2}`, []string{"Prefer", "return=minimal"}, 204, "", `{"a":2}`},
		{"prefer representation", Options{NoContent: true}, MergePatchType, `{"a":2}`, []string{"Prefer", `handling=lenient, return="representation"`}, 200, "", `{"a":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMemStore(`{"a":1}`)
			st.validate = func(doc []byte) error {
				switch {
				case bytes.Contains(doc, []byte(`"id"`)):
					return fmt.Errorf("id is immutable: %w", ErrRejected)
				case bytes.Contains(doc, []byte(`"custom"`)):
					return httperr.New(422, "IMMUTABLE", "custom is read-only")
				}
				return nil
			}
			srv := serve(t, Handler(tc.opts, st.load, st.store))
			res := do(t, srv, http.MethodPatch, tc.ctype, tc.body, tc.hdr...)
			require.Equal(t, tc.status, res.status, res.body)
			assert.Equal(t, tc.doc, st.current())
			switch {
			case tc.status == 415 && len(tc.hdr) > 0 && tc.hdr[0] == "Content-Encoding":
				assert.Equal(t, "identity", res.header.Get("Accept-Encoding"))
				assert.Equal(t, tc.code, errorCode(t, res.body))
			case tc.status == 415:
				assert.NotEmpty(t, res.header.Get("Accept-Patch"))
				if tc.opts.Types == nil {
					assert.Equal(t, acceptBoth, res.header.Get("Accept-Patch"))
				}
				assert.Equal(t, tc.code, errorCode(t, res.body))
			case tc.status >= 400:
				assert.Equal(t, tc.code, errorCode(t, res.body))
				assert.Empty(t, res.header.Get("ETag"))
			case tc.status == 200:
				assert.Equal(t, tc.doc, res.body)
				assert.Equal(t, st.tag(), res.header.Get("ETag"))
				assert.Equal(t, "application/json", res.header.Get("Content-Type"))
			case tc.status == 204:
				assert.Empty(t, res.body)
				assert.Equal(t, st.tag(), res.header.Get("ETag"))
			}
		})
	}
}

func TestHandlerNotFoundAndErrors(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{}`)
	st.exists = false
	srv := serve(t, Handler(Options{}, st.load, st.store))
	res := do(t, srv, http.MethodPatch, MergePatchType, `{"a":1}`, "If-Match", `"x"`)
	assert.Equal(t, 404, res.status, "RFC 9110 §13.2.1: preconditions are ignored when the answer is 404")

	bad := newMemStore(`{"a":`)
	srv = serve(t, Handler(Options{}, bad.load, bad.store))
	res = do(t, srv, http.MethodPatch, MergePatchType, `{"a":1}`)
	assert.Equal(t, 500, res.status)
	assert.NotContains(t, res.body, "valid JSON", "no internal detail in the body")

	var logged bytes.Buffer
	failing := Handler(Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))}, func(context.Context, *http.Request) (Resource, error) {
		return Resource{}, errors.New("db down: secret")
	}, nil)
	res = do(t, serve(t, failing), http.MethodPatch, MergePatchType, `{}`)
	assert.Equal(t, 500, res.status)
	assert.NotContains(t, res.body, "secret")
	assert.Contains(t, logged.String(), "db down: secret", "the cause goes to the log")

	res = do(t, srv, http.MethodPut, MergePatchType, `{}`)
	assert.Equal(t, 405, res.status)
	assert.Equal(t, "OPTIONS, PATCH", res.header.Get("Allow"))
}

// TestHandlerReadsNoBodyOn412 checks that preconditions are evaluated before
// the patch is read (RFC 9110 §13.2.1).
func TestHandlerReadsNoBodyOn412(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{"a":1}`)
	h := Handler(Options{}, st.load, st.store)
	req := httptest.NewRequest(http.MethodPatch, "/doc", failingReader{t})
	req.Header.Set("Content-Type", MergePatchType)
	req.Header.Set("If-Match", `"stale"`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 412, rec.Code)
	assert.Contains(t, rec.Body.String(), "current_etag")
}

type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	assert.Fail(f.t, "the body must not be read")
	return 0, io.EOF
}

func TestHandlerBodyLimitStreaming(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{"a":1}`)
	h := Handler(Options{MaxPatchBytes: 16}, st.load, st.store)
	// No Content-Length: only http.MaxBytesReader can stop it.
	req := httptest.NewRequest(http.MethodPatch, "/doc", io.MultiReader(strings.NewReader(`{"a":"`), strings.NewReader(strings.Repeat("x", 100)+`"}`)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", MergePatchType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 413, rec.Code)
	assert.Equal(t, `{"a":1}`, st.current())
}

// RFC 5789 §3.1: Accept-Patch on OPTIONS, and on GET through Middleware.
func TestAcceptPatch(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{}`)
	res := do(t, serve(t, Handler(Options{}, st.load, st.store)), http.MethodOptions, "", "")
	assert.Equal(t, 204, res.status)
	assert.Equal(t, acceptBoth, res.header.Get("Accept-Patch"))
	assert.Equal(t, "OPTIONS, PATCH", res.header.Get("Allow"))

	mw := Middleware(Options{Types: []string{JSONPatchType}})
	srv := serve(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "{}")
	})))
	for method, want := range map[string]string{
		http.MethodGet: JSONPatchType, http.MethodHead: JSONPatchType, http.MethodOptions: JSONPatchType, http.MethodPost: "",
	} {
		res := do(t, srv, method, "", "")
		assert.Equal(t, want, res.header.Get("Accept-Patch"), method)
	}
}

// TestHandlerConcurrentSameIfMatch: two PATCHes carrying the same If-Match
// both pass the precondition check before either stores; exactly one may
// succeed and the other must get 412 (RFC 9110 §13.1.1: no lost update).
func TestHandlerConcurrentSameIfMatch(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{"n":0}`)
	tag := st.tag()
	var loads sync.WaitGroup
	loads.Add(2)
	var once sync.Map
	// The first load of each request waits for the other request's load,
	// so both see the same version before either writes.
	h := Handler(Options{}, func(ctx context.Context, r *http.Request) (Resource, error) {
		res, err := st.load(ctx, r)
		if _, again := once.LoadOrStore(r.Header.Get("X-Id"), true); !again {
			loads.Done()
			loads.Wait()
		}
		return res, err
	}, st.store)
	srv := serve(t, h)
	statuses := make(chan int, 2)
	for i, val := range []string{"1", "2"} {
		go func() {
			req, _ := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader(`{"n":`+val+`}`))
			req.Header.Set("Content-Type", MergePatchType)
			req.Header.Set("If-Match", tag)
			req.Header.Set("X-Id", fmt.Sprint(i))
			res, err := srv.Client().Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			_ = res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	got := map[int]int{}
	for range 2 {
		got[<-statuses]++
	}
	assert.Equal(t, map[int]int{200: 1, 412: 1}, got)
	assert.NotEqual(t, tag, st.tag())
}

// TestHandlerNoLostUpdates: concurrent unconditional patches are retried on
// ErrStale, so every append survives.
func TestHandlerNoLostUpdates(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{"items":[]}`)
	srv := serve(t, Handler(Options{MaxRetries: 1000}, st.load, st.store))
	const writers, each = 8, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf(`[{"op":"add","path":"/items/-","value":%d}]`, w*each+i)
				req, _ := http.NewRequest(http.MethodPatch, srv.URL, strings.NewReader(body))
				req.Header.Set("Content-Type", JSONPatchType)
				req.Header.Set("Prefer", "return=minimal")
				res, err := srv.Client().Do(req)
				if assert.NoError(t, err) {
					assert.Equal(t, 204, res.StatusCode)
					_ = res.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	var doc struct{ Items []int }
	require.NoError(t, json.Unmarshal([]byte(st.current()), &doc))
	assert.Len(t, doc.Items, writers*each)
}

func TestHandlerStaleExhaustsRetries(t *testing.T) {
	t.Parallel()
	st := newMemStore(`{}`)
	h := Handler(Options{MaxRetries: -1}, st.load, func(context.Context, *http.Request, Resource, []byte) (Resource, error) {
		return Resource{}, ErrStale
	})
	res := do(t, serve(t, h), http.MethodPatch, MergePatchType, `{"a":1}`)
	assert.Equal(t, 409, res.status)
	assert.Equal(t, httperr.CodeConflict, errorCode(t, res.body))
}

// stampStore is a store that adds a server-managed member and normalises the
// document, the way a database row with an updated_at column does.
type stampStore struct {
	mu       sync.Mutex
	doc      []byte
	version  uint64
	ctype    string // the ContentType the store returns; "" leaves it to the handler
	verbatim bool   // return an empty Doc: "stored byte for byte"
}

func (s *stampStore) load(context.Context, *http.Request) (Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Resource{Doc: bytes.Clone(s.doc), Validators: s.validators(), ContentType: "application/vnd.doc+json"}, nil
}

func (s *stampStore) validators() conditional.Validators {
	return conditional.Validators{ETag: etag.FromVersion(s.version), LastModified: time.Unix(1_700_000_000+int64(s.version), 0)}
}

func (s *stampStore) store(_ context.Context, _ *http.Request, prev Resource, doc []byte) (Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev.Validators.ETag != etag.FromVersion(s.version) {
		return Resource{}, ErrStale
	}
	s.version++
	if s.verbatim {
		s.doc = bytes.Clone(doc)
		return Resource{Validators: s.validators(), ContentType: s.ctype}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return Resource{}, ErrRejected
	}
	m["updated_at"] = s.version
	stored, err := json.Marshal(m) // sorted members: not the patched bytes
	if err != nil {
		return Resource{}, err
	}
	s.doc = stored
	return Resource{Doc: bytes.Clone(stored), Validators: s.validators(), ContentType: s.ctype}, nil
}

// TestHandlerAnswersStoredRepresentation: the 200 carries what the store
// stored, not the patched bytes, so that it equals the body of a GET under
// the same strong ETag (RFC 9110 §8.8.3); the headers carry the stored
// representation's validators and media type.
func TestHandlerAnswersStoredRepresentation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ctype    string
		verbatim bool
		patch    string
		want     string // 200 body and stored document
		wantType string
	}{
		{"store adds a member", "application/json", false, `{"z":1,"a":2}`, `{"a":2,"b":0,"updated_at":2,"z":1}`, "application/json"},
		{"store type falls back to load's", "", false, `{"b":null}`, `{"updated_at":2}`, "application/vnd.doc+json"},
		{"empty Doc means stored as is", "", true, `{"z":1}`, `{"b":0,"z":1}`, "application/vnd.doc+json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &stampStore{doc: []byte(`{"b":0}`), version: 1, ctype: tc.ctype, verbatim: tc.verbatim}
			srv := serve(t, Handler(Options{}, st.load, st.store))
			res := do(t, srv, http.MethodPatch, MergePatchType, tc.patch)
			require.Equal(t, 200, res.status, res.body)
			cur, err := st.load(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.body)
			assert.Equal(t, string(cur.Doc), res.body, "200 body = stored representation")
			assert.Equal(t, cur.Validators.ETag.String(), res.header.Get("ETag"))
			assert.Equal(t, cur.Validators.LastModified.UTC().Format(http.TimeFormat), res.header.Get("Last-Modified"))
			assert.Equal(t, tc.wantType, res.header.Get("Content-Type"))
			assert.Equal(t, fmt.Sprint(len(tc.want)), res.header.Get("Content-Length"))

			// RFC 7240 §4.2: minimal gets the stored validators, no body.
			res = do(t, srv, http.MethodPatch, MergePatchType, `{}`, "Prefer", "return=minimal")
			require.Equal(t, 204, res.status, res.body)
			assert.Empty(t, res.body)
			assert.Equal(t, etag.FromVersion(3).String(), res.header.Get("ETag"))
		})
	}
}
