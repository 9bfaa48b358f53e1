package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisURL returns the Redis to test against: $REDIS_URL, else a server on
// 127.0.0.1:6379 when one answers; it skips (fails in CI) otherwise.
func redisURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
	if err != nil {
		testenv.Missing(t, "no Redis: set REDIS_URL or run redis-server on 127.0.0.1:6379")
	}
	conn.Close()
	return "redis://127.0.0.1:6379/0"
}

// TestRedis_SharedJobs runs two instances on one Redis: a report submitted
// to A is polled, streamed and read on B, whichever instance ran it.
func TestRedis_SharedJobs(t *testing.T) {
	t.Parallel()
	url := redisURL(t)
	prefix := "httpsem-example-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { deleteRedisKeys(t, url, prefix) })
	a := startServer(t, config{RedisURL: url, RedisPrefix: prefix})
	b := startServer(t, config{RedisURL: url, RedisPrefix: prefix})

	acc := a.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`,
		"Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, acc.StatusCode, "body: %s", acc.body)
	// The retry lands on the other instance and gets the same job.
	again := b.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-03-31"}}`,
		"Content-Type", "application/json", "Idempotency-Key", "shared-1")
	require.Equal(t, 202, again.StatusCode)
	assert.Equal(t, acc.json(t)["job_id"], again.json(t)["job_id"])

	final, _ := b.waitJob(t, acc.Header.Get("Location"))
	require.Equal(t, 303, final.StatusCode, "body: %s", final.body)
	for _, ts := range []*testServer{a, b} {
		rep := ts.do(t, "GET", final.Header.Get("Location"), "")
		require.Equal(t, 200, rep.StatusCode, "body: %s", rep.body)
		assert.Len(t, rep.json(t)["months"], 3)
	}
}

// deleteRedisKeys removes what a test left in Redis under prefix.
func deleteRedisKeys(t *testing.T, url, prefix string) {
	t.Helper()
	client, err := redisstore.NewClient(url)
	require.NoError(t, err)
	defer client.Close()
	ctx := context.Background()
	for _, pattern := range []string{"{" + prefix + "}:*", prefix + ":*"} {
		iter := client.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			assert.NoError(t, client.Del(ctx, iter.Val()).Err())
		}
		assert.NoError(t, iter.Err())
	}
}

func TestRedis_BadURL(t *testing.T) {
	t.Parallel()
	_, err := newServer(config{RedisURL: "ftp://127.0.0.1:6379"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-redis")
}
