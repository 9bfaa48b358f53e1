package asyncjob_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// Two Managers on one MemStore behave like two instances of a service on a
// shared store: the contracts the Redis store must also meet.

func TestTwoInstances(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	a := newLab(t, asyncjob.Options{Store: store, Workers: -1}) // accepts, never runs
	b := newLab(t, asyncjob.Options{Store: store, Workers: 2})
	s := b.script("x")
	s.result = asyncjob.Result{URL: "/files/x"}

	doc := a.submit("x", nil)
	<-s.started // B runs what A accepted
	// A's stream sees the progress reported on B.
	st := a.stream(doc.JobID, nil)
	for {
		ev, ok := st.next()
		require.True(t, ok)
		if parseDoc(t, ev.data).Progress == 50 {
			break
		}
	}
	close(s.release)
	ev, ok := st.next()
	for ok && ev.event != "completed" {
		ev, ok = st.next()
	}
	require.True(t, ok)
	resp, _ := a.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// A cancel on A reaches the job running on B.
	s2 := b.script("y")
	doc2 := a.submit("y", nil)
	<-s2.started
	resp, _ = a.do("DELETE", "/jobs/"+doc2.JobID, nil, "")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	select {
	case err := <-s2.ctxErr:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		require.Fail(t, "cancel did not reach the other instance")
	}
	resp, body := b.do("GET", "/jobs/"+doc2.JobID, nil, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "canceled", parseDoc(t, body).Status)
}

func TestTakeoverAfterShutdown(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	a := newLab(t, asyncjob.Options{Store: store, Workers: 1})
	s := a.script("t")
	doc := a.submit("t", nil)
	<-s.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, a.m.Shutdown(ctx))

	// B starts later and takes the released job over: a second attempt,
	// one terminal record.
	b := newLab(t, asyncjob.Options{Store: store, Workers: 1})
	bs := b.script("t")
	bs.result = asyncjob.Result{URL: "/files/t"}
	close(bs.release)
	_, d := b.waitState(doc.JobID, nil, "completed")
	assert.Equal(t, 2, d.Attempt)
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	// A job already started MaxAttempts times (its workers died) fails
	// instead of crashing more instances.
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "ctl", Payload: []byte(`{"name":"p"}`), State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	ctx := context.Background()
	_, err := store.Create(ctx, j, 0)
	require.NoError(t, err)
	for range 2 {
		_, err := store.Dequeue(ctx, "dead", 0)
		require.NoError(t, err)
	}
	l := newLab(t, asyncjob.Options{Store: store, MaxAttempts: 2})
	_, d := l.waitState(j.ID, nil, "failed")
	require.NotNil(t, d.Error)
	assert.Equal(t, asyncjob.CodeAttempts, d.Error.Code)
	assert.Equal(t, 3, d.Attempt)
}

func TestLeaseRenewedWhileRunning(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	l := newLab(t, asyncjob.Options{Store: store, Lease: 30 * time.Millisecond})
	s := l.script("long")
	doc := l.submit("long", nil)
	<-s.started
	ctx := context.Background()
	j, err := store.Get(ctx, doc.JobID)
	require.NoError(t, err)
	first := j.LeaseUntil
	// The companion renews at a third of the lease, so the lease keeps
	// moving and no takeover happens.
	require.Eventually(t, func() bool {
		j, err := store.Get(ctx, doc.JobID)
		return err == nil && j.LeaseUntil.After(first.Add(60*time.Millisecond))
	}, 5*time.Second, time.Millisecond)
	j, err = store.Get(ctx, doc.JobID)
	require.NoError(t, err)
	assert.Equal(t, 1, j.Attempt)
	close(s.release)
	l.waitState(doc.JobID, nil, "completed")
}

func TestLeaseLostStopsWorker(t *testing.T) {
	t.Parallel()
	store := asyncjob.NewMemStore(asyncjob.MemStoreOptions{})
	// One worker, busy with this job, so only the intruder can take it.
	l := newLab(t, asyncjob.Options{Store: store, Workers: 1})
	s := l.script("lost")
	doc := l.submit("lost", nil)
	<-s.started
	ctx := context.Background()
	j, err := store.Get(ctx, doc.JobID)
	require.NoError(t, err)
	// Another instance takes the job over (as after an expired lease).
	require.NoError(t, store.Release(ctx, j.ID, j.LeaseOwner))
	taken, err := store.Dequeue(ctx, "intruder", time.Hour)
	require.NoError(t, err)
	require.Equal(t, j.ID, taken.ID)
	select {
	case err := <-s.ctxErr:
		assert.ErrorIs(t, err, asyncjob.ErrLeaseLost)
	case <-time.After(5 * time.Second):
		require.Fail(t, "the old worker kept running")
	}
	// The old worker wrote nothing; the new owner records the outcome.
	taken.State = asyncjob.StateCompleted
	taken.Result = &asyncjob.Result{URL: "/files/intruder"}
	require.NoError(t, store.Update(ctx, taken))
	resp, _ := l.do("GET", "/jobs/"+doc.JobID, nil, "")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/files/intruder", resp.Header.Get("Location"))
}
