package cache_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/internal/testenv"
)

// nginxBinary finds nginx on PATH or at the Debian location, or skips (fails
// when HTTPSEM_REQUIRE_COMPONENTS=1).
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	testenv.Missing(t, "nginx not found on PATH or at /usr/sbin/nginx; install it (apt-get install -y nginx) to run the caching-proxy test")
	return ""
}

const nginxConf = `daemon off;
master_process on;
worker_processes 1;
%s
pid {{P}}/nginx.pid;
error_log {{P}}/error.log notice;
events { worker_connections 64; }
http {
	log_format cache '$request "$http_accept" $status $upstream_cache_status';
	access_log {{P}}/access.log cache;
	client_body_temp_path {{P}}/client_body;
	proxy_temp_path {{P}}/proxy_temp;
	fastcgi_temp_path {{P}}/fastcgi_temp;
	uwsgi_temp_path {{P}}/uwsgi_temp;
	scgi_temp_path {{P}}/scgi_temp;
	proxy_cache_path {{P}}/cache levels=1:2 keys_zone=httpsem:1m max_size=16m inactive=10m use_temp_path=off;
	server {
		listen 127.0.0.1:%d;
		location / {
			proxy_pass http://%s;
			proxy_http_version 1.1;
			proxy_cache httpsem;
			proxy_cache_revalidate on;
			add_header X-Cache-Status $upstream_cache_status always;
		}
	}
}
`

// startNginx runs nginx as a caching reverse proxy in front of upstream
// (host:port) in its own prefix directory and returns its base URL. nginx is
// stopped by t.Cleanup.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	bin := nginxBinary(t)
	var lastErr error
	// The free port is found by listening and closing, so another process may
	// take it first; a few attempts make that race harmless.
	for range 3 {
		url, err := tryStartNginx(t, bin, upstream)
		if err == nil {
			return url
		}
		lastErr = err
	}
	require.Fail(t, fmt.Sprintf("nginx did not start: %v", lastErr))
	return ""
}

func tryStartNginx(t *testing.T, bin, upstream string) (string, error) {
	prefix := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise drop to nobody and could not write the
		// cache into a root-owned 0700 temp dir.
		user = "user root;"
	}
	conf := strings.ReplaceAll(fmt.Sprintf(nginxConf, user, port, upstream), "{{P}}", prefix)
	confPath := filepath.Join(prefix, "nginx.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o600))

	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "error.log"))
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		// SIGTERM is nginx's fast shutdown; the master stops its workers.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			return "", fmt.Errorf("nginx exited: %v: %s %s", err, stderr.String(), log)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", errors.New("nginx did not accept connections within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			for _, f := range []string{"error.log", "access.log"} {
				b, _ := os.ReadFile(filepath.Join(prefix, f))
				t.Logf("nginx %s:\n%s", f, b)
			}
		}
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port), nil
}

// origin is the application behind nginx: each route counts what reached it.
type origin struct {
	mu          sync.Mutex
	hits        map[string]int // requests per path
	notModified atomic.Int64   // 304s answered on /fresh
	inm         atomic.Value   // last If-None-Match seen on /fresh
}

func (o *origin) count(r *http.Request) {
	o.mu.Lock()
	o.hits[r.URL.Path]++
	o.mu.Unlock()
}

