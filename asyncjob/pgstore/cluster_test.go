package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
)

// Two service instances on one database: A runs the job, B serves every
// request about it (poll, SSE, cancel).
func TestTwoManagers(t *testing.T) {
	t.Parallel()
	u, k := newDatabase(t), newCtl()
	a := newInstance(t, newPool(t, u), "", k, asyncjob.Options{Workers: 2})
	b := newInstance(t, newPool(t, u), "", k, asyncjob.Options{Workers: -1}) // serves, never runs
	g := k.gate("x")

	doc := a.submit("x", nil)
	<-g.started
	// B polls and sees the progress reported on A.
	require.Eventually(t, func() bool {
		r := b.do("GET", "/jobs/"+doc.JobID, nil, "")
		return r.status == http.StatusOK && parseDoc(t, r.body).Progress == 50
	}, 5*time.Second, 10*time.Millisecond)
	// B's event stream follows the job to its end on A.
	st := b.stream(doc.JobID)
	ev, ok := st.next()
	require.True(t, ok)
	assert.Equal(t, "processing", ev.name)
	g.once.Do(func() { close(g.open) })
	for ok && ev.name != "completed" {
		ev, ok = st.next()
	}
	require.True(t, ok, "the terminal event")
	assert.Equal(t, "/files/x", parseDoc(t, ev.data).ResultURL)
	_, ok = st.next()
	assert.False(t, ok, "the stream ends after the terminal event")
	r := b.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "/files/x", r.header.Get("Location"))

	// A DELETE on B reaches the job running on A.
	g2 := k.gate("y")
	doc2 := a.submit("y", nil)
	<-g2.started
	r = b.do("DELETE", "/jobs/"+doc2.JobID, nil, "")
	assert.Equal(t, http.StatusAccepted, r.status)
	select {
	case err := <-g2.ctxErr:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		require.Fail(t, "the cancel did not reach the instance running the job")
	}
	r = a.do("GET", "/jobs/"+doc2.JobID, nil, "")
	assert.Equal(t, "canceled", parseDoc(t, r.body).Status)
	assert.Equal(t, 0, k.completions("y"))
}

