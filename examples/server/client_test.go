package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/client/cache"
	"github.com/httpsem/httpsem/client/poll"
	"github.com/httpsem/httpsem/client/update"
	"github.com/httpsem/httpsem/internal/testenv"
)

// The client packages against the example server, on the wire: each half
// of the contract is tested with the other.

const reportBody = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`

// fastPoller polls the example server without waiting its 1s Retry-After:
// the ceiling is the knob a test turns.
func fastPoller(t *testing.T, ts *testServer, opts poll.Options) *poll.Poller {
	t.Helper()
	opts.Client = ts.client
	opts.MinInterval = -1
	if opts.MaxInterval == 0 {
		opts.MaxInterval = 10 * time.Millisecond
	}
	p, err := poll.New(opts)
	require.NoError(t, err)
	return p
}

func submitReport(t *testing.T, ts *testServer, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/reports", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestClientPollReport(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	var (
		mu       sync.Mutex
		progress []int
	)
	p := fastPoller(t, ts, poll.Options{FetchResult: true, ProgressFunc: func(s poll.Status) {
		mu.Lock()
		progress = append(progress, s.Progress)
		mu.Unlock()
	}})
	res, err := p.Submit(t.Context(), submitReport(t, ts, reportBody))
	require.NoError(t, err)
	require.NotNil(t, res.Response)
	defer res.Response.Body.Close()
	// RFC 9110 §15.4.4: the 303's Location is the result, fetched.
	assert.Equal(t, asyncjob.StateCompleted, res.Status.State)
	assert.Equal(t, 100, res.Status.Progress)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/reports/[A-Za-z0-9_-]+$`, res.URL)
	assert.Equal(t, http.StatusOK, res.Response.StatusCode)
	var rep map[string]any
	require.NoError(t, json.NewDecoder(res.Response.Body).Decode(&rep))
	assert.Equal(t, "sales_summary", rep["type"])
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, progress)
	assert.Equal(t, 0, progress[0], "the 202 body is the first status")
	assert.IsNonDecreasing(t, progress)
	assert.Greater(t, res.Requests, 2)
}

// RFC 9110 §13.1.2: polls carry If-None-Match; an unchanged status is a 304
// and no progress report.
func TestClientPollNotModified(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: 2 * time.Second})
	reports := 0
	p := fastPoller(t, ts, poll.Options{ProgressFunc: func(poll.Status) { reports++ }})
	res, err := p.Submit(t.Context(), submitReport(t, ts, reportBody))
	require.NoError(t, err)
	assert.Positive(t, res.NotModified, "10ms polls of a 100ms step must meet unchanged statuses")
	// The 202 and every poll but the 304s report: accepted, each change,
	// and the 303's completed status.
	assert.Equal(t, res.Requests-res.NotModified, reports)
}

// A failed job is its typed error: code, message, retryable.
func TestClientPollFailure(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	p := fastPoller(t, ts, poll.Options{})
	res, err := p.Submit(t.Context(), submitReport(t, ts, `{"type":"sales_summary","date_range":{"from":"2023-01-01","to":"2024-12-31"}}`))
	var je *asyncjob.Error
	require.ErrorAs(t, err, &je)
	assert.Equal(t, "DATA_TOO_LARGE", je.Code)
	assert.True(t, je.Retryable)
	assert.NotEmpty(t, je.Message)
	assert.Equal(t, asyncjob.StateFailed, res.Status.State)
}

// RFC 7240 §4.3: Prefer: wait=N; a job that ends in time is answered by the
// submission itself.
func TestClientPollPreferWait(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	p := fastPoller(t, ts, poll.Options{Wait: 10 * time.Second})
	res, err := p.Submit(t.Context(), submitReport(t, ts, `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`))
	require.NoError(t, err)
	assert.Equal(t, 1, res.Requests, "the final answer came with the submission")
	assert.Equal(t, asyncjob.StateCompleted, res.Status.State)
	assert.Contains(t, res.URL, "/reports/")
}

// Server-Sent Events instead of polls (HTML §9.2).
func TestClientPollEvents(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	var progress []int
	p := fastPoller(t, ts, poll.Options{Events: true, ProgressFunc: func(s poll.Status) { progress = append(progress, s.Progress) }})
	res, err := p.Submit(t.Context(), submitReport(t, ts, reportBody))
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCompleted, res.Status.State)
	assert.Contains(t, res.URL, "/reports/")
	assert.Equal(t, 100, progress[len(progress)-1])
	assert.IsNonDecreasing(t, progress)
	assert.Equal(t, 2, res.Requests, "one submission, one stream")
}

