package wsfeed_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/wsfeed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type message struct {
	ID    string `json:"id"`
	Event string `json:"event"`
	Data  struct {
		JobID     string `json:"job_id"`
		Status    string `json:"status"`
		Progress  int    `json:"progress"`
		ResultURL string `json:"result_url"`
	} `json:"data"`
}

type env struct {
	m       *asyncjob.Manager
	srv     *httptest.Server
	release chan struct{}
	started chan struct{}
}

func newEnv(t *testing.T, opts wsfeed.Options) *env {
	t.Helper()
	e := &env{release: make(chan struct{}), started: make(chan struct{}, 16)}
	m, err := asyncjob.New(asyncjob.Options{
		OwnerFunc: func(r *http.Request) string { return r.Header.Get("X-User") },
		Kinds: map[string]asyncjob.Kind{"gate": func([]byte) (asyncjob.Func, error) {
			return func(ctx context.Context, p asyncjob.Progress) (asyncjob.Result, error) {
				e.started <- struct{}{}
				p.Report(40, "working")
				select {
				case <-e.release:
					return asyncjob.Result{URL: "/files/out"}, nil
				case <-ctx.Done():
					return asyncjob.Result{}, ctx.Err()
				}
			}, nil
		}},
	})
	require.NoError(t, err)
	ws, err := wsfeed.New(m, opts)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/jobs/{id}", m.JobHandler(ws))
	mux.Handle("/ws/{id}", ws)
	e.m = m
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		select {
		case <-e.release:
		default:
			close(e.release)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, m.Shutdown(ctx))
		e.srv.Close()
	})
	return e
}

func (e *env) url(path string) string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + path }

func dial(t *testing.T, u string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func read(t *testing.T, c *websocket.Conn) (message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		return message{}, err
	}
	assert.Equal(t, websocket.MessageText, typ)
	var m message
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m, nil
}

func TestFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, wsfeed.Options{})
	j, err := e.m.Submit(context.Background(), asyncjob.Spec{Kind: "gate"})
	require.NoError(t, err)
	<-e.started

	c, _, err := dial(t, e.url("/jobs/"+j.ID), nil)
	require.NoError(t, err)
	var msgs []message
	for {
		m, err := read(t, c)
		if err != nil {
			// RFC 6455 §7.4.1: 1000 after the terminal state.
			assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
			break
		}
		msgs = append(msgs, m)
		if m.Data.Progress == 40 && m.Data.Status == "processing" {
			close(e.release)
		}
	}
	require.NotEmpty(t, msgs)
	last := msgs[len(msgs)-1]
	assert.Equal(t, "completed", last.Event)
	assert.Equal(t, "/files/out", last.Data.ResultURL)
	assert.Equal(t, j.ID, last.Data.JobID)

	// Resume from the first id: only the newest record, then close.
	c2, _, err := dial(t, e.url("/ws/"+j.ID+"?last_event_id="+msgs[0].ID), nil)
	require.NoError(t, err)
	m, err := read(t, c2)
	require.NoError(t, err)
	assert.Equal(t, last.ID, m.ID)
	_, err = read(t, c2)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, wsfeed.Options{OriginPatterns: []string{"*.trusted.example", "https://app.example"}})
	j, err := e.m.Submit(context.Background(), asyncjob.Spec{Kind: "gate"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		path   string
		hdr    http.Header
		status int
	}{
		// RFC 6455 §10.2: a browser's foreign Origin is refused.
		{"foreign origin", "/jobs/" + j.ID, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"scheme-bound pattern", "/jobs/" + j.ID, http.Header{"Origin": {"http://app.example"}}, http.StatusForbidden},
		{"foreign owner", "/jobs/" + j.ID, http.Header{"X-User": {"bob"}}, http.StatusNotFound},
		{"unknown job", "/jobs/" + asyncjob.NewID(), nil, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := dial(t, e.url(tc.path), tc.hdr)
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		})
	}
	for _, origin := range []string{"https://a.trusted.example", "https://app.example", e.srv.URL} {
		c, _, err := dial(t, e.url("/jobs/"+j.ID), http.Header{"Origin": {origin}})
		require.NoError(t, err, origin)
		_, err = read(t, c)
		assert.NoError(t, err)
		c.Close(websocket.StatusNormalClosure, "")
	}

	// Without an upgrade the bare handler answers 426.
	resp, err := http.Get(e.srv.URL + "/ws/" + j.ID)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUpgradeRequired, resp.StatusCode)
	assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
	assert.Contains(t, string(body), "UPGRADE_REQUIRED")
}

func TestShutdownCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, wsfeed.Options{})
	j, err := e.m.Submit(context.Background(), asyncjob.Spec{Kind: "gate"})
	require.NoError(t, err)
	<-e.started
	c, _, err := dial(t, e.url("/jobs/"+j.ID), nil)
	require.NoError(t, err)
	_, err = read(t, c)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- e.m.Shutdown(context.Background()) }()
	var last message
	for {
		m, rerr := read(t, c)
		if rerr != nil {
			err = rerr
			break
		}
		last = m
	}
	// The final message says why, without an id, so the client resumes
	// from the last one it had.
	assert.Equal(t, "shutdown", last.Event)
	assert.Empty(t, last.ID)
	// RFC 6455 §7.4.1: 1001 when the server goes away.
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err))
	close(e.release)
	require.NoError(t, <-done)
}

func TestNewRejectsBadPattern(t *testing.T) {
	t.Parallel()
	m, err := asyncjob.New(asyncjob.Options{Workers: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	_, err = wsfeed.New(m, wsfeed.Options{OriginPatterns: []string{"[bad"}})
	assert.Error(t, err)
	_, err = wsfeed.New(nil, wsfeed.Options{})
	assert.Error(t, err)
	// The Options rule: negative where "none" makes no sense is rejected.
	_, err = wsfeed.New(m, wsfeed.Options{WriteTimeout: -1})
	assert.EqualError(t, err, "wsfeed: Options.WriteTimeout: must not be negative")
	_, err = wsfeed.New(m, wsfeed.Options{RetryAfter: -1})
	assert.EqualError(t, err, "wsfeed: Options.RetryAfter: must not be negative")
	_, err = wsfeed.New(m, wsfeed.Options{PingInterval: -1})
	assert.NoError(t, err, "negative PingInterval: no pings")
}