func (o *origin) hitsOf(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

func newOrigin() (*origin, http.Handler) {
	o := &origin{hits: map[string]int{}}
	o.inm.Store("")
	body := func(text string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.count(r)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, text)
		})
	}
	// etag.Middleware tags the body and answers If-None-Match; cache sits
	// outside it, so the policy reaches the 304s etag produces.
	tagged := func(opts cache.Options, h http.Handler) http.Handler {
		return cache.Middleware(opts)(etag.Middleware(etag.Options{})(h))
	}
	mux := http.NewServeMux()
	mux.Handle("/public", tagged(cache.Options{Control: cache.PublicListing()}, body("public listing")))
	mux.Handle("/private", tagged(cache.Options{Control: cache.UserSpecific()}, body("user data")))
	mux.Handle("/nostore", tagged(cache.Options{Control: cache.RealTime()}, body("live price")))
	mux.Handle("/authorized", tagged(cache.Options{Control: cache.PublicListing()}, body("for one user")))
	mux.Handle("/vary", tagged(cache.Options{Control: cache.PublicListing(), Vary: []string{"Accept"}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.count(r)
			if strings.Contains(r.Header.Get("Accept"), "application/json") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"v":1}`)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "v=1")
		})))
	// /fresh validates with conditional.Check and a version tag, the way a
	// handler backed by a store does.
	fresh := conditional.Validators{ETag: etag.FromVersion(7)}
	mux.Handle("/fresh", cache.Middleware(cache.Options{Control: cache.Control{Public: true, MaxAge: cache.Seconds(1)}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.count(r)
			o.inm.Store(r.Header.Get("If-None-Match"))
			if !conditional.Check(w, r, fresh, conditional.Options{}) {
				o.notModified.Add(1)
				return
			}
			w.Header().Set("ETag", fresh.ETag.String())
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "fresh body")
		})))
	return o, mux
}

type proxied struct {
	status      int
	cacheStatus string
	control     string
	body        string
	vary        string
}

func get(t *testing.T, url string, hdr ...string) proxied {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Close = true // no idle connection outlives the test
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return proxied{res.StatusCode, res.Header.Get("X-Cache-Status"), res.Header.Get("Cache-Control"), string(b), res.Header.Get("Vary")}
}

// TestNginx puts nginx in front of an origin that uses etag, conditional and
// cache, and reads what nginx did from $upstream_cache_status. The subtests
// share one nginx and one origin and run in order.
func TestNginx(t *testing.T) {
	t.Parallel()
	o, h := newOrigin()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := startNginx(t, srv.Listener.Addr().String())

	t.Run("public is a HIT on the second request", func(t *testing.T) {
		first := get(t, base+"/public")
		require.Equal(t, http.StatusOK, first.status)
		assert.Equal(t, "MISS", first.cacheStatus)
		assert.Equal(t, "public, max-age=60", first.control)
		second := get(t, base+"/public")
		assert.Equal(t, "HIT", second.cacheStatus)
		assert.Equal(t, "public listing", second.body)
		assert.Equal(t, 1, o.hitsOf("/public"), "the origin saw only the first request")
	})

	for _, path := range []string{"/private", "/nostore"} {
		t.Run(path+" is never a HIT", func(t *testing.T) {
			// RFC 9111 §5.2.2.7, §5.2.2.5: a shared cache stores neither.
			for i := range 3 {
				res := get(t, base+path)
				require.Equal(t, http.StatusOK, res.status)
				assert.NotEqual(t, "HIT", res.cacheStatus, "request %d", i+1)
			}
			assert.Equal(t, 3, o.hitsOf(path))
		})
	}

	t.Run("public policy with Authorization is made private", func(t *testing.T) {
		// nginx itself does not look at Authorization (it would cache a
		// public response to it), so this guard is what keeps one user's
		// response from the next (RFC 9111 §3.5).
		for i := range 3 {
			res := get(t, base+"/authorized", "Authorization", "Bearer alice")
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, "private, max-age=60", res.control)
			assert.NotEqual(t, "HIT", res.cacheStatus, "request %d", i+1)
		}
		assert.Equal(t, 3, o.hitsOf("/authorized"))
	})

	t.Run("expired entry is revalidated with If-None-Match and refreshed by 304", func(t *testing.T) {
		first := get(t, base+"/fresh")
		require.Equal(t, http.StatusOK, first.status)
		assert.Equal(t, "MISS", first.cacheStatus)
		assert.Equal(t, "public, max-age=1", first.control)
		// Poll until the entry is stale (max-age=1; nginx counts whole
		// seconds, so up to two), then the first non-HIT must be a
		// revalidation answered by the origin's 304.
		deadline := time.Now().Add(5 * time.Second)
		res := get(t, base+"/fresh")
		for res.cacheStatus == "HIT" {
			require.True(t, time.Now().Before(deadline), "entry still fresh 5s after max-age=1")
			time.Sleep(50 * time.Millisecond)
			res = get(t, base+"/fresh")
		}
		assert.Equal(t, "REVALIDATED", res.cacheStatus)
		assert.Equal(t, http.StatusOK, res.status, "the client gets the stored 200")
		assert.Equal(t, "fresh body", res.body)
		assert.Equal(t, int64(1), o.notModified.Load(), "origin answered one 304")
		assert.Equal(t, etag.FromVersion(7).String(), o.inm.Load(), "nginx sent the stored ETag in If-None-Match")
		assert.Equal(t, 2, o.hitsOf("/fresh"))
		// The 304 carried max-age=1 (the middleware applies the policy to
		// 304s), so the entry is fresh again.
		again := get(t, base+"/fresh")
		assert.Equal(t, "HIT", again.cacheStatus)
		assert.Equal(t, 2, o.hitsOf("/fresh"))
	})

	t.Run("Vary: Accept is stored per variant", func(t *testing.T) {
		jsonRes := get(t, base+"/vary", "Accept", "application/json")
		assert.Equal(t, "MISS", jsonRes.cacheStatus)
		assert.Equal(t, `{"v":1}`, jsonRes.body)
		assert.Equal(t, "Accept", jsonRes.vary)
		textRes := get(t, base+"/vary", "Accept", "text/plain")
		assert.Equal(t, "MISS", textRes.cacheStatus, "another Accept is another variant")
		assert.Equal(t, "v=1", textRes.body)
		jsonAgain := get(t, base+"/vary", "Accept", "application/json")
		textAgain := get(t, base+"/vary", "Accept", "text/plain")
		assert.Equal(t, "HIT", jsonAgain.cacheStatus)
		assert.Equal(t, `{"v":1}`, jsonAgain.body)
		assert.Equal(t, "HIT", textAgain.cacheStatus)
		assert.Equal(t, "v=1", textAgain.body)
		assert.Equal(t, 2, o.hitsOf("/vary"), "one origin request per variant")
	})
}