// Ending ctx stops the wait, and CancelOnExit cancels the job (DELETE).
func TestClientPollCancelOnExit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	var statusURL string
	p := fastPoller(t, ts, poll.Options{CancelOnExit: true, ProgressFunc: func(s poll.Status) {
		statusURL = s.StatusURL
		if s.State == asyncjob.StateProcessing {
			cancel()
		}
	}})
	_, err := p.Submit(ctx, submitReport(t, ts, reportBody))
	require.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, statusURL)
	// The job was canceled on the server: the next wait says so at once.
	p2 := fastPoller(t, ts, poll.Options{})
	res, err := p2.Wait(t.Context(), ts.URL+statusURL)
	require.ErrorIs(t, err, poll.ErrCanceled)
	assert.Equal(t, asyncjob.StateCanceled, res.Status.State)
}

func createDocument(t *testing.T, ts *testServer, content string) string {
	t.Helper()
	res := ts.do(t, http.MethodPost, "/documents", `{"title":"counter","content":"`+content+`"}`, "Content-Type", "application/json")
	require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
	return ts.URL + res.Header.Get("Location")
}

// The test: 8 goroutines × 25 increments through the helper lose
// nothing, because every write is conditional (RFC 9110 §13.1.1) and every
// 412 re-reads.
func TestClientUpdateNoLostWrites(t *testing.T) {
	t.Parallel()
	for _, method := range []update.Method{update.Put, update.MergePatch, update.JSONPatch} {
		t.Run(method.String(), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, config{})
			url := createDocument(t, ts, "0")
			u, err := update.New(update.Options{Client: ts.client, Method: method, MaxAttempts: 200, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
			require.NoError(t, err)
			increment := func(body []byte) ([]byte, error) {
				var d struct {
					Title   string `json:"title"`
					Content string `json:"content"`
				}
				if err := json.Unmarshal(body, &d); err != nil {
					return nil, err
				}
				n, err := strconv.Atoi(d.Content)
				if err != nil {
					return nil, err
				}
				next := strconv.Quote(strconv.Itoa(n + 1))
				switch method {
				case update.MergePatch:
					return []byte(`{"content":` + next + `}`), nil
				case update.JSONPatch:
					return []byte(`[{"op":"test","path":"/content","value":` + strconv.Quote(d.Content) + `},{"op":"replace","path":"/content","value":` + next + `}]`), nil
				}
				return []byte(`{"title":` + strconv.Quote(d.Title) + `,"content":` + next + `}`), nil
			}
			const workers, each = 8, 25
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				attempts int
				errs     []error
			)
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						r, err := u.Do(t.Context(), url, increment)
						mu.Lock()
						attempts += r.Attempts
						if err != nil {
							errs = append(errs, err)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			require.Empty(t, errs)
			final := ts.do(t, http.MethodGet, strings.TrimPrefix(url, ts.URL), "")
			assert.Equal(t, strconv.Itoa(workers*each), final.json(t)["content"])
			assert.GreaterOrEqual(t, attempts, workers*each)
			t.Logf("%s: %d writes for %d increments", method, attempts, workers*each)
		})
	}
}

// A stale write is retried; the attempts are reported.
func TestClientUpdateRetriesStale(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	url := createDocument(t, ts, "a")
	u, err := update.New(update.Options{Client: ts.client, Backoff: -1})
	require.NoError(t, err)
	first := true
	r, err := u.Do(t.Context(), url, func(body []byte) ([]byte, error) {
		if first {
			// Another writer changes the document between our read and
			// our write: the write meets 412 and Do reads again.
			first = false
			res := ts.do(t, http.MethodGet, strings.TrimPrefix(url, ts.URL), "")
			put := ts.do(t, http.MethodPut, strings.TrimPrefix(url, ts.URL), `{"title":"t","content":"other"}`, "Content-Type", "application/json", "If-Match", res.Header.Get("ETag"))
			require.Equal(t, http.StatusOK, put.StatusCode)
		}
		var d map[string]any
		require.NoError(t, json.Unmarshal(body, &d))
		return []byte(`{"title":"t","content":"` + d["content"].(string) + `+mine"}`), nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, r.Attempts)
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.False(t, r.ETag.IsZero())
	assert.Contains(t, string(r.Body), `"other+mine"`)
}

// newCachingClient returns a client of ts whose transport is the private
// cache, with the test's clock, and a way to read the outcomes.
func newCachingClient(t *testing.T, ts *testServer, clock *testenv.Clock) (*http.Client, func() []cache.Outcome) {
	t.Helper()
	var (
		mu       sync.Mutex
		outcomes []cache.Outcome
	)
	tr, err := cache.New(cache.Options{Transport: originClock{ts.client.Transport, clock}, Now: clock.Now, OutcomeFunc: func(_ *http.Request, o cache.Outcome) {
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
	}})
	require.NoError(t, err)
	return &http.Client{Transport: tr}, func() []cache.Outcome {
		mu.Lock()
		defer mu.Unlock()
		return append([]cache.Outcome(nil), outcomes...)
	}
}

// originClock stamps responses with the test clock's Date, as an origin
// whose clock agrees with the client's would: the server's own Date comes
// from the wall clock, which the test clock runs ahead of.
type originClock struct {
	rt    http.RoundTripper
	clock *testenv.Clock
}

func (o originClock) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := o.rt.RoundTrip(r)
	if err == nil {
		res.Header.Set("Date", o.clock.Now().UTC().Format(http.TimeFormat))
	}
	return res, err
}

