package pgstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// ctl is the behaviour of "ctl" jobs, shared by every instance of a test
// the way one service's code is shared by its instances. A job's payload is
// {"name": "..."}: a job whose name has a gate blocks until the gate opens
// (or its context ends); other jobs finish at once. Every successful return
// of a job function is counted, per name.
type ctl struct {
	mu    sync.Mutex
	gates map[string]*gate
	done  map[string]int
	total int
	all   chan struct{} // closed when total reaches want
	want  int
}

type gate struct {
	started chan struct{} // closed when a run starts
	open    chan struct{} // the run returns when it is closed
	ctxErr  chan error    // receives context.Cause when ctx ends first
	once    sync.Once
	runs    int
}

func newCtl() *ctl {
	return &ctl{gates: make(map[string]*gate), done: make(map[string]int), all: make(chan struct{})}
}

// gate returns the gate of name, creating it.
func (c *ctl) gate(name string) *gate {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.gates[name]
	if !ok {
		g = &gate{started: make(chan struct{}), open: make(chan struct{}), ctxErr: make(chan error, 8)}
		c.gates[name] = g
	}
	return g
}

// openAll opens every gate, so that blocked jobs end.
func (c *ctl) openAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.gates {
		g.once.Do(func() { close(g.open) })
	}
}

func (c *ctl) completions(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done[name]
}

func (c *ctl) kind(payload []byte) (asyncjob.Func, error) {
	var p struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Name == "" {
		return nil, errors.New("bad payload")
	}
	return func(ctx context.Context, pr asyncjob.Progress) (asyncjob.Result, error) {
		c.mu.Lock()
		g := c.gates[p.Name]
		if g != nil {
			g.runs++
			if g.runs == 1 {
				close(g.started)
			}
		}
		c.mu.Unlock()
		if g != nil {
			pr.Report(50, "half way")
			select {
			case <-g.open:
			case <-ctx.Done():
				g.ctxErr <- context.Cause(ctx)
				return asyncjob.Result{}, ctx.Err()
			}
		}
		c.mu.Lock()
		c.done[p.Name]++
		c.total++
		if c.total == c.want {
			close(c.all)
		}
		c.mu.Unlock()
		return asyncjob.Result{URL: "/files/" + p.Name}, nil
	}, nil
}

// instance is one service instance: a Manager on a pgstore.Store,
// served over HTTP at POST /jobs and /jobs/{id}.
type instance struct {
	t     *testing.T
	m     *asyncjob.Manager
	store *pgstore.Store
	srv   *httptest.Server
}

// newInstance starts an instance; it shuts down at cleanup (after the
// ctl's gates open, so that graceful shutdown can finish).
func newInstance(t *testing.T, pool *pgxpool.Pool, schema string, k *ctl, opts asyncjob.Options) *instance {
	t.Helper()
	store := newStore(t, pool, pgstore.Options{Schema: schema, PollInterval: 50 * time.Millisecond})
	opts.Store = store
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	opts.Kinds = map[string]asyncjob.Kind{"ctl": k.kind}
	m, err := asyncjob.New(opts)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /jobs", m.SubmitHandler("ctl", nil))
	mux.Handle("/jobs/{id}", m.JobHandler(nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		k.openAll()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
		srv.Close()
	})
	return &instance{t: t, m: m, store: store, srv: srv}
}

// tWriter sends log lines to the test log, shown when the test fails.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

type response struct {
	status int
	header http.Header
	body   string
}

func (in *instance) do(method, path string, hdr map[string]string, body string) response {
	in.t.Helper()
	req, err := http.NewRequest(method, in.srv.URL+path, strings.NewReader(body))
	require.NoError(in.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(in.t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(in.t, err)
	require.NoError(in.t, resp.Body.Close())
	return response{resp.StatusCode, resp.Header, string(b)}
}

type statusDoc struct {
	JobID     string `json:"job_id"`
	Status    string `json:"status"`
	Progress  int    `json:"progress"`
	ResultURL string `json:"result_url"`
}

func parseDoc(t *testing.T, body string) statusDoc {
	t.Helper()
	var d statusDoc
	require.NoError(t, json.Unmarshal([]byte(body), &d), body)
	return d
}

// submit posts a ctl job and returns its 202 document.
func (in *instance) submit(name string, hdr map[string]string) statusDoc {
	in.t.Helper()
	r := in.do("POST", "/jobs", hdr, `{"name":"`+name+`"}`)
	require.Equal(in.t, http.StatusAccepted, r.status, r.body)
	return parseDoc(in.t, r.body)
}

// sse reads a job's event stream; it ends with the test.
type sse struct {
	t    *testing.T
	body io.ReadCloser
	rd   *bufio.Reader
}

type event struct{ id, name, data string }

func (in *instance) stream(id string) *sse {
	in.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", in.srv.URL+"/jobs/"+id, nil)
	require.NoError(in.t, err)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(in.t, err)
	in.t.Cleanup(func() { _ = resp.Body.Close() })
	require.Equal(in.t, http.StatusOK, resp.StatusCode)
	return &sse{t: in.t, body: resp.Body, rd: bufio.NewReader(resp.Body)}
}

// next returns the next event, or false at the end of the stream.
func (s *sse) next() (event, bool) {
	var ev event
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			return ev, false
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.data != "" {
				return ev, true
			}
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}
