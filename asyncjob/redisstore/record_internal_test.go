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
	local := time.FixedZone("x", -(5*3600 + 30*60))
	for _, tc := range []struct {
		name string
		job  asyncjob.Job
		fast bool
	}{
		{"fresh", asyncjob.Job{}, true},
		{"attempt", asyncjob.Job{Attempt: 2}, true},
		{"progress", asyncjob.Job{Progress: 1}, true},
		{"negative progress", asyncjob.Job{Progress: -1}, true},
		{"message", asyncjob.Job{Message: "m"}, true},
		{"finished", asyncjob.Job{FinishedAt: at}, true},
		{"finished, local zone", asyncjob.Job{FinishedAt: at.In(local)}, true},
		{"timeout", asyncjob.Job{Timeout: time.Second}, true},
		{"empty result", asyncjob.Job{Result: &asyncjob.Result{}}, true},
		{"result URL", asyncjob.Job{Result: &asyncjob.Result{URL: "/r/1"}}, true},
		{"error", asyncjob.Job{Error: &asyncjob.Error{Code: "c"}}, true},
		{"retryable error", asyncjob.Job{Error: &asyncjob.Error{Code: "c", Message: "m", Retryable: true}}, true},
		{"estimated", asyncjob.Job{EstimatedAt: at}, true},
		{"callback", asyncjob.Job{CallbackURL: "https://x"}, true},
		{"completed", asyncjob.Job{Progress: 100, FinishedAt: at, Result: &asyncjob.Result{}}, true},
		{"every field", asyncjob.Job{Progress: 5, Message: "m", FinishedAt: at, EstimatedAt: at.Add(time.Hour), Timeout: time.Minute,
			CallbackURL: "https://x/y?z=1", Result: &asyncjob.Result{URL: "/r"}, Error: &asyncjob.Error{Code: "c", Message: "m"}}, true},
		{"result value", asyncjob.Job{Result: &asyncjob.Result{Value: json.RawMessage(`{"a": 1}`)}}, false},
		{"html message", asyncjob.Job{Message: "<b>"}, false},
		{"utf-8 message", asyncjob.Job{Message: "zoë"}, false},
		{"quote in error", asyncjob.Job{Error: &asyncjob.Error{Code: "c", Message: `say "x"`}}, false},
		{"control in URL", asyncjob.Job{CallbackURL: "https://x/\n"}, false},
		{"year 10000", asyncjob.Job{FinishedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"zone with seconds", asyncjob.Job{EstimatedAt: at.In(time.FixedZone("s", 30))}, false},
	} {
		t.Run("mutable/"+tc.name, func(t *testing.T) {
			j := tc.job
			mu := mutable{Progress: j.Progress, Message: j.Message, FinishedAt: j.FinishedAt,
				EstimatedAt: j.EstimatedAt, Timeout: j.Timeout, CallbackURL: j.CallbackURL, Result: j.Result, Error: j.Error}
			_, fast := appendMutable(nil, &mu)
			assert.Equal(t, tc.fast, fast, "fast path")
			want, wantErr := json.Marshal(mu)
			got, _, _, _, err := mutableValues(&j)
			if wantErr != nil {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}

// TestDecodeIsJSONUnmarshal: the hand-written reading of field i gives
// what json.Unmarshal gives, for every record appendImmutable writes; any
// other text (json.Marshal's escapes, another field order, a corrupt
// record) goes to json.Unmarshal.
func TestDecodeIsJSONUnmarshal(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name string
		text string
		fast bool
	}{
		{"plain", `{"id":"abc_-DEF","kind":"k","created_at":"2026-01-02T03:04:05.000000006Z"}`, true},
		{"every field", `{"id":"a","kind":"k","owner":"alice","idempotency_key":"key 1","fingerprint":"fp","created_at":"2026-01-02T03:04:05Z"}`, true},
		{"local zone", `{"id":"a","kind":"k","created_at":"2026-01-01T21:34:05.000000006-05:30"}`, true},
		{"zero time", `{"id":"a","kind":"k","created_at":"0001-01-01T00:00:00Z"}`, true},
		{"empty kind", `{"id":"a","kind":"","created_at":"2026-01-02T03:04:05Z"}`, true},
		{"escaped html", `{"id":"a","kind":"k","owner":"<a&b>","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"escaped quote", `{"id":"a","kind":"k"","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"utf-8", `{"id":"a","kind":"k","owner":"zoë","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"empty owner", `{"id":"a","kind":"k","owner":"","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"other order", `{"kind":"k","id":"a","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"spaces", `{"id": "a","kind":"k","created_at":"2026-01-02T03:04:05Z"}`, false},
		{"unknown field", `{"id":"a","kind":"k","x":1,"created_at":"2026-01-02T03:04:05Z"}`, false},
		{"trailing text", `{"id":"a","kind":"k","created_at":"2026-01-02T03:04:05Z"} `, false},
		{"bad time", `{"id":"a","kind":"k","created_at":"2026-13-02T03:04:05Z"}`, false},
		{"one-digit hour", `{"id":"a","kind":"k","created_at":"2026-01-02T3:04:05Z"}`, false},
		{"comma fraction", `{"id":"a","kind":"k","created_at":"2026-01-02T03:04:05,5Z"}`, false},
		{"trailing zero", `{"id":"a","kind":"k","created_at":"2026-01-02T03:04:05.50Z"}`, false},
		{"truncated", `{"id":"a","kind":"k","created_at":"2026-01-02T03:04:05Z"`, false},
		{"empty", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fast := parseImmutable(tc.text)
			assert.Equal(t, tc.fast, fast, "fast path")
			if !fast {
				return
			}
			var want immutable
			require.NoError(t, json.Unmarshal([]byte(tc.text), &want))
			assert.Equal(t, want, got)
		})
	}
	// What appendImmutable writes reads back through the fast path.
	j := asyncjob.Job{ID: "a", Kind: "k", Owner: "o", CreatedAt: at.In(time.FixedZone("x", 3600))}
	text, ok := appendImmutable(nil, &j)
	require.True(t, ok)
	got, fast := parseImmutable(text)
	require.True(t, fast)
	var want immutable
	require.NoError(t, json.Unmarshal([]byte(text), &want))
	assert.Equal(t, want, got)
}

// BenchmarkRecord: the codec work of one claim (field i read back) and of
// one outcome (field m written), the two that run once per job.
func BenchmarkRecord(b *testing.B) {
	at := time.Now()
	j := &asyncjob.Job{ID: asyncjob.NewID(), Kind: "noop", CreatedAt: at, Payload: []byte(`{"i":1}`)}
	imm, err := encodeImmutable(j)
	require.NoError(b, err)
	b.Run("claim", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeRaw(&raw{imm: imm, mut: emptyMutable, payload: `{"i":1}`, state: "processing",
				version: "2", attempt: "1", started: "1764680000000000000", leaseBy: "w", leaseTo: "1764680060000000000"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("outcome", func(b *testing.B) {
		done := *j
		done.Progress, done.FinishedAt, done.Result = 100, at, &asyncjob.Result{}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, _, err := mutableValues(&done); err != nil {
				b.Fatal(err)
			}
		}
	})
}
