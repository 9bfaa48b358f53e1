package redisstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/asyncjob/webhook"
)

// The environment of an instance process started by
// TestDeliveriesSurviveKill (see TestMain).
const (
	envChild    = "REDISSTORE_TEST_INSTANCE"
	envNetwork  = "REDISSTORE_TEST_NETWORK"
	envAddr     = "REDISSTORE_TEST_ADDR"
	envDB       = "REDISSTORE_TEST_DB"
	envPrefix   = "REDISSTORE_TEST_PREFIX"
	envSecret   = "REDISSTORE_TEST_SECRET"
	envReceiver = "REDISSTORE_TEST_RECEIVER"
	ownedJobs   = 10
)

func quickKind([]byte) (asyncjob.Func, error) {
	return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
		return asyncjob.Result{URL: "/files/quick"}, nil
	}, nil
}

// runInstance is the service process that TestDeliveriesSurviveKill kills:
// a Manager on the shared Redis prefix that submits ownedJobs jobs with a
// callback, prints "ready" and retries their webhooks until it is killed.
func runInstance() error {
	db, _ := strconv.Atoi(os.Getenv(envDB))
	c := redis.NewClient(&redis.Options{Network: os.Getenv(envNetwork), Addr: os.Getenv(envAddr), DB: db})
	store, err := redisstore.New(c, redisstore.Options{Prefix: os.Getenv(envPrefix), PollInterval: 20 * time.Millisecond})
	if err != nil {
		return err
	}
	secret, err := webhook.ParseSecret(os.Getenv(envSecret))
	if err != nil {
		return err
	}
	sender, err := webhook.NewSender(webhook.Options{Secret: secret, AllowLoopback: true})
	if err != nil {
		return err
	}
	m, err := asyncjob.New(asyncjob.Options{
		Store: store, Kinds: map[string]asyncjob.Kind{"quick": quickKind}, Notifier: sender,
		Retention: 5 * time.Minute, DeliveryAttempts: 1000,
		DeliveryBackoff: 20 * time.Millisecond, DeliveryMaxBackoff: 50 * time.Millisecond,
		// A short lease, so that the delivery this process dies in the
		// middle of is resumed quickly.
		DeliveryLease: time.Second, DeliveryPollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	for range ownedJobs {
		if _, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "quick", CallbackURL: os.Getenv(envReceiver)}); err != nil {
			return err
		}
	}
	fmt.Println("ready")
	select {} // until kill -9
}

// hookReceiver verifies every webhook and answers 503 until it recovers,
// then 204, counting attempts per webhook-id.
type hookReceiver struct {
	srv       *httptest.Server
	secret    []byte
	healthy   atomic.Bool
	mu        sync.Mutex
	failed    map[string]int
	delivered map[string]int
	bad       int
}

func newHookReceiver(t *testing.T, secret []byte) *hookReceiver {
	h := &hookReceiver{secret: secret, failed: map[string]int{}, delivered: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		h.mu.Lock()
		defer h.mu.Unlock()
		if webhook.Verify(h.secret, r.Header, body, webhook.VerifyOptions{}) != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !h.healthy.Load() {
			h.failed[id]++
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.delivered[id]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) counts() (failed, delivered map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	failed, delivered = map[string]int{}, map[string]int{}
	for k, v := range h.failed {
		failed[k] = v
	}
	for k, v := range h.delivered {
		delivered[k] = v
	}
	return failed, delivered
}

// deleteKeys removes what a test left under prefix p.
func deleteKeys(t *testing.T, c redis.UniversalClient, p string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "{"+p+"}:*", 500).Iterator()
	for iter.Next(ctx) {
		assert.NoError(t, c.Del(ctx, iter.Val()).Err())
	}
	assert.NoError(t, iter.Err())
}

// TestDeliveriesSurviveKill: an instance (a process of its own) owes 10
// webhooks to a receiver answering 503 and is killed with SIGKILL; once
// the receiver recovers, another instance delivers all 10, with the
// webhook-ids the receiver saw before, so it can deduplicate.
func TestDeliveriesSurviveKill(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	rc, ok := c.(*redis.Client)
	require.True(t, ok, "a single-node client")
	p := prefix(t)
	t.Cleanup(func() { deleteKeys(t, c, p) })
	secret := webhook.NewSecret()
	recv := newHookReceiver(t, secret)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1",
		envNetwork+"="+rc.Options().Network, envAddr+"="+rc.Options().Addr, envDB+"="+strconv.Itoa(rc.Options().DB),
		envPrefix+"="+p, envSecret+"="+webhook.FormatSecret(secret), envReceiver+"="+recv.srv.URL+"/hook")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	// Every webhook has been tried (and refused) at least twice.
	require.Eventually(t, func() bool {
		failed, _ := recv.counts()
		if len(failed) != ownedJobs {
			return false
		}
		for _, n := range failed {
			if n < 2 {
				return false
			}
		}
		return true
	}, 15*time.Second, 5*time.Millisecond)
	require.NoError(t, cmd.Process.Kill()) // kill -9: no shutdown, no hand-back
	_ = cmd.Wait()
	killed = true
	recv.healthy.Store(true)
	owed, _ := recv.counts()

	// Another instance, which never saw these jobs, delivers them.
	sender, err := webhook.NewSender(webhook.Options{Secret: secret, AllowLoopback: true})
	require.NoError(t, err)
	t.Cleanup(sender.Close)
	store := newStore(t, c, redisstore.Options{Prefix: p})
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: -1, Notifier: sender, DeliveryPollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Shutdown(context.Background())) })
	// The record, not the receiver, says when all are done: a request the
	// dead instance had sent may still reach the receiver after it
	// recovered, and be counted there before the survivor's own attempt.
	require.Eventually(t, func() bool {
		for id := range owed {
			j, err := store.Get(context.Background(), id)
			if err != nil || j.Delivery == nil || j.Delivery.State != asyncjob.DeliveryDelivered {
				return false
			}
		}
		return true
	}, 15*time.Second, 5*time.Millisecond, "the survivor delivers every webhook the dead instance owed")

	failed, delivered := recv.counts()
	for id := range owed {
		assert.Contains(t, delivered, id, "the same webhook-id across instances")
		j, err := store.Get(context.Background(), id)
		require.NoError(t, err)
		require.NotNil(t, j.Delivery)
		assert.Equal(t, asyncjob.DeliveryDelivered, j.Delivery.State)
		assert.Equal(t, id, j.Delivery.ID)
		assert.Equal(t, http.StatusNoContent, j.Delivery.StatusCode)
		assert.GreaterOrEqual(t, j.Delivery.Attempts, failed[id], "the attempts of both instances count")
	}
	recv.mu.Lock()
	assert.Zero(t, recv.bad, "every attempt was signed")
	recv.mu.Unlock()
}

