package asyncjob_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// discardWriter is a ResponseWriter that keeps only the status, so the
// benchmarks measure the handlers, not httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) reset() {
	clear(w.h)
	w.code = 0
}

func noopKind([]byte) (asyncjob.Func, error) {
	return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) { return asyncjob.Result{}, nil }, nil
}

// benchManager runs no workers, so jobs stay put and only the HTTP and
// store paths are measured; its store is unbounded, since every job it
// holds stays live.
func benchManager(b *testing.B) *asyncjob.Manager {
	b.Helper()
	m, err := asyncjob.New(asyncjob.Options{Workers: -1, QueueSize: -1, Kinds: map[string]asyncjob.Kind{"noop": noopKind},
		Store: asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: -1})})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return m
}

func BenchmarkSubmit(b *testing.B) {
	body := `{"year":2025}`
	b.Run("baseline", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
		benchSubmit(b, h, body, "")
	})
	b.Run("new", func(b *testing.B) {
		benchSubmit(b, benchManager(b).SubmitHandler("noop", nil), body, "")
	})
	b.Run("new/idempotency-key", func(b *testing.B) {
		benchSubmit(b, benchManager(b).SubmitHandler("noop", nil), body, "unique")
	})
	b.Run("replay", func(b *testing.B) {
		benchSubmit(b, benchManager(b).SubmitHandler("noop", nil), body, `"same"`)
	})
}

func benchSubmit(b *testing.B, h http.Handler, body, key string) {
	w := &discardWriter{h: http.Header{}}
	r := httptest.NewRequest("POST", "/reports", nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := 0; b.Loop(); i++ {
		req := r.Clone(context.Background())
		req.Body = http.NoBody
		req.Body = readCloser{strings.NewReader(body)}
		switch key {
		case "":
		case "unique":
			req.Header.Set("Idempotency-Key", strconv.Itoa(i))
		default:
			req.Header.Set("Idempotency-Key", key)
		}
		w.reset()
		h.ServeHTTP(w, req)
		if w.code != http.StatusAccepted {
			b.Fatalf("status %d", w.code)
		}
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func BenchmarkStatusPoll(b *testing.B) {
	m := benchManager(b)
	j, err := m.Submit(context.Background(), asyncjob.Spec{Kind: "noop"})
	if err != nil {
		b.Fatal(err)
	}
	h := m.JobHandler(nil)
	for _, tc := range []struct {
		name, inm string
		want      int
	}{
		{"200", "", http.StatusOK},
		{"304", `"1"`, http.StatusNotModified},
		{"404", "", http.StatusNotFound},
	} {
		b.Run(tc.name, func(b *testing.B) {
			id := j.ID
			if tc.want == http.StatusNotFound {
				id = asyncjob.NewID()
			}
			r := httptest.NewRequest("GET", "/jobs/"+id, nil)
			if tc.inm != "" {
				r.Header.Set("If-None-Match", tc.inm)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r)
				if w.code != tc.want {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// BenchmarkRetainedJob reports the heap held per retained job in a
// MemStore (a finished job with a small payload, an idempotency key and a
// result URL) as bytes/job. Each iteration retains one more job; the
// figure is the heap growth divided by b.N.
func BenchmarkRetainedJob(b *testing.B) {
	ctx := context.Background()
	s := asyncjob.NewMemStore(asyncjob.MemStoreOptions{MaxJobs: -1}) // every job retained
	payload := []byte(`{"year":2025}`)
	fp := strings.Repeat("f", 64)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := &asyncjob.Job{
			ID: asyncjob.NewID(), Kind: "report", Payload: payload, State: asyncjob.StateAccepted,
			IdempotencyKey: "key-" + strconv.Itoa(i), Fingerprint: fp, Owner: "user-1", CreatedAt: time.Now(),
		}
		if _, err := s.Create(ctx, j, 0); err != nil {
			b.Fatal(err)
		}
		d, err := s.Dequeue(ctx, "w", 0)
		if err != nil {
			b.Fatal(err)
		}
		d.State = asyncjob.StateCompleted
		d.Result = &asyncjob.Result{URL: "/files/" + d.ID}
		d.ExpiresAt = d.CreatedAt.AddDate(1, 0, 0)
		if err := s.Update(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "bytes/job")
	runtime.KeepAlive(s)
}
