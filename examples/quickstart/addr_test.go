package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func buildQuickstart(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	bin := filepath.Join(t.TempDir(), "quickstart")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestAddr: -addr moves the program off 127.0.0.1:8080, so that it runs
// beside examples/server; a bad address is a clear failure.
func TestAddr(t *testing.T) {
	t.Parallel()
	bin := buildQuickstart(t)

	t.Run("serves on -addr", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-addr", addr)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})

		client := &http.Client{Timeout: 5 * time.Second}
		defer client.CloseIdleConnections()
		var res *http.Response
		// Poll until it listens (bounded), failing early if it exited.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var err error
			if res, err = client.Get("http://" + addr + "/"); err == nil {
				break
			}
			select {
			case err := <-exited:
				exited <- err
				require.Fail(t, fmt.Sprintf("quickstart exited: %v: %s", err, stderr.String()))
			case <-time.After(20 * time.Millisecond):
			}
			require.True(t, time.Now().Before(deadline), "quickstart does not listen on %s: %v", addr, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, 200, res.StatusCode)
		assert.JSONEq(t, `[{"id":1,"title":"GopherCon"}]`, string(body))
		assert.Equal(t, "public, max-age=60", res.Header.Get("Cache-Control"))
		tag := res.Header.Get("ETag")
		require.NotEmpty(t, tag)

		// RFC 9110 §13.1.2: the tag revalidates.
		req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
		require.NoError(t, err)
		req.Header.Set("If-None-Match", tag)
		res, err = client.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, 304, res.StatusCode)
	})

	t.Run("bad -addr", func(t *testing.T) {
		t.Parallel()
		cmd := exec.Command(bin, "-addr", "256.0.0.1:1")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.NotEqual(t, 0, ee.ExitCode())
		assert.Contains(t, string(out), "listen")
	})
}
