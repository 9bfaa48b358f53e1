package redisstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// TestScriptsRunAfterScriptFlush: each hot path's script runs after Redis
// lost its script cache (a restart, SCRIPT FLUSH), by EVAL after EVALSHA's
// NOSCRIPT. A private server, so the flush touches no other client.
func TestScriptsRunAfterScriptFlush(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	c := srv.client(t)
	s := newStore(t, c, redisstore.Options{PollInterval: time.Minute})
	ctx := t.Context()
	flush := func() {
		t.Helper()
		require.NoError(t, c.ScriptFlush(ctx).Err())
	}
	flush()
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "noop", State: asyncjob.StateAccepted, CreatedAt: time.Now()}
	_, err := s.Create(ctx, j, 0)
	require.NoError(t, err)
	flush()
	got, err := s.Dequeue(ctx, "w", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, j.ID, got.ID)
	flush()
	got.State, got.Result = asyncjob.StateCompleted, &asyncjob.Result{}
	require.NoError(t, s.Update(ctx, got))
	flush()
	require.ErrorIs(t, s.Renew(ctx, got.ID, "w", time.Minute), asyncjob.ErrLeaseLost)
	final, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCompleted, final.State)
}
