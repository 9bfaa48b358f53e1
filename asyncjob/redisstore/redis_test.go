package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/internal/testenv"
)

// How the tests reach Redis: REDIS_URL when set, else 127.0.0.1:6379 when it
// answers, else a redis-server from PATH started on a unix socket in a
// temporary directory. Without any of them the tests skip (fail in CI).

const localAddr = "127.0.0.1:6379"

// newClient returns a client of the Redis the tests use, closed at cleanup.
func newClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		c, err := redisstore.NewClient(u)
		require.NoError(t, err, "REDIS_URL")
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	if localAnswers() {
		c := redis.NewClient(&redis.Options{Addr: localAddr})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	srv := startServer(t, false)
	return srv.client(t)
}

var localOnce = sync.OnceValue(func() bool {
	c, err := net.DialTimeout("tcp", localAddr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	b := make([]byte, 7)
	n, _ := c.Read(b)
	return strings.HasPrefix(string(b[:n]), "+PONG")
})

func localAnswers() bool { return localOnce() }

// server is a redis-server this test started on a unix socket.
type server struct {
	t    testing.TB
	bin  string
	dir  string
	sock string
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// startServer starts redis-server on a unix socket in a temporary
// directory and stops it at cleanup. With durable set, every write is
// appended to an AOF and fsynced before Redis answers, so a killed server
// restarts with every acknowledged write.
func startServer(t testing.TB, durable bool) *server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "no Redis: set REDIS_URL, run one on %s or put redis-server on PATH", localAddr)
	}
	// Unix socket paths are limited to ~100 bytes; t.TempDir can be long.
	dir, err := os.MkdirTemp("", "rs")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &server{t: t, bin: bin, dir: dir, sock: filepath.Join(dir, "redis.sock")}
	s.args = []string{"--port", "0", "--unixsocket", s.sock, "--dir", dir, "--save", ""}
	if durable {
		s.args = append(s.args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		s.args = append(s.args, "--appendonly", "no")
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start runs the server and waits until it answers PING.
func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	require.NoError(s.t, cmd.Start())
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.sock, MaxRetries: -1})
	defer c.Close()
	require.Eventually(s.t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	}, 10*time.Second, 10*time.Millisecond, "redis-server did not answer")
}

// stop kills the server (as a crash would) and waits for it to exit.
func (s *server) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// client returns a client of this server, closed at cleanup.
func (s *server) client(t testing.TB) redis.UniversalClient {
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.sock})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefix returns a key prefix no other test uses.
func prefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", ".", "{", "", "}", "").Replace(t.Name())
	return "test:" + name + ":" + hex.EncodeToString(b[:])
}

// newStore returns a Store on its own prefix, closed at cleanup (before
// the client, as cleanups run last-in first-out), which then removes the
// prefix's keys: a test leaves nothing on the shared server (the jobs'
// retention would otherwise keep them, some 10^5 keys a run, for a day).
func newStore(t testing.TB, c redis.UniversalClient, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = prefix(t)
	}
	s, err := redisstore.New(c, opts)
	require.NoError(t, err)
	p := opts.Prefix
	t.Cleanup(func() {
		_ = s.Close()
		dropPrefix(c, p)
	})
	return s
}

// dropPrefix unlinks every key of prefix p, a batch per SCAN page. It is
// best effort: a test that stopped a private server has nothing to drop,
// and a failure here must not hide the test's own result.
func dropPrefix(c redis.UniversalClient, p string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "{"+p+"}:*", 1000).Result()
		if err != nil {
			return
		}
		if len(keys) > 0 && c.Unlink(ctx, keys...).Err() != nil {
			return
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}