// TestDeliveryConnectionsBounded: 1,000 webhooks to a receiver that never
// answers hold at most Options.DeliveryWorkers connections (and no
// goroutine per waiting delivery); Shutdown hands the attempts in flight
// back, and no delivery is lost.
func TestDeliveryConnectionsBounded(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name string
		new  func(t *testing.T) asyncjob.Store
	}{
		{"memory", func(*testing.T) asyncjob.Store { return asyncjob.NewMemStore(asyncjob.MemStoreOptions{}) }},
		{"redis", func(t *testing.T) asyncjob.Store {
			c := newClient(t)
			p := prefix(t)
			t.Cleanup(func() { deleteKeys(t, c, p) })
			return newStore(t, c, redisstore.Options{Prefix: p})
		}},
	}
	for _, tc := range stores {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n = 1000
			var open, peak atomic.Int32
			release := make(chan struct{})
			recv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select { // never answers while the test runs
				case <-release:
				case <-r.Context().Done():
				}
			}))
			recv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				switch s {
				case http.StateNew:
					now := open.Add(1)
					for {
						p := peak.Load()
						if now <= p || peak.CompareAndSwap(p, now) {
							break
						}
					}
				case http.StateClosed, http.StateHijacked:
					open.Add(-1)
				}
			}
			recv.Start()
			t.Cleanup(recv.Close)
			t.Cleanup(func() { close(release) })

			sender, err := webhook.NewSender(webhook.Options{Secret: webhook.NewSecret(), AllowLoopback: true, Timeout: time.Minute})
			require.NoError(t, err)
			t.Cleanup(sender.Close)
			var ran atomic.Int32
			kind := func([]byte) (asyncjob.Func, error) {
				return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
					ran.Add(1)
					return asyncjob.Result{URL: "/r"}, nil
				}, nil
			}
			store := tc.new(t)
			g0 := runtime.NumGoroutine()
			m, err := asyncjob.New(asyncjob.Options{Store: store, Kinds: map[string]asyncjob.Kind{"k": kind},
				Notifier: sender, QueueSize: -1, Retention: 5 * time.Minute})
			require.NoError(t, err)
			ids := make([]string, n)
			var wg sync.WaitGroup
			const submitters = 8
			for w := range submitters {
				wg.Go(func() {
					for i := w; i < n; i += submitters {
						j, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "k", CallbackURL: recv.URL + "/hook"})
						if !assert.NoError(t, err) {
							return
						}
						ids[i] = j.ID
					}
				})
			}
			wg.Wait()
			require.Eventually(t, func() bool { return ran.Load() == n }, 15*time.Second, time.Millisecond)
			require.Eventually(t, func() bool { return open.Load() == asyncjob.DefaultDeliveryWorkers }, 10*time.Second, time.Millisecond)
			goroutines := runtime.NumGoroutine() - g0
			t.Logf("%d deliveries owed: %d connections open (peak %d), %d goroutines more than before the Manager",
				n, open.Load(), peak.Load(), goroutines)
			assert.LessOrEqual(t, peak.Load(), int32(asyncjob.DefaultDeliveryWorkers), "at most DeliveryWorkers connections")
			// Workers, the dispatcher, one goroutine per attempt in flight and
			// the HTTP client's and server's per-connection ones: about 80,
			// not one per waiting delivery. The bound is loose because the
			// package's other parallel tests start goroutines too.
			assert.Less(t, goroutines, n/2)

			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			require.NoError(t, m.Shutdown(ctx))
			pending, handedBack := 0, 0
			for _, id := range ids {
				j, err := store.Get(context.Background(), id)
				require.NoError(t, err)
				require.NotNil(t, j.Delivery)
				if j.Delivery.State == asyncjob.DeliveryPending {
					pending++
				}
				if j.Delivery.Attempts == 0 && j.Delivery.LeaseOwner == "" {
					handedBack++
				}
			}
			assert.Equal(t, n, pending, "no delivery is lost or counted as failed at shutdown")
			assert.Equal(t, n, handedBack, "interrupted attempts are handed back uncounted")
		})
	}
}
