package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// batchTests check the asyncjob.BatchCreator contract; they skip stores
// that do not implement it.
var batchTests = []struct {
	name string
	fn   func(t *testing.T, s asyncjob.BatchCreator)
}{
	{"BatchCreate", testBatchCreate},
	{"BatchOrder", testBatchOrder},
	{"BatchDuplicateLive", testBatchDuplicateLive},
	{"BatchDuplicateInside", testBatchDuplicateInside},
	{"BatchExpiredHolder", testBatchExpiredHolder},
	{"BatchQueueFull", testBatchQueueFull},
	{"BatchExistingID", testBatchExistingID},
	{"BatchRaceOneHolder", testBatchRace},
}

func newBatch(keys ...string) []*asyncjob.Job {
	jobs := make([]*asyncjob.Job, len(keys))
	for i, k := range keys {
		jobs[i] = newJob(k, "alice")
	}
	return jobs
}

// assertNoneStored checks that no job of a refused batch exists.
func assertNoneStored(t *testing.T, s asyncjob.BatchCreator, jobs []*asyncjob.Job) {
	t.Helper()
	for i, j := range jobs {
		_, err := s.(asyncjob.Store).Get(ctxT(t), j.ID)
		assert.ErrorIs(t, err, asyncjob.ErrNotFound, "job %d of a refused batch is stored", i)
	}
}

// assertQueueEmpty checks that nothing more can be dequeued.
func assertQueueEmpty(t *testing.T, s asyncjob.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctxT(t), 50*time.Millisecond)
	defer cancel()
	j, err := s.Dequeue(ctx, "w", time.Minute)
	if !assert.ErrorIs(t, err, context.DeadlineExceeded, "the queue is empty") {
		t.Logf("dequeued job %s", j.ID)
	}
}

