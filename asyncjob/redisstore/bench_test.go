package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// roundTrips counts the round trips a client makes (a command or a
// pipeline is one), but not those that set up a new connection of its pool
// (HELLO, CLIENT SETINFO, sent as a pipeline): the traffic of the store's
// operations.
type roundTrips struct{ n atomic.Int64 }

func handshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "client", "auth", "select":
		return true
	}
	return false
}

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if !handshake(c) {
				h.n.Add(1)
				break
			}
		}
		return next(ctx, cmds)
	}
}

// benchStores yields the in-memory store (the baseline) and the Redis store;
// rt is nil for the in-memory one.
func benchStores(b *testing.B, fn func(b *testing.B, s asyncjob.Store, rt *roundTrips)) {
	b.Run("store=mem", func(b *testing.B) {
		// Unbounded: the Manager runs no workers, so every job stays live.
		fn(b, asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: -1}), nil)
	})
	b.Run("store=redis", func(b *testing.B) {
		c := newClient(b)
		rt := &roundTrips{}
		c.AddHook(rt)
		fn(b, newStore(b, c, redisstore.Options{}), rt)
	})
}

func benchManager(b *testing.B, s asyncjob.Store) *asyncjob.Manager {
	noop := func([]byte) (asyncjob.Func, error) {
		return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) { return asyncjob.Result{}, nil }, nil
	}
	m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: -1, QueueSize: -1, Kinds: map[string]asyncjob.Kind{"k": noop}})
	require.NoError(b, err)
	b.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m
}

func report(b *testing.B, rt *roundTrips, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
	if rt != nil {
		b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
	}
}

// BenchmarkSubmit measures Manager.Submit (one store Create per job).
func BenchmarkSubmit(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		spec := asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)}
		ctx := context.Background()
		b.ReportAllocs()
		if rt != nil {
			rt.n.Store(0)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := m.Submit(ctx, spec); err != nil {
				b.Fatal(err)
			}
		}
		report(b, rt, "submissions")
	})
}

// BenchmarkSubmitParallel is BenchmarkSubmit from
// 8×GOMAXPROCS goroutines: the throughput of one instance.
func BenchmarkSubmitParallel(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		spec := asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)}
		b.ReportAllocs()
		b.SetParallelism(8) // a store call mostly waits on the network
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Submit(context.Background(), spec); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, nil, "submissions")
	})
}

// BenchmarkPoll measures a status poll through the HTTP handler (one store
// Get per poll), without a network between client and handler.
func BenchmarkPoll(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		j, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)})
		require.NoError(b, err)
		h := m.StatusHandler()
		req := httptest.NewRequest(http.MethodGet, "/jobs/"+j.ID, nil)
		b.ReportAllocs()
		if rt != nil {
			rt.n.Store(0)
		}
		b.ResetTimer()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
		report(b, rt, "polls")
	})
}

// BenchmarkPollParallel is BenchmarkPoll from 8×GOMAXPROCS goroutines.
func BenchmarkPollParallel(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		j, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)})
		require.NoError(b, err)
		h := m.StatusHandler()
		b.ReportAllocs()
		b.SetParallelism(8) // a store call mostly waits on the network
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			req := httptest.NewRequest(http.MethodGet, "/jobs/"+j.ID, nil)
			for pb.Next() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Error(w.Code)
					return
				}
			}
		})
		report(b, nil, "polls")
	})
}

// BenchmarkStoreJob measures the three store calls of one job as a worker
// makes them, without a Manager: Create, Dequeue (which claims it: the
// queue is drained, as with one producer) and the outcome's Update. Its
// allocations are the Go side's per job of these paths.
func BenchmarkStoreJob(b *testing.B) {
	s := newStore(b, newClient(b), redisstore.Options{Prefix: prefix(b), PollInterval: time.Minute})
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "noop", State: asyncjob.StateAccepted, CreatedAt: now, Payload: []byte(`{"n":1}`)}
		if _, err := s.Create(ctx, j, 0); err != nil {
			b.Fatal(err)
		}
		got, err := s.Dequeue(ctx, "w", time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		got.State, got.FinishedAt, got.Result = asyncjob.StateCompleted, now, &asyncjob.Result{}
		got.ExpiresAt = now.Add(time.Hour)
		if err := s.Update(ctx, got); err != nil {
			b.Fatal(err)
		}
	}
}
