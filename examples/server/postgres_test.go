package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/testenv"
)

// postgresURL creates a database of its own on $DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres), drops it at cleanup and
// returns its URL; it skips (fails in CI) without PostgreSQL.
func postgresURL(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		testenv.Missing(t, "no PostgreSQL at %s (set DATABASE_URL): %v", admin, err)
	}
	defer c.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "example_" + hex.EncodeToString(b[:])
	_, err = c.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		require.NoError(t, err)
		u.Path = "/" + name
		return u.String()
	}
	return admin + " dbname=" + name
}

// exec runs one statement on database u.
func execSQL(t *testing.T, u, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql, args...)
	require.NoError(t, err)
}

func countRows(t *testing.T, u, sql string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer c.Close(ctx)
	var n int
	require.NoError(t, c.QueryRow(ctx, sql, args...).Scan(&n))
	return n
}

const pgReportBody = `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`

// Two instances on one database share everything: a report submitted to A
// is retried (same key) on B, polled and streamed on B, read on both; the
// report request row and its job were written together.
func TestPostgres_SharedJobs(t *testing.T) {
	t.Parallel()
	u := postgresURL(t)
	a := startServer(t, config{PostgresURL: u})
	b := startServer(t, config{PostgresURL: u})

	acc := a.do(t, "POST", "/reports", pgReportBody, "Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	again := b.do(t, "POST", "/reports", pgReportBody, "Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, again.StatusCode)
	jobID := acc.json(t)["job_id"]
	assert.Equal(t, jobID, again.json(t)["job_id"])

	final, _ := b.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	for _, ts := range []*testServer{a, b} {
		rep := ts.do(t, "GET", final.Header.Get("Location"), "")
		require.Equal(t, 200, rep.StatusCode, "body: %s", rep.body)
		assert.Len(t, rep.json(t)["months"], 3)
	}
	assert.Equal(t, 1, countRows(t, u, `SELECT count(*) FROM httpsem_example.jobs`))
	assert.Equal(t, 1, countRows(t, u, `SELECT count(*) FROM httpsem_example.reports WHERE job_id = $1 AND report IS NOT NULL`, jobID))
}

// A report request and its job are one transaction: racing retries with
// one key on two instances leave one job and one request row; a refused
// submission (422) leaves neither.
func TestPostgres_RequestAndJobInOneTransaction(t *testing.T) {
	t.Parallel()
	u := postgresURL(t)
	ins := []*testServer{startServer(t, config{PostgresURL: u}), startServer(t, config{PostgresURL: u})}
	const n = 20
	codes := make([]int, n)
	ids := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// send and assert, not do and json: no require off the test's goroutine.
			r, err := ins[i%2].send("POST", "/reports", pgReportBody, "Content-Type", "application/json", "Idempotency-Key", "race")
			if !assert.NoError(t, err) {
				return
			}
			codes[i] = r.StatusCode
			var m map[string]any
			if r.StatusCode == 202 && assert.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body) {
				ids[i] = m["job_id"]
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.Equal(t, 202, codes[i])
		assert.Equal(t, ids[0], ids[i])
	}
	bad := ins[0].do(t, "POST", "/reports", `{"type":"nope","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`, "Content-Type", "application/json")
	require.Equal(t, 422, bad.StatusCode)
	assert.Equal(t, 1, countRows(t, u, `SELECT count(*) FROM httpsem_example.jobs`))
	assert.Equal(t, 1, countRows(t, u, `SELECT count(*) FROM httpsem_example.reports r JOIN httpsem_example.jobs j ON j.id = r.job_id`))
	// Prefer: wait cannot wait for a job committed after the answer: it is
	// dropped, and the answer says nothing was applied.
	w := ins[1].do(t, "POST", "/reports", pgReportBody, "Content-Type", "application/json", "Prefer", "respond-async, wait=5")
	require.Equal(t, 202, w.StatusCode)
	assert.Equal(t, "respond-async", w.Header.Get("Preference-Applied"))
	assert.Equal(t, 2, countRows(t, u, `SELECT count(*) FROM httpsem_example.reports`))
}

// While the database refuses connections, submissions and polls answer 503
// with Retry-After; afterwards the service recovers by itself.
func TestPostgres_Unavailable(t *testing.T) {
	t.Parallel()
	u := postgresURL(t)
	a := startServer(t, config{PostgresURL: u})
	acc := a.do(t, "POST", "/reports", pgReportBody, "Content-Type", "application/json")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	cfg, err := pgx.ParseConfig(u)
	require.NoError(t, err)
	admin := strings.Replace(u, "/"+cfg.Database, "/postgres", 1)
	execSQL(t, admin, `ALTER DATABASE `+cfg.Database+` ALLOW_CONNECTIONS false`)
	execSQL(t, admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, cfg.Database)
	t.Cleanup(func() { execSQL(t, admin, `ALTER DATABASE `+cfg.Database+` ALLOW_CONNECTIONS true`) })

	for _, req := range [][2]string{{"POST", "/reports"}, {"GET", acc.Header.Get("Location")}} {
		r := a.do(t, req[0], req[1], pgReportBody, "Content-Type", "application/json")
		assert.Equal(t, 503, r.StatusCode, "%s %s: %s", req[0], req[1], r.body)
		assert.NotEmpty(t, r.Header.Get("Retry-After"), "%s %s", req[0], req[1])
		assert.Equal(t, httperr.CodeUnavailable, r.errorCode(t))
	}
	execSQL(t, admin, `ALTER DATABASE `+cfg.Database+` ALLOW_CONNECTIONS true`)
	require.Eventually(t, func() bool {
		code := a.do(t, "GET", acc.Header.Get("Location"), "").StatusCode
		return code == 200 || code == 303 // processing, or finished
	}, 10*time.Second, 20*time.Millisecond)
	final, _ := a.waitJob(t, acc.Header.Get("Location"))
	assert.Equal(t, 303, final.StatusCode, "the job accepted before the outage completes: %s", final.body)
}

// An instance killed (SIGKILL) mid-job has its job finished by another
// once the lease has ended.
func TestPostgres_KilledInstance(t *testing.T) {
	t.Parallel()
	u := postgresURL(t)
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-postgres", u, "-lease", "1s", "-report-duration", "4s")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	sub, err := client.Post(base+"/reports", "application/json", strings.NewReader(pgReportBody))
	require.NoError(t, err)
	sub.Body.Close()
	require.Equal(t, 202, sub.StatusCode)
	loc := sub.Header.Get("Location")
	require.Eventually(t, func() bool {
		return countRows(t, u, `SELECT count(*) FROM httpsem_example.jobs WHERE state = 'processing'`) == 1
	}, 10*time.Second, 20*time.Millisecond, "A runs the job")
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	b := startServer(t, config{PostgresURL: u, Lease: time.Second, ReportDuration: 200 * time.Millisecond})
	final, _ := b.waitJob(t, loc)
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	assert.Equal(t, 2, countRows(t, u, `SELECT attempt FROM httpsem_example.jobs`), "taken over: a second attempt")
	rep := b.do(t, "GET", final.Header.Get("Location"), "")
	assert.Equal(t, 200, rep.StatusCode)
}

func TestPostgres_BadConfig(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{PostgresURL: "postgres://postgres@127.0.0.1:5432/x", RedisURL: "redis://127.0.0.1:6379/0"})
	assert.ErrorContains(t, err, "cannot be combined")
	_, err = newServer(config{PostgresURL: "::not a url"})
	assert.ErrorContains(t, err, "-postgres")
}