func get(t *testing.T, c *http.Client, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// The cache presets of package cache, as the example server sends them,
// through the private cache (RFC 9111).
func TestClientCachePresets(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	clock := testenv.NewClock(time.Now())
	c, outcomes := newCachingClient(t, ts, clock)

	// RFC 9111 §4.2: "public, max-age=60" is fresh for a minute: a hit.
	res1, body1 := get(t, c, ts.URL+"/events")
	require.Equal(t, http.StatusOK, res1.StatusCode)
	assert.Equal(t, "public, max-age=60", res1.Header.Get("Cache-Control"))
	res2, body2 := get(t, c, ts.URL+"/events")
	assert.True(t, cache.FromCache(res2))
	assert.Equal(t, cache.Hit, cache.OutcomeOf(res2))
	assert.Equal(t, body1, body2)

	// RFC 9111 §5.2.2.7: "private, max-age=300" is storable in a private
	// cache.
	res3, _ := get(t, c, ts.URL+"/users/1")
	assert.Equal(t, "private, max-age=300", res3.Header.Get("Cache-Control"))
	res4, _ := get(t, c, ts.URL+"/users/1")
	assert.Equal(t, cache.Hit, cache.OutcomeOf(res4))

	// RFC 9111 §4.1: Vary: Accept keys the variants apart.
	res5, body5 := get(t, c, ts.URL+"/users/1", "Accept", "application/xml")
	assert.Equal(t, cache.Miss, cache.OutcomeOf(res5))
	assert.Contains(t, body5, "<user")
	res6, _ := get(t, c, ts.URL+"/users/1", "Accept", "application/xml")
	assert.Equal(t, cache.Hit, cache.OutcomeOf(res6))

	// RFC 9111 §4.2.4, §4.3: past max-age the entry is stale; it is
	// revalidated (If-None-Match), the origin says 304, and the stored
	// response is refreshed: fresh again without another request.
	clock.Add(61 * time.Second)
	res7, body7 := get(t, c, ts.URL+"/events")
	assert.Equal(t, cache.Revalidated, cache.OutcomeOf(res7))
	assert.Equal(t, http.StatusOK, res7.StatusCode)
	assert.Equal(t, body1, body7)
	res8, _ := get(t, c, ts.URL+"/events")
	assert.Equal(t, cache.Hit, cache.OutcomeOf(res8))

	// RFC 9111 §5.2.2.4: "private, no-cache" documents are stored but
	// revalidated on every use.
	url := createDocument(t, ts, "x")
	get(t, c, url)
	res9, _ := get(t, c, url)
	assert.Equal(t, cache.Revalidated, cache.OutcomeOf(res9))

	assert.Equal(t, []cache.Outcome{cache.Miss, cache.Hit, cache.Miss, cache.Hit, cache.Miss, cache.Hit,
		cache.Revalidated, cache.Hit, cache.Miss, cache.Revalidated}, outcomes())
}

// RFC 9111 §4.4: a write through the cache invalidates the stored copy, and
// update's re-read bypasses it: update and cache work together.
func TestClientCacheInvalidatesOnWrite(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	clock := testenv.NewClock(time.Now())
	c, _ := newCachingClient(t, ts, clock)
	res, _ := get(t, c, ts.URL+"/users/1")
	require.Equal(t, http.StatusOK, res.StatusCode)
	u, err := update.New(update.Options{Client: c, Method: update.MergePatch})
	require.NoError(t, err)
	r, err := u.Do(t.Context(), ts.URL+"/users/1", func([]byte) ([]byte, error) { return []byte(`{"name":"Ada King"}`), nil })
	require.NoError(t, err)
	assert.Equal(t, 1, r.Attempts)
	res2, body := get(t, c, ts.URL+"/users/1")
	assert.Equal(t, cache.Miss, cache.OutcomeOf(res2), "the PATCH dropped the stored user")
	assert.Contains(t, body, "Ada King")
}

// The status URL answers "no-cache": a poller behind the cache still sees
// every change (each poll revalidates).
func TestClientPollThroughCache(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	var (
		mu   sync.Mutex
		hits int
	)
	tr, err := cache.New(cache.Options{Transport: ts.client.Transport, OutcomeFunc: func(_ *http.Request, o cache.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if o == cache.Hit {
			hits++
		}
	}})
	require.NoError(t, err)
	var progress []int
	p, err := poll.New(poll.Options{Client: &http.Client{Transport: tr}, MinInterval: -1, MaxInterval: 10 * time.Millisecond,
		ProgressFunc: func(s poll.Status) { progress = append(progress, s.Progress) }})
	require.NoError(t, err)
	res, err := p.Submit(t.Context(), submitReport(t, ts, reportBody))
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCompleted, res.Status.State)
	assert.Equal(t, 100, progress[len(progress)-1])
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, hits, "a status document is never answered from storage")
}
