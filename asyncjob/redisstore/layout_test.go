package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestEarlierLayoutReads: Create once wrote every field of a record, the
// lease, attempt and start time empty, and an empty ik for a job without
// an idempotency key; now it writes none of them (Dequeue writes the
// lease, attempt and start time). A queued job in the earlier layout, as records
// already in a user's Redis are, is read, claimed and finished as any
// other, and a new record reads as the earlier one would.
func TestEarlierLayoutReads(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ck := newClock()
	p := prefix(t)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now})
	ctx := context.Background()
	base := "{" + p + "}:"

	// The record and queue entry of the earlier create.lua.
	id := asyncjob.NewID()
	created := ck.Now().Add(-time.Minute)
	imm := `{"id":"` + id + `","kind":"k","owner":"alice","created_at":"` + created.Format(time.RFC3339Nano) + `"}`
	require.NoError(t, c.HSet(ctx, base+"job:"+id, "st", "accepted", "v", 1, "lo", "", "lu", "", "exp", "", "ik", "",
		"i", imm, "m", `{"timeout":1000000000}`, "p", "in", "att", 0, "sa", "").Err())
	seq, err := c.Incr(ctx, base+"seq").Result()
	require.NoError(t, err)
	require.NoError(t, c.ZAdd(ctx, base+"queue", redis.Z{Score: float64(seq), Member: id}).Err())

	old, err := s.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, &asyncjob.Job{ID: id, Kind: "k", Owner: "alice", State: asyncjob.StateAccepted, Version: 1,
		CreatedAt: created, Timeout: time.Second, Payload: []byte("in")}, old)

	// Dequeue wakes on the subscription's resync; the claimed job is the
	// record as Get then reads it.
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := s.Dequeue(dctx, "w1", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, id, got.ID)
	assert.Equal(t, asyncjob.StateProcessing, got.State)
	assert.Equal(t, uint64(2), got.Version)
	assert.Equal(t, 1, got.Attempt)
	assert.Equal(t, "w1", got.LeaseOwner)
	assert.Equal(t, ck.Now().Add(time.Minute), got.LeaseUntil)
	assert.Equal(t, ck.Now(), got.StartedAt)
	again, err := s.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, again, got)

	got.State, got.FinishedAt, got.Progress = asyncjob.StateCompleted, ck.Now(), 100
	require.NoError(t, s.Update(ctx, got))
	done, err := s.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCompleted, done.State)
	got.LeaseOwner, got.LeaseUntil = "", time.Time{} // a terminal state ends the lease
	assert.Equal(t, got, done)

	// A new record: no lease, attempt or start time fields, no ik for a
	// job without a key, and it decodes to what Create returned.
	j := newJob(ck)
	stored, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	f, err := c.HGetAll(ctx, base+"job:"+j.ID).Result()
	require.NoError(t, err)
	for _, name := range []string{"lo", "lu", "att", "sa", "ik"} {
		assert.NotContains(t, f, name)
	}
	fresh, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, stored, fresh)
}
