package asyncjob_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/httpsem/httpsem/asyncjob"
)

func TestParsePrefer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		values []string
		want   asyncjob.Preferences
	}{
		{"absent", nil, asyncjob.Preferences{}},
		{"respond-async", []string{"respond-async"}, asyncjob.Preferences{RespondAsync: true}},
		// RFC 7240 §2: names are case-insensitive.
		{"case", []string{"Respond-Async, WAIT=5"}, asyncjob.Preferences{RespondAsync: true, Wait: 5, HasWait: true}},
		// RFC 7240 §4.1 example.
		{"both", []string{"respond-async, wait=100"}, asyncjob.Preferences{RespondAsync: true, Wait: 100, HasWait: true}},
		{"separate lines", []string{"wait=3", "respond-async"}, asyncjob.Preferences{RespondAsync: true, Wait: 3, HasWait: true}},
		// RFC 7240 §2: only the first instance of a preference counts.
		{"first wins", []string{"wait=3, wait=9"}, asyncjob.Preferences{Wait: 3, HasWait: true}},
		{"quoted value", []string{`wait="7"`}, asyncjob.Preferences{Wait: 7, HasWait: true}},
		{"parameters ignored", []string{"wait=4;foo=bar"}, asyncjob.Preferences{Wait: 4, HasWait: true}},
		{"OWS around =", []string{"wait = 4"}, asyncjob.Preferences{Wait: 4, HasWait: true}},
		{"not delta-seconds", []string{"wait=-1, respond-async"}, asyncjob.Preferences{RespondAsync: true}},
		{"fraction", []string{"wait=1.5"}, asyncjob.Preferences{}},
		{"huge saturates", []string{"wait=99999999999999999999999"}, asyncjob.Preferences{Wait: 1 << 31, HasWait: true}},
		{"unknown ignored", []string{"return=minimal, handling=lenient"}, asyncjob.Preferences{}},
		{"empty members", []string{",, respond-async ,"}, asyncjob.Preferences{RespondAsync: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Prefer", v)
			}
			assert.Equal(t, tc.want, asyncjob.ParsePrefer(h))
		})
	}
}

func TestPreferHTTP(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{})

	// respond-async is honoured and said so.
	resp, _ := l.do("POST", "/reports", map[string]string{"Prefer": "respond-async"}, `{"name":"a"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "respond-async", resp.Header.Get("Preference-Applied"))

	// wait=N gets the final answer when the job ends in time.
	fast := l.script("fast")
	fast.result = asyncjob.Result{URL: "/files/fast"}
	close(fast.release)
	resp, body := l.do("POST", "/reports", map[string]string{"Prefer": "wait=10"}, `{"name":"fast"}`)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/files/fast", resp.Header.Get("Location"))
	assert.Equal(t, "wait=10", resp.Header.Get("Preference-Applied"))
	doc := parseDoc(t, body)
	assert.Equal(t, "completed", doc.Status)
	assert.Equal(t, "/jobs/"+doc.JobID, resp.Header.Get("Content-Location"))

	// A job that outlasts the wait is answered 202 after the wait.
	resp, body = l.do("POST", "/reports", map[string]string{"Prefer": "respond-async, wait=1"}, `{"name":"slow"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	assert.Equal(t, "respond-async, wait=1", resp.Header.Get("Preference-Applied"))
}

func TestPreferWaitCapped(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{MaxWait: 1})
	// MaxWait is rounded up to whole seconds, the unit Preference-Applied
	// can express; the server waits no longer than that.
	resp, _ := l.do("POST", "/reports", map[string]string{"Prefer": "wait=600"}, `{"name":"slow"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, "wait=1", resp.Header.Get("Preference-Applied"))
}

// blindStore cannot watch jobs, as a store cannot watch a job whose
// submitting transaction has not committed yet.
type blindStore struct{ asyncjob.Store }

func (blindStore) Watch(context.Context, string, uint64) (<-chan *asyncjob.Job, error) {
	return nil, asyncjob.ErrNotFound
}

// TestPreferWaitNotClaimedWhenNoWaitHappened: RFC 7240 §3 —
// Preference-Applied names only what the server honoured. When the store
// cannot watch the job, the server answers 202 at once and does not claim
// wait=N; respond-async, which it did honour, is still named.
func TestPreferWaitNotClaimedWhenNoWaitHappened(t *testing.T) {
	t.Parallel()
	l := newLab(t, asyncjob.Options{Store: blindStore{asyncjob.NewMemStore(asyncjob.MemStoreOptions{})}})
	resp, body := l.do("POST", "/reports", map[string]string{"Prefer": "wait=10"}, `{"name":"slow"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	assert.Empty(t, resp.Header.Values("Preference-Applied"))
	resp, body = l.do("POST", "/reports", map[string]string{"Prefer": "respond-async, wait=10"}, `{"name":"slow"}`)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	assert.Equal(t, "respond-async", resp.Header.Get("Preference-Applied"))
}