// Retries racing on two instances with one Idempotency-Key make one job.
func TestIdempotencyRaceAcrossInstances(t *testing.T) {
	t.Parallel()
	u, k := newDatabase(t), newCtl()
	ins := []*instance{
		newInstance(t, newPool(t, u), "", k, asyncjob.Options{Workers: 1}),
		newInstance(t, newPool(t, u), "", k, asyncjob.Options{Workers: 1}),
	}
	const n = 50
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := ins[i%2].do("POST", "/jobs", map[string]string{"Idempotency-Key": `"race-1"`}, `{"name":"once"}`)
			codes[i] = r.status
			if r.status == http.StatusAccepted {
				// Not parseDoc: its require must not run off the test's goroutine.
				var d statusDoc
				if assert.NoError(t, json.Unmarshal([]byte(r.body), &d), r.body) {
					ids[i] = d.JobID
				}
			}
		})
	}
	wg.Wait()
	distinct := map[string]bool{}
	for i := range n {
		require.Equal(t, http.StatusAccepted, codes[i])
		distinct[ids[i]] = true
	}
	assert.Len(t, distinct, 1, "one job for one key")
	var rows int
	require.NoError(t, ins[0].store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM asyncjob.jobs`).Scan(&rows))
	assert.Equal(t, 1, rows, "one row in the table")
	// The same key with another request is refused on either instance.
	r := ins[1].do("POST", "/jobs", map[string]string{"Idempotency-Key": `"race-1"`}, `{"name":"other"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
}

// A worker's instance dies mid-job (its pool is gone and it is never shut
// down while the test looks); the other instance takes the job over once
// the lease has ended and records the one terminal state.
func TestWorkerKilled(t *testing.T) {
	t.Parallel()
	u, k := newDatabase(t), newCtl()
	const lease = 300 * time.Millisecond
	opts := asyncjob.Options{Workers: 1, Lease: lease, StoreTimeout: time.Second}
	deadPool := newPool(t, u)
	dead := newInstance(t, deadPool, "", k, opts)
	g := k.gate("crash")
	doc := dead.submit("crash", nil)
	<-g.started
	// The crash: the instance loses the database for good while its job
	// function is still running; it renews nothing and records nothing.
	deadPool.Close()

	pool := newPool(t, u)
	before, err := newStore(t, pool, pgstore.Options{}).Get(context.Background(), doc.JobID)
	require.NoError(t, err)
	require.Equal(t, asyncjob.StateProcessing, before.State)
	require.Equal(t, 1, before.Attempt)
	b := newInstance(t, pool, "", k, opts)
	// The lease ends and B takes the job over: a second attempt.
	var rec *asyncjob.Job
	require.Eventually(t, func() bool {
		j, err := b.store.Get(context.Background(), doc.JobID)
		if err != nil {
			return false
		}
		rec = j
		return j.Attempt == 2
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, asyncjob.StateProcessing, rec.State)
	assert.NotEqual(t, before.LeaseOwner, rec.LeaseOwner)
	assert.False(t, rec.LeaseUntil.Before(before.LeaseUntil), "taken over only after the lease ended")
	g.once.Do(func() { close(g.open) })
	require.Eventually(t, func() bool {
		j, err := b.store.Get(context.Background(), doc.JobID)
		if err != nil {
			return false
		}
		rec = j
		return j.State.Terminal()
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, asyncjob.StateCompleted, rec.State)
	assert.Equal(t, 2, rec.Attempt)
	// The dead instance's run ended too (the gate is open) but could not
	// write: the record B wrote stays the only terminal one.
	require.Eventually(t, func() bool { return k.completions("crash") == 2 }, 5*time.Second, 10*time.Millisecond)
	final, err := b.store.Get(context.Background(), doc.JobID)
	require.NoError(t, err)
	assert.Equal(t, rec.Version, final.Version)
}

// A private PostgreSQL is killed mid-run (immediate shutdown, as a crash)
// and restarted: requests answer 503 with Retry-After meanwhile,
// everything recovers by itself, and every job accepted before or after
// completes (a 202 is sent only after the commit, which is durable).
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	u := srv.createDatabase("jobs")
	k := newCtl()
	opts := asyncjob.Options{Workers: 2, Lease: 500 * time.Millisecond, MaxAttempts: 1000, StoreTimeout: time.Second, BusyRetryAfter: 2 * time.Second}
	a := newInstance(t, newPool(t, u), "", k, opts)
	b := newInstance(t, newPool(t, u), "", k, opts)

	var accepted []string
	g := k.gate("held") // one job is running across the outage
	held := a.submit("held", nil)
	<-g.started
	accepted = append(accepted, held.JobID)
	for i := range 20 {
		accepted = append(accepted, []*instance{a, b}[i%2].submit("before-"+strconv.Itoa(i), nil).JobID)
	}

	srv.kill()
	r := a.do("POST", "/jobs", nil, `{"name":"refused"}`)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	assert.Contains(t, r.body, `"error"`)
	r = b.do("GET", "/jobs/"+held.JobID, nil, "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	g.once.Do(func() { close(g.open) }) // its outcome cannot be written now

	srv.start()
	for _, in := range []*instance{a, b} {
		require.Eventually(t, func() bool {
			r := in.do("POST", "/jobs", nil, `{"name":"probe"}`)
			if r.status != http.StatusAccepted {
				return false
			}
			accepted = append(accepted, parseDoc(t, r.body).JobID)
			r = in.do("GET", "/jobs/"+held.JobID, nil, "")
			return r.status == http.StatusOK || r.status == http.StatusSeeOther
		}, 15*time.Second, 20*time.Millisecond, "requests recover")
	}
	for i := range 20 {
		accepted = append(accepted, []*instance{a, b}[i%2].submit("after-"+strconv.Itoa(i), nil).JobID)
	}
	for _, id := range accepted {
		require.Eventually(t, func() bool {
			j, err := a.store.Get(context.Background(), id)
			return err == nil && j.State == asyncjob.StateCompleted
		}, 15*time.Second, 10*time.Millisecond, "job %s", id)
	}
}

// 10 000 jobs submitted through two instances: none lost, none completed
// twice.
func TestTenThousandJobs(t *testing.T) {
	t.Parallel()
	n := 10000
	if testing.Short() {
		n = 1000
	}
	u, k := newDatabase(t), newCtl()
	// This test is about concurrency (no job lost or run twice among 16
	// workers on two instances), not about crashes: asynchronous commit
	// keeps every guarantee it checks and frees it from this machine's
	// fsync rate (about 600 commits/s). TestPostgresRestart checks
	// durability with synchronous commit.
	asyncCommit(t, u)
	k.want = n
	opts := asyncjob.Options{Workers: 8, QueueSize: -1}
	ins := []*instance{newInstance(t, newPool(t, u), "", k, opts), newInstance(t, newPool(t, u), "", k, opts)}
	ids := make([]string, n)
	start := time.Now()
	var wg sync.WaitGroup
	const submitters = 16
	for s := range submitters {
		wg.Go(func() {
			for i := s; i < n; i += submitters {
				j, err := ins[i%2].m.Submit(context.Background(), asyncjob.Spec{Kind: "ctl", Payload: fmt.Appendf(nil, `{"name":"j%d"}`, i)})
				if !assert.NoError(t, err) {
					return
				}
				ids[i] = j.ID
			}
		})
	}
	wg.Wait()
	submitted := time.Since(start)
	select {
	case <-k.all:
	case <-time.After(2 * time.Minute):
		require.Fail(t, fmt.Sprintf("only %d of %d jobs completed", k.total, n))
	}
	ran := time.Since(start)
	// Every job has exactly one run and a completed record.
	for i := range n {
		require.Equal(t, 1, k.completions("j"+strconv.Itoa(i)), "job %d", i)
	}
	// The final writes may trail the job functions' returns.
	require.Eventually(t, func() bool {
		var done int
		err := ins[0].store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM asyncjob.jobs WHERE state = 'completed' AND attempt = 1`).Scan(&done)
		return err == nil && done == n
	}, 30*time.Second, 50*time.Millisecond)
	t.Logf("%d jobs: submitted in %v, run in %v (%.0f jobs/s end to end)", n, submitted, ran, float64(n)/ran.Seconds())
}
