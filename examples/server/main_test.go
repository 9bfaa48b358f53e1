package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinary compiles the command into a temporary directory, the way
// `go run ./examples/server` would.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// TestMain_ListenServeAndShutdown runs the real binary: it prints the bound
// address first, serves, and exits 0 on SIGTERM after finishing the job in
// flight.
func TestMain_ListenServeAndShutdown(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-report-duration", "300ms")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer // written by exec's copying goroutine
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())

	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "first line: %q", line)
	require.Regexp(t, `^http://127\.0\.0\.1:[1-9][0-9]*$`, base)

	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	get := func(path string) (*http.Response, []byte) {
		res, err := client.Get(base + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, b
	}
	res, body := get("/")
	assert.Equal(t, 200, res.StatusCode)
	assert.Contains(t, string(body), "Start report")
	res, body = get("/openapi.json")
	assert.Equal(t, 200, res.StatusCode)
	assert.Contains(t, string(body), `"openapi"`)

	// A job in flight when the signal arrives is finished, not dropped.
	sub, err := client.Post(base+"/reports", "application/json",
		strings.NewReader(`{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-12-31"}}`))
	require.NoError(t, err)
	sub.Body.Close()
	require.Equal(t, 202, sub.StatusCode)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err = cmd.Wait()
	require.NoError(t, err, "exit: stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "shutting down")
	_, err = client.Get(base + "/")
	assert.Error(t, err, "the listener is closed")
}

func TestMain_FlagErrors(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad redis URL", []string{"-addr", "127.0.0.1:0", "-redis", "ftp://127.0.0.1:6379"}, "-redis"},
		{"bad webhook secret", []string{"-addr", "127.0.0.1:0", "-webhook-secret", "nope"}, "-webhook-secret"},
		{"unknown flag", []string{"-port", "80"}, "flag provided but not defined"},
		{"bad address", []string{"-addr", "256.0.0.1:1"}, "listen"},
		{"write timeout too short", []string{"-addr", "127.0.0.1:0", "-write-timeout", "10s"}, "-write-timeout"},
		{"negative header limit", []string{"-addr", "127.0.0.1:0", "-max-header-bytes", "-1"}, "-max-header-bytes"},
		{"negative upload memory", []string{"-addr", "127.0.0.1:0", "-upload-memory", "-1"}, "-upload-memory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, tc.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.NotEqual(t, 0, ee.ExitCode())
			assert.Contains(t, stderr.String(), tc.want)
			assert.Empty(t, stdout.String(), "nothing is announced when nothing listens")
		})
	}
}

// TestMain_Help checks that -h and -help print the usage and exit 0: asking
// for help is not a failure, and nothing listens.
func TestMain_Help(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, arg)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "exit status; stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), "Usage of server:")
			assert.Contains(t, stderr.String(), "-read-timeout")
			assert.NotContains(t, stderr.String(), "help requested", "no error line after the usage")
			assert.Empty(t, stdout.String(), "nothing is announced when nothing listens")
		})
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
