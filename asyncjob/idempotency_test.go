package asyncjob_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

func TestParseIdempotencyKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		values  []string
		want    string
		wantErr bool
	}{
		{"absent", nil, "", false},
		// draft-ietf-httpapi-idempotency-key-header §2: an sf-string.
		{"sf-string", []string{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`}, "8e03978e-40d5-43e8-bc93-6894a57f9324", false},
		// RFC 8941 §3.3.3: escapes and spaces inside the string.
		{"sf-string with escapes", []string{`"a \"b\" \\c"`}, `a "b" \c`, false},
		{"surrounding OWS", []string{` "k" `}, "k", false},
		// Documented leniency: the bare form names the same key.
		{"unquoted", []string{`8e03978e-40d5`}, "8e03978e-40d5", false},
		{"empty string", []string{`""`}, "", true},
		{"empty field", []string{``}, "", true},
		{"unterminated", []string{`"abc`}, "", true},
		{"bad escape", []string{`"a\b"`}, "", true},
		{"control char", []string{"\"a\x01b\""}, "", true},
		{"non-ASCII", []string{"\"é\""}, "", true},
		{"parameters", []string{`"abc";p=1`}, "", true},
		{"two members", []string{`"a", "b"`}, "", true},
		{"two field lines", []string{`"a"`, `"a"`}, "", true},
		{"unquoted with space", []string{`a b`}, "", true},
		{"too long", []string{`"` + strings.Repeat("k", 257) + `"`}, "", true},
		{"longest", []string{`"` + strings.Repeat("k", 256) + `"`}, strings.Repeat("k", 256), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Idempotency-Key", v)
			}
			got, err := asyncjob.ParseIdempotencyKey(h, asyncjob.DefaultMaxKeyLength)
			if tc.wantErr {
				assert.ErrorIs(t, err, asyncjob.ErrInvalidKey)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	key := map[string]string{"Idempotency-Key": `"order-1"`}
	r1, b1 := l.do("POST", "/reports", key, `{"name":"idem"}`)
	require.Equal(t, http.StatusAccepted, r1.StatusCode)
	// A retry gets the same 202 answer, byte for byte, also in the bare key
	// form.
	for _, k := range []string{`"order-1"`, `order-1`} {
		r2, b2 := l.do("POST", "/reports", map[string]string{"Idempotency-Key": k}, `{"name":"idem"}`)
		assert.Equal(t, http.StatusAccepted, r2.StatusCode)
		assert.Equal(t, b1, b2)
		assert.Equal(t, r1.Header.Get("Location"), r2.Header.Get("Location"))
	}
	// The same key with another body is a conflicting reuse: 422.
	r3, b3 := l.do("POST", "/reports", key, `{"name":"other"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r3.StatusCode)
	assert.Contains(t, b3, `"code":"UNPROCESSABLE_ENTITY"`)
	// Keys are scoped to the owner: another user's identical key is theirs.
	r4, b4 := l.do("POST", "/reports", map[string]string{"Idempotency-Key": `"order-1"`, "X-User": "bob"}, `{"name":"idem"}`)
	assert.Equal(t, http.StatusAccepted, r4.StatusCode)
	assert.NotEqual(t, parseDoc(t, b1).JobID, parseDoc(t, b4).JobID)
	assert.Equal(t, 2, l.m.Store().(*asyncjob.MemStore).Len())
}

func TestIdempotencyRace(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})
	const n = 50
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("POST", l.srv.URL+"/reports", strings.NewReader(`{"name":"race"}`))
			req.Header.Set("Idempotency-Key", `"race-1"`)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			if resp.StatusCode == http.StatusAccepted {
				ids[i] = resp.Header.Get("Location")
			}
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.Equal(t, http.StatusAccepted, codes[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Equal(t, 1, l.m.Store().(*asyncjob.MemStore).Len(), "one job for fifty racing submissions")
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.LessOrEqual(t, len(l.scripts), 1)
}

func TestRequireIdempotencyKey(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{RequireIdempotencyKey: true})
	resp, body := l.do("POST", "/reports", nil, `{"name":"x"}`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "Idempotency-Key")
	resp, _ = l.do("POST", "/reports", map[string]string{"Idempotency-Key": "k"}, `{"name":"x"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := asyncjob.Fingerprint("POST", "/reports", "alice", []byte("{}"))
	assert.Len(t, base, 64)
	assert.Equal(t, base, asyncjob.Fingerprint("POST", "/reports", "alice", []byte("{}")))
	for _, other := range []string{
		asyncjob.Fingerprint("PUT", "/reports", "alice", []byte("{}")),
		asyncjob.Fingerprint("POST", "/reports/x", "alice", []byte("{}")),
		asyncjob.Fingerprint("POST", "/reports", "bob", []byte("{}")),
		asyncjob.Fingerprint("POST", "/reports", "alice", []byte("{ }")),
		// The separator keeps field boundaries: ("POST","/a") ≠ ("POST/","a").
		asyncjob.Fingerprint("POST", "/reportsalice", "", []byte("{}")),
	} {
		assert.NotEqual(t, base, other)
	}
}
