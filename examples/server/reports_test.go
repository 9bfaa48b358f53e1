package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReports(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	const body = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`

	acc := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	doc := acc.json(t)
	statusURL := acc.Header.Get("Location")
	assert.Regexp(t, `^/jobs/[A-Za-z0-9_-]{22}$`, statusURL)
	assert.Equal(t, statusURL, doc["status_url"])
	assert.Equal(t, "accepted", doc["status"])
	assert.NotEmpty(t, doc["job_id"])
	assert.NotEmpty(t, doc["estimated_completion"])
	assert.NotEmpty(t, acc.Header.Get("Retry-After"))

	final, progress := ts.waitJob(t, statusURL)
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	loc := final.Header.Get("Location")
	assert.Regexp(t, `^/reports/[A-Za-z0-9_-]+$`, loc)
	assert.Equal(t, float64(100), final.json(t)["progress"])
	assert.IsNonDecreasing(t, progress)

	rep := ts.do(t, "GET", loc, "")
	require.Equal(t, 200, rep.StatusCode)
	assert.Equal(t, "application/json", rep.Header.Get("Content-Type"))
	assert.Equal(t, "private, max-age=31536000, immutable", rep.Header.Get("Cache-Control"))
	tag := rep.Header.Get("ETag")
	require.NotEmpty(t, tag)
	m := rep.json(t)
	assert.Equal(t, "sales_summary", m["type"])
	assert.Len(t, m["months"], 12)
	nm := ts.do(t, "GET", loc, "", "If-None-Match", tag)
	assert.Equal(t, 304, nm.StatusCode)
	assert.Equal(t, "private, max-age=31536000, immutable", nm.Header.Get("Cache-Control"))
	assert.Equal(t, 404, ts.do(t, "GET", "/reports/nope", "").StatusCode)
	assert.Equal(t, 404, ts.do(t, "GET", "/jobs/nope", "").StatusCode)
}

func TestReportsSSE(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: time.Second})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)

	req, err := http.NewRequest("GET", ts.URL+acc.Header.Get("Location"), nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	res, err := ts.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))

	var (
		events   []string
		progress []int
		last     map[string]any
	)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			events = append(events, ev)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			last = nil
			require.NoError(t, json.Unmarshal([]byte(data), &last))
			progress = append(progress, int(last["progress"].(float64)))
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, events)
	assert.Equal(t, "completed", events[len(events)-1])
	assert.Contains(t, events, "processing")
	assert.IsNonDecreasing(t, progress)
	assert.Equal(t, 100, progress[len(progress)-1])
	assert.Greater(t, len(progress), 2, "progress is reported on the way: %v", progress)
	assert.Regexp(t, `^/reports/`, last["result_url"])
}

func TestReportsTooLarge(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2023-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)
	final, _ := ts.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 200, final.StatusCode)
	m := final.json(t)
	assert.Equal(t, "failed", m["status"])
	assert.Equal(t, map[string]any{"code": "DATA_TOO_LARGE", "message": "Report exceeds maximum size. Try narrowing the date range.", "retryable": true}, m["error"])

	// 366 days (a leap year) is still fine.
	acc = ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)
	final, _ = ts.waitJob(t, acc.Header.Get("Location"))
	assert.Equal(t, 303, final.StatusCode)
}

func TestReportsValidation(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{})
	tests := []struct {
		name, ctype, body string
		status            int
	}{
		{"malformed", "application/json", `{"type":`, 400},
		{"missing type", "application/json", `{"date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"unknown type", "application/json", `{"type":"inventory","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"missing range", "application/json", `{"type":"sales_summary"}`, 422},
		{"missing to", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-01-01"}}`, 422},
		{"bad date", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-13-01","to":"2024-12-31"}}`, 422},
		{"from after to", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-12-31","to":"2024-01-01"}}`, 422},
		{"wrong type", "application/json", `{"type":1,"date_range":{"from":"2024-01-01","to":"2024-01-31"}}`, 422},
		{"callback without secret", "application/json", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"},"callback_url":"https://example.com/hook"}`, 422},
		{"not JSON", "text/plain", `type=sales_summary`, 415},
		{"form", "application/x-www-form-urlencoded", `type=sales_summary`, 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := ts.do(t, "POST", "/reports", tc.body, "Content-Type", tc.ctype)
			require.Equal(t, tc.status, res.StatusCode, "body: %s", res.body)
			res.errorCode(t)
			assert.Empty(t, res.Header.Get("Location"), "no job was created")
		})
	}
}

func TestReportsIdempotencyAndCancel(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: time.Minute})
	const body = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-06-30"}}`
	a := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	require.Equal(t, 202, a.StatusCode)
	b := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	require.Equal(t, 202, b.StatusCode)
	assert.Equal(t, a.json(t)["job_id"], b.json(t)["job_id"], "a retry gets the same job")
	assert.Equal(t, a.body, b.body)
	// Same key, different request.
	c := ts.do(t, "POST", "/reports", strings.Replace(body, "06-30", "07-31", 1), "Content-Type", "application/json", "Idempotency-Key", `"report-42"`)
	assert.Equal(t, 422, c.StatusCode)
	d := ts.do(t, "POST", "/reports", body, "Content-Type", "application/json", "Idempotency-Key", `"bad" "key"`)
	assert.Equal(t, 400, d.StatusCode)

	// DELETE cancels the running job.
	loc := a.Header.Get("Location")
	cancel := ts.do(t, "DELETE", loc, "")
	require.Equal(t, 202, cancel.StatusCode, "body: %s", cancel.body)
	final, _ := ts.waitJob(t, loc)
	assert.Equal(t, "canceled", final.json(t)["status"])
	assert.Equal(t, 405, ts.do(t, "PUT", loc, "").StatusCode)
}

func TestReportsWebSocket(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: 500 * time.Millisecond})
	acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+acc.Header.Get("Location"), nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	var events []string
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			// The server closes normally after the terminal record.
			require.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "read: %v", err)
			break
		}
		var msg struct {
			Event string `json:"event"`
			Data  struct {
				Progress  int    `json:"progress"`
				ResultURL string `json:"result_url"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(data, &msg))
		events = append(events, msg.Event)
		if msg.Event == "completed" {
			assert.Equal(t, 100, msg.Data.Progress)
			assert.Regexp(t, `^/reports/`, msg.Data.ResultURL)
		}
	}
	require.NotEmpty(t, events)
	assert.Equal(t, "completed", events[len(events)-1])
}

// TestReportsPreferWait: a client that asks to wait (RFC 7240 §4.3) for a
// short report gets the final answer, a 303, in the POST response itself.
func TestReportsPreferWait(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{ReportDuration: 100 * time.Millisecond})
	res := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-31"}}`,
		"Content-Type", "application/json", "Prefer", "wait=10")
	require.Equal(t, 303, res.StatusCode, "body: %s", res.body)
	assert.Regexp(t, `^/reports/`, res.Header.Get("Location"))
	assert.Equal(t, "wait=10", res.Header.Get("Preference-Applied"))
}
