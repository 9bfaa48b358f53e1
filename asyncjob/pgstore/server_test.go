package pgstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/internal/testenv"
)

// server is a PostgreSQL this test started (initdb and pg_ctl) in a
// temporary directory, reachable on a unix socket only, so that a test may
// kill and restart it without touching the shared server. initdb refuses
// to run as root; as root the tools run as user postgres.
type server struct {
	t     testing.TB
	bin   string
	dir   string // data directory and socket directory
	asPG  bool   // run the tools through runuser -u postgres
	mu    sync.Mutex
	alive bool
}

// startServer initialises and starts a private server; it is stopped at
// cleanup.
func startServer(t testing.TB) *server {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	var bin string
	if len(bins) > 0 {
		bin = filepath.Dir(bins[len(bins)-1])
	} else if p, err := exec.LookPath("initdb"); err == nil {
		bin = filepath.Dir(p)
	} else {
		testenv.Missing(t, "no initdb in /usr/lib/postgresql/*/bin or on PATH: install postgresql")
	}
	s := &server{t: t, bin: bin}
	// Socket paths are limited to ~100 bytes; t.TempDir can be long.
	dir, err := os.MkdirTemp("", "pg")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.dir = filepath.Join(dir, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Missing(t, "running as root and there is no user postgres to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		require.NoError(t, os.Chown(dir, uid, gid))
		s.asPG = true
	}
	s.run("initdb", "-D", s.dir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	s.start()
	t.Cleanup(s.stop)
	return s
}

// run runs one of the server's tools and fails the test when it fails.
func (s *server) run(tool string, args ...string) {
	s.t.Helper()
	name, all := filepath.Join(s.bin, tool), args
	if s.asPG {
		name, all = "runuser", append([]string{"-u", "postgres", "--", filepath.Join(s.bin, tool)}, args...)
	}
	out, err := exec.Command(name, all...).CombinedOutput()
	require.NoError(s.t, err, "%s: %s", tool, out)
}

// start starts the server and waits until it accepts connections.
func (s *server) start() {
	s.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses='' -k %s -c max_connections=100 -c shared_buffers=16MB", s.dir)
	s.run("pg_ctl", "start", "-w", "-t", "30", "-D", s.dir, "-l", filepath.Join(s.dir, "log"), "-o", opts)
	s.mu.Lock()
	s.alive = true
	s.mu.Unlock()
}

// kill stops the server the way a crash would (immediate mode: no
// checkpoint, recovery at the next start).
func (s *server) kill() {
	s.mu.Lock()
	alive := s.alive
	s.alive = false
	s.mu.Unlock()
	if alive {
		s.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", s.dir)
	}
}

func (s *server) stop() { s.kill() }

// url returns the URL of database name on the private server.
func (s *server) url(name string) string {
	return "host=" + s.dir + " user=postgres sslmode=disable dbname=" + name
}

// createDatabase creates a database on the private server.
func (s *server) createDatabase(name string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.url("postgres"))
	require.NoError(s.t, err)
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(s.t, err)
	return s.url(name)
}
