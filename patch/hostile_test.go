package patch

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileDoc is the ~200-byte document of issue 12.
func hostileDoc() []byte {
	return []byte(`{"id":"c0a8012e-7b1d-4e8a-9f3c-2d6e1b5a9f00","name":"Ada Lovelace","email":"ada@example.com","tags":["admin","math","poet"],"address":{"street":"12 St James's Square","city":"London","zip":"SW1Y 4JH"}}`)
}

// hostilePatch is the patch of issue 12: 12 copies of the root into
// itself (each doubling the document, within MaxCopyBytes), then moves of
// one member back and forth up to DefaultMaxOperations-3 operations. A
// text-rewriting evaluator pays the grown document's size for every move.
func hostilePatch() []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := range 12 {
		b.WriteString(`{"op":"copy","from":"","path":"/copy` + string(rune('a'+i)) + `"},`)
	}
	for i := range 985 {
		if i%2 == 0 {
			b.WriteString(`{"op":"move","from":"/name","path":"/nameX"},`)
		} else {
			b.WriteString(`{"op":"move","from":"/nameX","path":"/name"},`)
		}
	}
	b.WriteString(`{"op":"test","path":"/nameX","value":"Ada Lovelace"}]`)
	return []byte(b.String())
}

// benignPatch is a patch of hostilePatch's length and operation count
// that only rewrites one small member.
func benignPatch() []byte {
	n := len(hostilePatch())
	var b strings.Builder
	b.WriteString("[")
	for i := range 997 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"op":"add","path":"/name","value":"Ada"}`)
	}
	// Pad the last value to the hostile patch's length.
	pad := n - b.Len() - len(`,{"op":"add","path":"/name","value":""}]`)
	b.WriteString(`,{"op":"add","path":"/name","value":"` + strings.Repeat("x", max(pad, 0)) + `"}]`)
	return []byte(b.String())
}

// TestHostilePatchCost: the cost of a patch is the work it describes
// (issue 12). The hostile patch must stay within a generous factor of a
// benign patch of the same length and operation count, both in bytes
// allocated (deterministic: the text evaluator allocated 1,700× more) and
// in the least CPU time of several runs (the text evaluator took 900×).
//
// Not parallel: it reads the process-wide allocation counter, which other
// tests would disturb; Go runs parallel tests only after this one.
func TestHostilePatchCost(t *testing.T) {
	doc, hostile, benign := hostileDoc(), hostilePatch(), benignPatch()
	require.InDelta(t, len(benign), len(hostile), 1)
	require.Equal(t, countOps(hostile), countOps(benign))
	pt := NewPatcher(Options{})

	measure := func(p []byte) (allocated uint64, fastest time.Duration) {
		fastest = time.Hour
		for range 5 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			t0 := cpuTime()
			_, err := pt.Apply(JSONPatchType, doc, p)
			d := cpuTime() - t0
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			allocated = after.TotalAlloc - before.TotalAlloc
			fastest = min(fastest, d)
		}
		return allocated, fastest
	}
	ha, ht := measure(hostile)
	ba, bt := measure(benign)
	t.Logf("hostile %d B %v, benign %d B %v", ha, ht, ba, bt)
	assert.Less(t, ha, 64*ba, "bytes allocated: hostile vs benign")
	assert.Less(t, ht, 100*bt, "fastest run: hostile vs benign")
}

// TestMaxOperationsRefusedEarly: a patch over MaxOperations is refused
// from one scan of its text, before any operation is decoded, with the
// limit named in the envelope (RFC 5789 §2.2: 422 for a patch the server
// will not process). The operations here are malformed and the document is
// not JSON: had either been looked at, the answer would be a 400 for
// operation 0 or ErrInvalidDocument.
func TestMaxOperationsRefusedEarly(t *testing.T) {
	t.Parallel()
	p := []byte("[" + strings.Repeat(`{"op":"bogus"},`, DefaultMaxOperations) + `{"op":"bogus"}]`)
	_, err := NewPatcher(Options{}).Apply(JSONPatchType, []byte(`not json`), p)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LimitOperations, le.Limit)
	assert.Equal(t, int64(DefaultMaxOperations), le.Max)
	he := HTTPError(err)
	assert.Equal(t, 422, he.Status)
	assert.Equal(t, "operations", he.Extra["limit"])
	assert.Equal(t, int64(DefaultMaxOperations), he.Extra["max"])

}

// TestMergePatchWideObjectLinear: a merge patch that sets every member of
// a wide object costs linear time. The text merge compared every patch
// member with every target member: 32 times the members took about a
// thousand times as long. The bound (200× for 32× the members) leaves room
// for cache and garbage-collector effects and still fails a quadratic
// merge.
//
// Not parallel: it measures the process's CPU time (cpuTime).
func TestMergePatchWideObjectLinear(t *testing.T) {
	wide := func(n int) (doc, p []byte) {
		var d, q strings.Builder
		for i := range n {
			sep := ","
			if i == 0 {
				sep = "{"
			}
			fmt.Fprintf(&d, `%s"member%d":%d`, sep, i, i)
			fmt.Fprintf(&q, `%s"member%d":%d`, sep, n-1-i, -i)
		}
		d.WriteString("}")
		q.WriteString("}")
		return []byte(d.String()), []byte(q.String())
	}
	pt := NewPatcher(Options{})
	fastest := func(doc, p []byte) time.Duration {
		best := time.Hour
		for range 5 {
			t0 := cpuTime()
			_, err := pt.MergePatch(doc, p)
			best = min(best, cpuTime()-t0)
			require.NoError(t, err)
		}
		return best
	}
	smallDoc, smallP := wide(500)
	bigDoc, bigP := wide(16000)
	small, big := fastest(smallDoc, smallP), fastest(bigDoc, bigP)
	t.Logf("500 members %v, 16000 members %v", small, big)
	assert.Less(t, big, 200*small)
}
