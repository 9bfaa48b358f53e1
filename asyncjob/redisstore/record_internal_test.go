package redisstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// TestEncodeIsJSONMarshal: the hand-written encodings of fields i and m are
// json.Marshal's, byte for byte, so records stay what every version wrote
// and reads; a job outside the fast path goes to json.Marshal.
func TestEncodeIsJSONMarshal(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name string
		job  asyncjob.Job
		fast bool
	}{
		{"plain", asyncjob.Job{ID: "abc_-DEF", Kind: "k", CreatedAt: at}, true},
		{"every field", asyncjob.Job{ID: "a", Kind: "k", Owner: "alice", IdempotencyKey: "key 1", Fingerprint: "fp", CreatedAt: at}, true},
		{"local zone", asyncjob.Job{ID: "a", Kind: "k", CreatedAt: at.In(time.FixedZone("x", -(5*3600 + 30*60)))}, true},
		{"zero time", asyncjob.Job{ID: "a", Kind: "k"}, true},
		{"empty kind", asyncjob.Job{ID: "a", CreatedAt: at}, true},
		{"quote", asyncjob.Job{ID: "a", Kind: `k"`, CreatedAt: at}, false},
		{"backslash", asyncjob.Job{ID: "a", Kind: "k", Owner: `a\b`, CreatedAt: at}, false},
		{"html", asyncjob.Job{ID: "a", Kind: "k", Owner: "<a&b>", CreatedAt: at}, false},
		{"control", asyncjob.Job{ID: "a", Kind: "k", IdempotencyKey: "a\nb", CreatedAt: at}, false},
		{"utf-8", asyncjob.Job{ID: "a", Kind: "k", Owner: "zoë", CreatedAt: at}, false},
		{"invalid utf-8", asyncjob.Job{ID: "a", Kind: "k", Fingerprint: "\xff", CreatedAt: at}, false},
		{"zone with seconds", asyncjob.Job{ID: "a", Kind: "k", CreatedAt: at.In(time.FixedZone("s", 30))}, false},
		{"year 10000", asyncjob.Job{ID: "a", Kind: "k", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.job
			_, fast := appendImmutable(nil, &j)
			assert.Equal(t, tc.fast, fast, "fast path")
			want, wantErr := json.Marshal(immutable{ID: j.ID, Kind: j.Kind, Owner: j.Owner,
				IdempotencyKey: j.IdempotencyKey, Fingerprint: j.Fingerprint, CreatedAt: j.CreatedAt})
			got, err := encodeImmutable(&j)
			if wantErr != nil {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
	for _, j := range []asyncjob.Job{{}, {Attempt: 2}, {Progress: 1}, {Message: "m"}, {FinishedAt: at}, {Timeout: time.Second},
		{Result: &asyncjob.Result{}}, {Error: &asyncjob.Error{Code: "c"}}, {EstimatedAt: at}, {CallbackURL: "https://x"}} {
		want, err := json.Marshal(mutable{Progress: j.Progress, Message: j.Message, FinishedAt: j.FinishedAt,
			EstimatedAt: j.EstimatedAt, Timeout: j.Timeout, CallbackURL: j.CallbackURL, Result: j.Result, Error: j.Error})
		require.NoError(t, err)
		got, _, _, _, err := mutableValues(&j)
		require.NoError(t, err)
		assert.Equal(t, string(want), got)
	}
}
