package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestFeedPublishesOnlyWatchedChanges: the changes of a job nobody watches
// publish nothing (only Create's wake-up, with its submission number);
// once a watcher on any instance has read the record, every change reaches
// it through the feed, not through the periodic re-read (a minute here).
func TestFeedPublishesOnlyWatchedChanges(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	c := newClient(t)
	a := newStore(t, c, redisstore.Options{Prefix: p})
	b := newStore(t, newClient(t), redisstore.Options{Prefix: p, WatchInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ps := c.Subscribe(ctx, "{"+p+"}:feed")
	defer ps.Close()
	_, err := ps.Receive(ctx) // the subscription's confirmation
	require.NoError(t, err)
	msgs := ps.Channel()
	next := func() string {
		select {
		case m := <-msgs:
			return m.Payload
		case <-time.After(300 * time.Millisecond):
			return ""
		}
	}

	// Unwatched: create, claim, finish.
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err = a.Create(ctx, j, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^w [0-9]+$`, next())
	got, err := a.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	got.State = asyncjob.StateCompleted
	require.NoError(t, a.Update(ctx, got))
	assert.Empty(t, next(), "a change of an unwatched job")

	// Watched from another instance: each change arrives at once.
	w := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "k", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err = a.Create(ctx, w, 0)
	require.NoError(t, err)
	assert.Regexp(t, `^w [0-9]+$`, next())
	feed, err := b.Watch(ctx, w.ID, 0)
	require.NoError(t, err)
	first := <-feed
	assert.EqualValues(t, 1, first.Version)
	claimed, err := a.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	require.Equal(t, w.ID, claimed.ID)
	assert.Equal(t, "2 "+w.ID, next())
	select {
	case rec := <-feed:
		assert.Equal(t, asyncjob.StateProcessing, rec.State)
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not see the claim")
	}
	claimed.State = asyncjob.StateCompleted
	require.NoError(t, a.Update(ctx, claimed))
	assert.Equal(t, "3 "+w.ID, next())
	select {
	case rec := <-feed:
		assert.Equal(t, asyncjob.StateCompleted, rec.State)
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not see the outcome")
	}
}
