package redisstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestCreateBatchRecordIsCreates: create_batch.lua writes the record,
// key and queue entry that create.lua writes, so every other script reads
// a batch's jobs as any other. If this fails after a change of create.lua,
// change create_batch.lua with it.
func TestCreateBatchRecordIsCreates(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ck := newClock()
	p := prefix(t)
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now})
	ctx := context.Background()
	fill := func(j *asyncjob.Job, key string) *asyncjob.Job {
		j.Owner, j.IdempotencyKey, j.Fingerprint = "alice", key, "fp"
		j.EstimatedAt, j.Timeout, j.CallbackURL = ck.Now().Add(time.Minute), time.Second, "https://example.com/hook"
		return j
	}
	one := fill(newJob(ck), "one")
	_, err := s.Create(ctx, one, 0)
	require.NoError(t, err)
	batch := []*asyncjob.Job{fill(newJob(ck), "b1"), fill(newJob(ck), "")}
	_, err = s.CreateBatch(ctx, batch, 0)
	require.NoError(t, err)

	base := "{" + p + "}:"
	want, err := c.HGetAll(ctx, base+"job:"+one.ID).Result()
	require.NoError(t, err)
	for i, j := range batch {
		got, err := c.HGetAll(ctx, base+"job:"+j.ID).Result()
		require.NoError(t, err)
		fields := keysOf(want)
		if j.IdempotencyKey == "" {
			fields = slices.DeleteFunc(fields, func(f string) bool { return f == "ik" }) // a job without a key has none
		}
		assert.ElementsMatch(t, fields, keysOf(got), "job %d: the fields of create.lua's record", i)
		for f, v := range want {
			switch f {
			case "i", "ik":
				continue // the ID and key differ
			case "cn":
				continue // each call's own token
			}
			assert.Equal(t, v, got[f], "job %d: field %s", i, f)
		}
		stored, err := s.Get(ctx, j.ID)
		require.NoError(t, err)
		ref, err := s.Get(ctx, one.ID)
		require.NoError(t, err)
		ref.ID, ref.IdempotencyKey = stored.ID, stored.IdempotencyKey
		assert.Equal(t, ref, stored, "job %d decodes as Create's", i)
	}
	held, err := c.Get(ctx, base+"key:5:alice:b1").Result()
	require.NoError(t, err)
	assert.Equal(t, batch[0].ID, held, "the key names its job as create.lua's does")
	queued, err := c.ZRange(ctx, base+"queue", 0, -1).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{one.ID, batch[0].ID, batch[1].ID}, queued)
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCreateBatchLong: a batch longer than the script's ZADD chunk keeps
// its order, and a stale record of an expired job with the same ID is
// replaced whole.
func TestCreateBatchLong(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	p := prefix(t)
	ck := newClock()
	s := newStore(t, c, redisstore.Options{Prefix: p, Now: ck.Now})
	ctx := context.Background()
	stale := newJob(ck)
	_, err := s.Create(ctx, stale, 0)
	require.NoError(t, err)
	claimed, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	claimed.State, claimed.Message = asyncjob.StateCanceled, "old"
	claimed.ExpiresAt = ck.Now().Add(time.Hour)
	claimed.Delivery = &asyncjob.Delivery{ID: stale.ID, State: asyncjob.DeliveryFailed}
	require.NoError(t, s.Update(ctx, claimed))
	ck.Add(2 * time.Hour) // expired by the callers' clock, not yet by Redis's TTL
	n, err := c.Exists(ctx, "{"+p+"}:job:"+stale.ID).Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the stale record is still there")

	const size = 1200
	jobs := make([]*asyncjob.Job, size)
	for i := range jobs {
		jobs[i] = newJob(ck)
	}
	jobs[700].ID = stale.ID
	_, err = s.CreateBatch(ctx, jobs, 0)
	require.NoError(t, err)
	queued, err := c.ZRange(ctx, "{"+p+"}:queue", 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, queued, size)
	for i, id := range queued {
		if id != jobs[i].ID {
			require.Failf(t, "queue order", "position %d holds %s, want %s", i, id, jobs[i].ID)
		}
	}
	got, err := s.Get(ctx, stale.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateAccepted, got.State)
	assert.Empty(t, got.Message, "nothing of the expired record is left")
	assert.Nil(t, got.Delivery)
	assert.Equal(t, uint64(1), got.Version)
}
