package asyncjob_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/internal/testenv"
)

func newClock() *testenv.Clock { return testenv.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

// script is what a "ctl" job does, chosen by its payload name.
type script struct {
	started chan struct{}   // closed when the function starts
	release chan struct{}   // the function waits for it (or ctx)
	ctxErr  chan error      // receives context.Cause when ctx ends first
	result  asyncjob.Result // returned on release
	err     error
	panic   any
	runs    int
}

// lab is a Manager served by an httptest.Server with the "ctl" kind, whose
// jobs follow scripts registered by name.
type lab struct {
	t       *testing.T
	m       *asyncjob.Manager
	srv     *httptest.Server
	mu      sync.Mutex
	scripts map[string]*script
	closing bool // scripts made from now on are released at once
}

type ctlPayload struct {
	Name     string `json:"name"`
	Callback string `json:"callback_url,omitempty"`
	Timeout  string `json:"timeout,omitempty"`
}

func (l *lab) script(name string) *script {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.scripts[name]
	if !ok {
		s = &script{started: make(chan struct{}), release: make(chan struct{}), ctxErr: make(chan error, 1)}
		if l.closing {
			close(s.release)
		}
		l.scripts[name] = s
	}
	return s
}

func (l *lab) kind(payload []byte) (asyncjob.Func, error) {
	var p ctlPayload
	if err := json.Unmarshal(payload, &p); err != nil || p.Name == "" {
		return nil, errors.New("bad payload")
	}
	return func(ctx context.Context, pr asyncjob.Progress) (asyncjob.Result, error) {
		s := l.script(p.Name)
		l.mu.Lock()
		s.runs++
		first := s.runs == 1
		l.mu.Unlock()
		if first {
			close(s.started)
		}
		if s.panic != nil {
			panic(s.panic)
		}
		pr.Report(50, "half way")
		select {
		case <-s.release:
		case <-ctx.Done():
			s.ctxErr <- context.Cause(ctx)
			return asyncjob.Result{}, ctx.Err()
		}
		return s.result, s.err
	}, nil
}

func decodeCtl(r *http.Request, body []byte) (asyncjob.Spec, error) {
	var p ctlPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return asyncjob.Spec{}, err
	}
	s := asyncjob.Spec{Payload: body, CallbackURL: p.Callback}
	if p.Timeout != "" {
		d, err := time.ParseDuration(p.Timeout)
		if err != nil {
			return asyncjob.Spec{}, err
		}
		s.Timeout = d
	}
	return s, nil
}

// newLab starts a Manager with opts (Kinds is set here) and an HTTP server
// with POST /reports and /jobs/{id}; both stop at the end of the test.
func newLab(t *testing.T, opts asyncjob.Options) *lab {
	t.Helper()
	return newLabServer(t, opts, false)
}

// newLabServer is newLab, over HTTP/2 with TLS when h2 is set.
func newLabServer(t *testing.T, opts asyncjob.Options, h2 bool) *lab {
	t.Helper()
	l := &lab{t: t, scripts: make(map[string]*script)}
	opts.Kinds = map[string]asyncjob.Kind{"ctl": l.kind}
	if opts.OwnerFunc == nil {
		opts.OwnerFunc = func(r *http.Request) string { return r.Header.Get("X-User") }
	}
	m, err := asyncjob.New(opts)
	require.NoError(t, err)
	l.m = m
	mux := http.NewServeMux()
	mux.Handle("POST /reports", m.SubmitHandler("ctl", decodeCtl))
	mux.Handle("/jobs/{id}", m.JobHandler(nil))
	l.srv = httptest.NewUnstartedServer(mux)
	if h2 {
		l.srv.EnableHTTP2 = true
		l.srv.StartTLS()
	} else {
		l.srv.Start()
	}
	t.Cleanup(func() {
		// Release every blocked job so a graceful shutdown completes.
		l.mu.Lock()
		l.closing = true
		for _, s := range l.scripts {
			select {
			case <-s.release:
			default:
				close(s.release)
			}
		}
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, m.Shutdown(ctx))
		l.srv.Close()
	})
	return l
}

func (l *lab) do(method, path string, hdr map[string]string, body string) (*http.Response, string) {
	l.t.Helper()
	req, err := http.NewRequest(method, l.srv.URL+path, strings.NewReader(body))
	require.NoError(l.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{Transport: l.srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(l.t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(l.t, err)
	require.NoError(l.t, resp.Body.Close())
	return resp, string(b)
}

type statusDoc struct {
	JobID     string          `json:"job_id"`
	Status    string          `json:"status"`
	StatusURL string          `json:"status_url"`
	Progress  int             `json:"progress"`
	Message   string          `json:"message"`
	Attempt   int             `json:"attempt"`
	ResultURL string          `json:"result_url"`
	Result    json.RawMessage `json:"result"`
	StartedAt string          `json:"started_at"`
	Estimated string          `json:"estimated_completion"`
	Error     *struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Retryable bool   `json:"retryable"`
	} `json:"error"`
	Callback *struct {
		Delivered bool   `json:"delivered"`
		State     string `json:"state"`
		Attempts  int    `json:"attempts"`
	} `json:"callback"`
}

func parseDoc(t *testing.T, body string) statusDoc {
	t.Helper()
	var d statusDoc
	require.NoError(t, json.Unmarshal([]byte(body), &d), body)
	return d
}

// submit posts a ctl job named name and returns the 202 document.
func (l *lab) submit(name string, hdr map[string]string) statusDoc {
	l.t.Helper()
	resp, body := l.do("POST", "/reports", hdr, `{"name":"`+name+`"}`)
	require.Equal(l.t, http.StatusAccepted, resp.StatusCode, body)
	return parseDoc(l.t, body)
}

// waitState polls the status URL until the job is in state st.
func (l *lab) waitState(id string, hdr map[string]string, st string) (*http.Response, statusDoc) {
	l.t.Helper()
	var (
		resp *http.Response
		doc  statusDoc
	)
	require.Eventually(l.t, func() bool {
		var body string
		resp, body = l.do("GET", "/jobs/"+id, hdr, "")
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
			return false
		}
		doc = parseDoc(l.t, body)
		return doc.Status == st
	}, 5*time.Second, 2*time.Millisecond)
	return resp, doc
}
