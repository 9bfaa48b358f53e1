package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMaxJobs: with -max-jobs 2 the in-memory store forgets the job that
// finished first to make room, and its status URL answers 404.
func TestMaxJobs(t *testing.T) {
	t.Parallel()
	ts := startServer(t, config{MaxJobs: 2})
	submit := func() string {
		t.Helper()
		acc := ts.do(t, "POST", "/reports", `{"type":"sales_summary","date_range":{"from":"2024-01-01","to":"2024-01-02"}}`,
			"Content-Type", "application/json")
		require.Equal(t, http.StatusAccepted, acc.StatusCode, "body: %s", acc.body)
		loc := acc.Header.Get("Location")
		final, _ := ts.waitJob(t, loc)
		require.Equal(t, http.StatusSeeOther, final.StatusCode, "body: %s", final.body)
		return loc
	}
	first := submit()
	second := submit()
	third := submit()
	assert.Equal(t, http.StatusNotFound, ts.do(t, "GET", first, "").StatusCode, "forgotten to make room")
	assert.Equal(t, http.StatusSeeOther, ts.do(t, "GET", second, "").StatusCode)
	assert.Equal(t, http.StatusSeeOther, ts.do(t, "GET", third, "").StatusCode)
}
