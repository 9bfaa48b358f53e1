package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// sseRecords reads an event stream to its end and returns its records
// (id, event, retry, data per record).
func sseRecords(t *testing.T, res *http.Response) []map[string]string {
	t.Helper()
	var (
		recs []map[string]string
		cur  = map[string]string{}
	)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(cur) > 0 {
				recs = append(recs, cur)
				cur = map[string]string{}
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		cur[k] = v
	}
	return recs
}

// TestShutdown_SIGTERM runs the real binary with running jobs and open SSE
// streams, in memory and on Redis, and sends SIGTERM with a job grace period
// far shorter than the jobs: the process exits 0, every stream gets its
// final "shutdown" record (without an id, so clients resume from the last
// one), so does every WebSocket feed (then closed with 1001), and the
// unfinished jobs are handed back.
func TestShutdown_SIGTERM(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	tests := []struct {
		name  string
		redis bool
	}{
		{"memory", false},
		{"redis", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"-addr", "127.0.0.1:0", "-report-duration", "1h", "-job-grace", "200ms", "-drain-timeout", "5s"}
			var url, prefix string
			if tc.redis {
				url = redisURL(t)
				prefix = "httpsem-example-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
				t.Cleanup(func() { deleteRedisKeys(t, url, prefix) })
				args = append(args, "-redis", url, "-redis-prefix", prefix)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			line, err := bufio.NewReader(stdout).ReadString('\n')
			require.NoError(t, err, "stderr: %s", stderr.String())
			base := strings.TrimPrefix(strings.TrimSpace(line), "listening on ")

			client := &http.Client{Timeout: 30 * time.Second}
			defer client.CloseIdleConnections()
			const jobs, streamsPerJob = 2, 2
			var (
				ids     []string
				wg      sync.WaitGroup
				mu      sync.Mutex
				streams [][]map[string]string
				feeds   []wsEnd
			)
			for range jobs {
				sub, err := client.Post(base+"/reports", "application/json",
					strings.NewReader(`{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`))
				require.NoError(t, err)
				sub.Body.Close()
				require.Equal(t, http.StatusAccepted, sub.StatusCode)
				loc := sub.Header.Get("Location")
				ids = append(ids, loc[strings.LastIndexByte(loc, '/')+1:])
				// And one WebSocket feed per job.
				conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+loc, nil)
				require.NoError(t, err)
				_, first, err := conn.Read(ctx)
				require.NoError(t, err)
				require.Contains(t, string(first), `"id":"`)
				wg.Go(func() {
					defer conn.CloseNow()
					var last []byte
					for {
						_, msg, err := conn.Read(ctx)
						if err != nil {
							mu.Lock()
							feeds = append(feeds, wsEnd{last, websocket.CloseStatus(err)})
							mu.Unlock()
							return
						}
						last = msg
					}
				})
				for range streamsPerJob {
					req, err := http.NewRequestWithContext(ctx, "GET", base+loc, nil)
					require.NoError(t, err)
					req.Header.Set("Accept", "text/event-stream")
					res, err := client.Do(req)
					require.NoError(t, err)
					require.Equal(t, http.StatusOK, res.StatusCode)
					// The first record is the current state: the stream is open.
					rd := bufio.NewReader(res.Body)
					first, err := rd.ReadString('\n')
					require.NoError(t, err)
					require.True(t, strings.HasPrefix(first, "id: "), first)
					res.Body = readCloser{rd, res.Body}
					wg.Go(func() {
						defer res.Body.Close()
						recs := sseRecords(t, res)
						mu.Lock()
						streams = append(streams, recs)
						mu.Unlock()
					})
				}
			}

			start := time.Now()
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			require.NoError(t, cmd.Wait(), "exit status 0; stderr: %s", stderr.String())
			t.Logf("SIGTERM to exit: %v", time.Since(start))
			wg.Wait()
			require.Len(t, streams, jobs*streamsPerJob)
			for _, recs := range streams {
				require.NotEmpty(t, recs)
				last := recs[len(recs)-1]
				assert.Equal(t, "shutdown", last["event"], "every stream ends with the final event")
				assert.NotContains(t, last, "id", "the client keeps its Last-Event-ID")
				assert.Equal(t, "5000", last["retry"])
			}
			require.Len(t, feeds, jobs)
			for _, f := range feeds {
				var m map[string]any
				require.NoError(t, json.Unmarshal(f.last, &m), "%s", f.last)
				assert.Equal(t, "shutdown", m["event"], "every WebSocket feed ends with the final event")
				assert.NotContains(t, m, "id")
				assert.Equal(t, websocket.StatusGoingAway, f.status)
			}
			assert.Contains(t, stderr.String(), "shutting down")

			if tc.redis {
				// Handed back: still processing, the lease released, so
				// another instance takes the job over at once.
				c, err := redisstore.NewClient(url)
				require.NoError(t, err)
				defer c.Close()
				st, err := redisstore.New(c, redisstore.Options{Prefix: prefix})
				require.NoError(t, err)
				defer st.Close()
				for _, id := range ids {
					j, err := st.Get(context.Background(), id)
					require.NoError(t, err)
					assert.Equal(t, asyncjob.StateProcessing, j.State)
					assert.True(t, j.LeaseUntil.IsZero(), "lease released")
				}
			}
		})
	}
}

// wsEnd is how a WebSocket feed ended: its last message and close status.
type wsEnd struct {
	last   []byte
	status websocket.StatusCode
}

type readCloser struct {
	*bufio.Reader
	c interface{ Close() error }
}

func (r readCloser) Close() error { return r.c.Close() }
