package redisstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestDequeueReply pins what dequeue.lua tells the wake bookkeeping
// (wakes.done and Store.idleWait): after a claim from the queue, how many
// jobs are still queued and the highest submission number among them, or,
// with none queued, the earliest lease end; after a takeover the same;
// with nothing to claim, the earliest lease end alone ("" when no job
// runs). A queue entry without a record is skipped and not counted.
func TestDequeueReply(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	c := newClient(t)
	s := newStore(t, c, redisstore.Options{Prefix: p, PollInterval: time.Minute})
	ctx := t.Context()
	t0 := time.Now()
	create := func() string {
		j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "noop", State: asyncjob.StateAccepted, CreatedAt: t0}
		_, err := s.Create(ctx, j, 0)
		require.NoError(t, err)
		return j.ID
	}
	deq := func(worker string, at time.Duration) []any {
		t.Helper()
		res, err := redisstore.DequeueReply(ctx, s, worker, t0.Add(at), time.Minute)
		require.NoError(t, err)
		return res
	}
	running, queue := "{"+p+"}:running", "{"+p+"}:queue"
	leaseEnd := func(id string) float64 {
		t.Helper()
		v, err := c.ZScore(ctx, running, id).Result()
		require.NoError(t, err)
		return v
	}
	score := func(v any) float64 {
		t.Helper()
		f, err := strconv.ParseFloat(v.(string), 64)
		require.NoError(t, err)
		return f
	}
	// claimed checks a claim's reply: queued, wake, seq, v, att, then the
	// record's fields.
	claimed := func(res []any, queued int64, seq string, version, attempt int64) {
		t.Helper()
		require.Len(t, res, 11, "a claim without a delivery")
		assert.Equal(t, queued, res[0], "jobs still queued")
		assert.Equal(t, seq, res[2], "the claimed job's submission number")
		assert.Equal(t, version, res[3], "the new Version")
		assert.Equal(t, attempt, res[4], "the new attempt")
	}

	a, b := create(), create() // submission numbers 1 and 2
	require.NoError(t, c.ZAdd(ctx, queue, redis.Z{Score: 2.5, Member: "ghost"}).Err())

	res := deq("w1", 0)
	claimed(res, 2, "1", 2, 1)
	assert.Equal(t, 2.5, score(res[1]), "with jobs queued: the highest submission number queued")

	res = deq("w2", time.Second)
	claimed(res, 1, "2", 2, 1)
	assert.Equal(t, 2.5, score(res[1]), "the entry without a record still counts as queued")

	// The entry without a record is popped and skipped; a and b run.
	res = deq("w3", 2*time.Second)
	require.Len(t, res, 1, "nothing to claim")
	assert.Equal(t, leaseEnd(a), score(res[0]), "the earliest lease end")
	n, err := c.ZCard(ctx, queue).Result()
	require.NoError(t, err)
	assert.Zero(t, n)

	d := create() // submission number 3
	res = deq("w4", 3*time.Second)
	claimed(res, 0, "3", 2, 1)
	assert.Equal(t, leaseEnd(a), score(res[1]), "with none queued: the earliest lease end")

	// a's lease (t0+1m) has ended: a is taken over; b's lease is then the
	// earliest.
	res = deq("w5", 2*time.Minute)
	claimed(res, 0, "", 3, 2)
	assert.Equal(t, leaseEnd(b), score(res[1]))
	assert.Less(t, leaseEnd(b), leaseEnd(d))
	got, err := s.Get(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, "w5", got.LeaseOwner)

	empty := newStore(t, c, redisstore.Options{PollInterval: time.Minute})
	res, err = redisstore.DequeueReply(ctx, empty, "w", t0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, []any{""}, res, "nothing queued, nothing running")
}