func testBatchCreate(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	empty, err := s.CreateBatch(ctx, nil, 0)
	require.NoError(t, err)
	assert.Empty(t, empty, "an empty batch is no error")

	in := newBatch("b1", "", "b3")
	in[1].Owner = "bob"
	got, err := s.CreateBatch(ctx, in, 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, j := range got {
		assert.Equal(t, in[i].ID, j.ID, "the stored copies come in batch order")
		assert.Equal(t, uint64(1), j.Version)
		assert.Equal(t, uint64(1), in[i].Version, "CreateBatch sets the caller's Version")
		assert.Empty(t, j.LeaseOwner)
		stored, err := st.Get(ctx, in[i].ID)
		require.NoError(t, err)
		assert.Equal(t, uint64(1), stored.Version)
		assert.Equal(t, asyncjob.StateAccepted, stored.State)
		assert.Equal(t, in[i].Owner, stored.Owner)
		assert.Equal(t, in[i].IdempotencyKey, stored.IdempotencyKey)
		assert.Equal(t, in[i].Fingerprint, stored.Fingerprint)
		assert.Equal(t, []byte(`{"n":1}`), stored.Payload)
		assert.True(t, in[i].CreatedAt.Equal(stored.CreatedAt))
		assert.Equal(t, time.Minute, stored.Timeout)
	}
	// The batch's keys are claimed like Create's.
	held, err := st.Create(ctx, newJob("b3", "alice"), 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	assert.Equal(t, in[2].ID, held.ID)

	// A blocked Dequeue wakes for a batch.
	got2 := make(chan *asyncjob.Job, 1)
	for range 3 {
		dequeue(t, st, "w", time.Minute)
	}
	wctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	go func() {
		j, err := st.Dequeue(wctx, "w", time.Minute)
		if err != nil {
			j = nil
		}
		got2 <- j
	}()
	late := newBatch("", "")
	_, err = s.CreateBatch(ctx, late, 0)
	require.NoError(t, err)
	r := <-got2
	require.NotNil(t, r, "a blocked Dequeue wakes for a batch")
	assert.Equal(t, late[0].ID, r.ID)
}

func testBatchOrder(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	before := create(t, st, newJob("", ""))
	batch := newBatch("", "", "", "", "")
	_, err := s.CreateBatch(ctx, batch, 0)
	require.NoError(t, err)
	after := create(t, st, newJob("", ""))
	want := []string{before.ID}
	for _, j := range batch {
		want = append(want, j.ID)
	}
	want = append(want, after.ID)
	for i, id := range want {
		j := dequeue(t, st, "w", time.Minute)
		assert.Equal(t, id, j.ID, "dequeue %d: batch order, after the jobs queued before it", i)
		assert.Equal(t, uint64(2), j.Version)
	}
}

func testBatchDuplicateLive(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	holder := create(t, st, newJob("k", "alice"))
	require.Equal(t, holder.ID, dequeue(t, st, "w", time.Minute).ID)

	batch := newBatch("", "other", "k", "")
	_, err := s.CreateBatch(ctx, batch, 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	var dup *asyncjob.DuplicateError
	require.ErrorAs(t, err, &dup)
	assert.Equal(t, 2, dup.Index, "the spec whose key is held")
	require.NotNil(t, dup.Job, "the holder")
	assert.Equal(t, holder.ID, dup.Job.ID)
	assert.Equal(t, "fp-k", dup.Job.Fingerprint)
	assert.Equal(t, -1, dup.Prior)
	assertNoneStored(t, s, batch)
	assertQueueEmpty(t, st)
	// Nothing was claimed either: the batch's other key is still free.
	_, err = st.Create(ctx, newJob("other", "alice"), 0)
	assert.NoError(t, err)
	// The same key of another owner is another key.
	batch = newBatch("k")
	batch[0].Owner = "bob"
	_, err = s.CreateBatch(ctx, batch, 0)
	assert.NoError(t, err)
}

func testBatchDuplicateInside(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	batch := newBatch("a", "", "b", "a")
	_, err := s.CreateBatch(ctx, batch, 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	var dup *asyncjob.DuplicateError
	require.ErrorAs(t, err, &dup)
	assert.Equal(t, 3, dup.Index)
	assert.Equal(t, 0, dup.Prior, "the earlier spec with the key")
	assert.Nil(t, dup.Job)
	assertNoneStored(t, s, batch)
	assertQueueEmpty(t, s.(asyncjob.Store))
}

func testBatchExpiredHolder(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	old := create(t, st, newJob("exp", "alice"))
	claimed := dequeue(t, st, "w", time.Minute)
	require.Equal(t, old.ID, claimed.ID)
	claimed.State = asyncjob.StateCompleted
	claimed.ExpiresAt = time.Now().Add(100 * time.Millisecond)
	require.NoError(t, st.Update(ctx, claimed))
	_, err := s.CreateBatch(ctx, newBatch("", "exp"), 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate, "held until the job expires")
	require.Eventually(t, func() bool { return !time.Now().Before(claimed.ExpiresAt) }, waitFor, time.Millisecond)
	batch := newBatch("", "exp")
	got, err := s.CreateBatch(ctx, batch, 0)
	require.NoError(t, err, "an expired holder frees its key")
	require.Len(t, got, 2)
	held, err := st.Create(ctx, newJob("exp", "alice"), 0)
	require.ErrorIs(t, err, asyncjob.ErrDuplicate)
	assert.Equal(t, batch[1].ID, held.ID)
}

func testBatchQueueFull(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	first := create(t, st, newJob("first", "alice"))
	tooMany := newBatch("", "", "")
	_, err := s.CreateBatch(ctx, tooMany, 3)
	require.ErrorIs(t, err, asyncjob.ErrQueueFull, "1 waiting + 3 exceed 3")
	assertNoneStored(t, s, tooMany)
	// A duplicate is reported before a full queue.
	_, err = s.CreateBatch(ctx, newBatch("", "first", ""), 3)
	assert.ErrorIs(t, err, asyncjob.ErrDuplicate)
	// A batch longer than the bound never fits.
	_, err = s.CreateBatch(ctx, newBatch("", "", "", ""), 3)
	assert.ErrorIs(t, err, asyncjob.ErrQueueFull)
	fits := newBatch("", "")
	_, err = s.CreateBatch(ctx, fits, 3)
	require.NoError(t, err, "1 waiting + 2 fit in 3")
	_, err = s.CreateBatch(ctx, newBatch(""), 3)
	assert.ErrorIs(t, err, asyncjob.ErrQueueFull)
	// A dequeued job frees a place; 0 is unbounded.
	require.Equal(t, first.ID, dequeue(t, st, "w", time.Minute).ID)
	_, err = s.CreateBatch(ctx, newBatch(""), 3)
	assert.NoError(t, err)
	_, err = s.CreateBatch(ctx, newBatch("", "", "", "", ""), 0)
	assert.NoError(t, err)
}

func testBatchExistingID(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	stored := create(t, st, newJob("", ""))
	batch := newBatch("x", "")
	batch[1].ID = stored.ID
	_, err := s.CreateBatch(ctx, batch, 0)
	require.ErrorIs(t, err, asyncjob.ErrConflict)
	_, err = st.Get(ctx, batch[0].ID)
	assert.ErrorIs(t, err, asyncjob.ErrNotFound)
	_, err = st.Create(ctx, newJob("x", "alice"), 0)
	assert.NoError(t, err, "the refused batch claimed no key")

	repeated := newBatch("", "")
	repeated[1].ID = repeated[0].ID
	_, err = s.CreateBatch(ctx, repeated, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict)
	notAccepted := newBatch("")
	notAccepted[0].State = asyncjob.StateProcessing
	_, err = s.CreateBatch(ctx, notAccepted, 0)
	assert.ErrorIs(t, err, asyncjob.ErrConflict)
	assertNoneStored(t, s, append(repeated, notAccepted...))
}

// testBatchRace races batches that share keys, half of them in the other
// order, with single Creates of one of the keys: one caller wins, and no
// loser leaves any of its jobs behind.
func testBatchRace(t *testing.T, s asyncjob.BatchCreator) {
	ctx := ctxT(t)
	st := s.(asyncjob.Store)
	const racers = 6
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     = map[string]bool{} // IDs of the jobs the winner stored with a key
		held    = map[string]bool{} // IDs of the holders the losers were told of
		batches [][]*asyncjob.Job
	)
	start := make(chan struct{})
	for i := range racers {
		batch := newBatch("", "r1", "r2")
		if i%2 == 1 {
			batch[1].IdempotencyKey, batch[2].IdempotencyKey = "r2", "r1"
		}
		batches = append(batches, batch)
		wg.Go(func() {
			<-start
			_, err := s.CreateBatch(ctx, batch, 0)
			mu.Lock()
			defer mu.Unlock()
			var dup *asyncjob.DuplicateError
			switch {
			case err == nil:
				won[batch[1].ID], won[batch[2].ID] = true, true
			case errors.As(err, &dup) && dup.Job != nil:
				held[dup.Job.ID] = true
			default:
				t.Errorf("batch: %v", err)
			}
		})
		wg.Go(func() {
			<-start
			j, err := st.Create(ctx, newJob("r1", "alice"), 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won[j.ID] = true
			case errors.Is(err, asyncjob.ErrDuplicate):
				held[j.ID] = true
			default:
				t.Errorf("create: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Contains(t, []int{1, 2}, len(won), "one caller wins: a Create (1 key) or a batch (2 keys)")
	for id := range held {
		assert.True(t, won[id], "a loser was told of holder %s, which is not the winner's", id)
	}
	for _, batch := range batches {
		n := 0
		for _, j := range batch {
			if _, err := st.Get(ctx, j.ID); err == nil {
				n++
			}
		}
		assert.Contains(t, []int{0, len(batch)}, n, "a batch is stored whole or not at all")
	}
}
