package update_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/client/update"
	"github.com/httpsem/httpsem/httperr"
)

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newUpdater(t *testing.T, srv *httptest.Server, opts update.Options) *update.Updater {
	t.Helper()
	opts.Client = srv.Client()
	if opts.Backoff == 0 {
		opts.Backoff = -1
	}
	u, err := update.New(opts)
	require.NoError(t, err)
	return u
}

func same(b []byte) ([]byte, error) { return b, nil }

// Never a blind write (RFC 9110 §13.1.1): no tag, or only a weak one, and
// nothing is written.
func TestNoBlindWrite(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"", `W/"1"`, "not-a-tag"} {
		var writes atomic.Int32
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet {
				writes.Add(1)
				return
			}
			if tag != "" {
				w.Header().Set("ETag", tag)
			}
			_, _ = io.WriteString(w, "{}")
		})
		r, err := newUpdater(t, srv, update.Options{}).Do(t.Context(), srv.URL, same)
		assert.ErrorIs(t, err, update.ErrNoETag, "tag %q", tag)
		assert.Zero(t, r.Attempts)
		assert.Zero(t, writes.Load())
	}
}

// What each method sends: If-Match with the tag read, and the media type.
func TestWriteRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method      update.Method
		verb, ctype string
	}{
		{update.Put, "PUT", "application/vnd.x+json"},                // RFC 9110 §9.3.4; the type read
		{update.MergePatch, "PATCH", "application/merge-patch+json"}, // RFC 7396
		{update.JSONPatch, "PATCH", "application/json-patch+json"},   // RFC 6902
	} {
		t.Run(tc.method.String(), func(t *testing.T) {
			t.Parallel()
			var verb, ctype, ifMatch, body string
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					w.Header().Set("ETag", `"v1"`)
					w.Header().Set("Content-Type", "application/vnd.x+json")
					_, _ = io.WriteString(w, `{"n":1}`)
					return
				}
				b, _ := io.ReadAll(r.Body)
				verb, ctype, ifMatch, body = r.Method, r.Header.Get("Content-Type"), r.Header.Get("If-Match"), string(b)
				w.Header().Set("ETag", `"v2"`)
				_, _ = io.WriteString(w, `{"n":2}`)
			})
			r, err := newUpdater(t, srv, update.Options{Method: tc.method}).Do(t.Context(), srv.URL, func(b []byte) ([]byte, error) {
				assert.Equal(t, `{"n":1}`, string(b))
				return []byte(`{"n":2}`), nil
			})
			require.NoError(t, err)
			assert.Equal(t, tc.verb, verb)
			assert.Equal(t, tc.ctype, ctype)
			assert.Equal(t, `"v1"`, ifMatch)
			assert.Equal(t, `{"n":2}`, body)
			assert.Equal(t, 1, r.Attempts)
			assert.Equal(t, `"v2"`, r.ETag.String())
			assert.Equal(t, `{"n":2}`, string(r.Body))
		})
	}
}

// RFC 9110 §15.5.13: 412 re-reads; the attempts are bounded and reported;
// re-reads send Cache-Control: no-cache.
func TestPreconditionFailedBounded(t *testing.T) {
	t.Parallel()
	var reads, writes atomic.Int32
	var noCache atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if reads.Add(1) > 1 && r.Header.Get("Cache-Control") == "no-cache" {
				noCache.Add(1)
			}
			w.Header().Set("ETag", `"v1"`)
			return
		}
		writes.Add(1)
		httperr.Write(w, r, nil, httperr.New(412, httperr.CodePreconditionFailed, "stale").With("current_etag", `"v9"`))
	})
	r, err := newUpdater(t, srv, update.Options{MaxAttempts: 3}).Do(t.Context(), srv.URL, same)
	require.ErrorIs(t, err, update.ErrTooManyAttempts)
	var he *httperr.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, `"v9"`, he.Extra["current_etag"])
	assert.Equal(t, 3, r.Attempts)
	assert.Equal(t, 412, r.StatusCode)
	assert.Equal(t, int32(3), writes.Load())
	assert.Equal(t, int32(3), reads.Load())
	assert.Equal(t, int32(2), noCache.Load())
}

// RFC 6585 §3: 428 is its own, clear error.
func TestPreconditionRequired(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("ETag", `"v1"`)
			return
		}
		httperr.Write(w, r, nil, httperr.New(428, httperr.CodePreconditionRequired, "send If-Unmodified-Since"))
	})
	r, err := newUpdater(t, srv, update.Options{}).Do(t.Context(), srv.URL, same)
	require.ErrorIs(t, err, update.ErrPreconditionRequired)
	var he *httperr.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "send If-Unmodified-Since", he.Message)
	assert.Equal(t, 1, r.Attempts)
}

func TestReadAndFuncErrors(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			httperr.Write(w, r, nil, httperr.New(404, httperr.CodeNotFound, "no such document"))
			return
		}
		w.Header().Set("ETag", `"v1"`)
		_, _ = io.WriteString(w, "0123456789")
	})
	u := newUpdater(t, srv, update.Options{MaxBodyBytes: 5})
	_, err := u.Do(t.Context(), srv.URL+"/missing", same)
	var he *httperr.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 404, he.Status)
	_, err = u.Do(t.Context(), srv.URL, same)
	assert.ErrorContains(t, err, "over 5 bytes")
	u = newUpdater(t, srv, update.Options{})
	_, err = u.Do(t.Context(), srv.URL, func([]byte) ([]byte, error) { return nil, io.ErrUnexpectedEOF })
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestBackoffStopsOnContext(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Method != http.MethodGet {
			w.WriteHeader(412)
		}
	})
	u, err := update.New(update.Options{Client: srv.Client(), Backoff: time.Hour, MaxBackoff: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r, err := u.Do(ctx, srv.URL, same)
	assert.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, r.Attempts, 1)
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	for _, o := range []update.Options{{MaxAttempts: -1}, {MaxBackoff: -1}, {MaxBodyBytes: -1}, {Method: 7}} {
		_, err := update.New(o)
		assert.ErrorContains(t, err, "update: Options.")
	}
}
