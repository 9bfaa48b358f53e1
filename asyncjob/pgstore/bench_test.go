package pgstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// roundTrips counts the statements a pool runs: with pgx's statement
// cache each is one network round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// benchStores yields the in-memory store (the baseline) and the PostgreSQL
// store; rt is nil for the in-memory one. With PGSTORE_BENCH_ASYNC_COMMIT=1
// the database commits asynchronously, which separates the store's cost
// from the disk's fsync rate.
func benchStores(b *testing.B, fn func(b *testing.B, s asyncjob.Store, rt *roundTrips)) {
	b.Run("store=mem", func(b *testing.B) {
		// Unbounded: the submitted jobs stay live, and the default
		// MaxJobs would refuse them past 10,000.
		fn(b, asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: -1}), nil)
	})
	b.Run("store=postgres", func(b *testing.B) {
		u := newDatabase(b)
		if os.Getenv("PGSTORE_BENCH_ASYNC_COMMIT") == "1" {
			asyncCommit(b, u)
		}
		cfg, err := pgxpool.ParseConfig(u)
		require.NoError(b, err)
		rt := &roundTrips{}
		cfg.ConnConfig.Tracer = rt
		p, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(b, err)
		b.Cleanup(p.Close)
		fn(b, newStore(b, p, pgstore.Options{}), rt)
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

// BenchmarkSubmitParallel is BenchmarkSubmit from 8×GOMAXPROCS goroutines:
// the throughput of one instance (commits share WAL flushes).
func BenchmarkSubmitParallel(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		spec := asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)}
		b.ReportAllocs()
		b.SetParallelism(8)
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

// BenchmarkDequeueComplete measures a worker's store traffic for one job:
// Dequeue claims it, Update records it completed (the Manager adds lease
// renewals only for jobs that run longer than a third of the lease). The
// jobs are submitted before the timer starts.
func BenchmarkDequeueComplete(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		ctx := context.Background()
		for range b.N {
			_, err := s.Create(ctx, &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}, 0)
			require.NoError(b, err)
		}
		b.ReportAllocs()
		if rt != nil {
			rt.n.Store(0)
		}
		b.ResetTimer()
		for range b.N {
			j, err := s.Dequeue(ctx, "w", time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			j.State = asyncjob.StateCompleted
			j.FinishedAt = time.Now()
			j.ExpiresAt = j.FinishedAt.Add(time.Hour)
			j.Result = &asyncjob.Result{URL: "/r"}
			if err := s.Update(ctx, j); err != nil {
				b.Fatal(err)
			}
		}
		report(b, rt, "jobs")
	})
}

// BenchmarkSubmitBatch measures Manager.SubmitBatch of 100 jobs (one store
// CreateBatch, so one INSERT and one commit per batch); an op is a batch,
// and submissions/s and roundtrips/job count its jobs.
func BenchmarkSubmitBatch(b *testing.B) {
	benchStores(b, func(b *testing.B, s asyncjob.Store, rt *roundTrips) {
		m := benchManager(b, s)
		specs := make([]asyncjob.Spec, 100)
		for i := range specs {
			specs[i] = asyncjob.Spec{Kind: "k", Payload: []byte(`{"n":1}`)}
		}
		ctx := context.Background()
		b.ReportAllocs()
		if rt != nil {
			rt.n.Store(0)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := m.SubmitBatch(ctx, specs); err != nil {
				b.Fatal(err)
			}
		}
		jobs := float64(b.N * len(specs))
		b.ReportMetric(jobs/b.Elapsed().Seconds(), "submissions/s")
		if rt != nil {
			b.ReportMetric(float64(rt.n.Load())/jobs, "roundtrips/job")
		}
	})
}
