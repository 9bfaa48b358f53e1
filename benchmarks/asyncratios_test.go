package benchmarks

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// asyncTargets are the comparisons issue 16 sets targets on: each httpsem
// row against the peer row it must at least match in jobs/s.
var asyncTargets = []struct{ ours, peer string }{
	{"redisstore", "asynq"},
	{"redisstore", "asynq, 1 ms TaskCheckInterval"},
	{"pgstore", "River, 1 ms fetch, Insert"},
	{"pgstore, SubmitBatch 100", "River, 1 ms fetch, InsertMany 100"},
}

// roundRatios summarises the ratios ours[i] / peer[i] of the rounds both
// ran: their median (the mean of the middle two for an even count), the
// lowest and highest, and in how many ours was at least the peer's. The
// rows of one round run next to each other, in an order that reverses
// every round, so a round's ratio is what the machine's drift from minute
// to minute moves least; the medians of each row apart can pair a fast
// round of one with a slow round of the other. n is 0 when no round has
// both.
func roundRatios(ours, peer []float64) (median, lo, hi float64, atLeast, n int) {
	var r []float64
	for i := range min(len(ours), len(peer)) {
		if peer[i] > 0 {
			r = append(r, ours[i]/peer[i])
		}
	}
	if len(r) == 0 {
		return 0, 0, 0, 0, 0
	}
	for _, v := range r {
		if v >= 1 {
			atLeast++
		}
	}
	return medianOf(r), slices.Min(r), slices.Max(r), atLeast, len(r)
}

// medianOf returns the median of v, the mean of the middle two for an even
// count (0 for none), as benchtable takes it; v is not modified.
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// writeRoundRatios writes the table of asyncTargets whose two rows ran,
// from each row's jobs/s per round (jobsPerSec(name, producers)).
func writeRoundRatios(w io.Writer, jobsPerSec func(name string, producers int) []float64) {
	header := false
	for _, tg := range asyncTargets {
		for _, producers := range []int{1, 8} {
			median, lo, hi, atLeast, n := roundRatios(jobsPerSec(tg.ours, producers), jobsPerSec(tg.peer, producers))
			if n == 0 {
				continue
			}
			if !header {
				fmt.Fprint(w, "\nratios of jobs/s within each round (target: at least 1)\n\n"+
					"| system | against | producers | median | lowest – highest | rounds at least 1 |\n|---|---|---|---|---|---|\n")
				header = true
			}
			fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.2f – %.2f | %d of %d |\n", tg.ours, tg.peer, producers, median, lo, hi, atLeast, n)
		}
	}
}

func TestRoundRatios(t *testing.T) {
	for _, tc := range []struct {
		name            string
		ours, peer      []float64
		median, lo, hi  float64
		atLeast, rounds int
	}{
		{"odd count", []float64{100, 300, 90}, []float64{100, 100, 100}, 1, 0.9, 3, 2, 3},
		{"even count: mean of the middle two", []float64{80, 120, 100, 60}, []float64{100, 100, 100, 100}, 0.9, 0.6, 1.2, 2, 4},
		// Ours ran more rounds than the peer (an interrupted run): only
		// the rounds both ran are paired.
		{"unequal lengths", []float64{50, 200, 999}, []float64{100, 100}, 1.25, 0.5, 2, 1, 2},
		{"a peer round without jobs/s is left out", []float64{100, 100}, []float64{0, 50}, 2, 2, 2, 1, 1},
		{"nothing to pair", nil, []float64{100}, 0, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			median, lo, hi, atLeast, n := roundRatios(tc.ours, tc.peer)
			assert.InDelta(t, tc.median, median, 1e-9, "median")
			assert.InDelta(t, tc.lo, lo, 1e-9, "lowest")
			assert.InDelta(t, tc.hi, hi, 1e-9, "highest")
			assert.Equal(t, tc.atLeast, atLeast, "rounds at least 1")
			assert.Equal(t, tc.rounds, n, "rounds")
		})
	}
}

func TestMedianOf(t *testing.T) {
	v := []float64{3, 1, 2, 10}
	assert.InDelta(t, 2.5, medianOf(v), 1e-9, "even: the mean of the middle two")
	assert.Equal(t, []float64{3, 1, 2, 10}, v, "the input is left as it was")
	assert.InDelta(t, 2, medianOf([]float64{3, 1, 2}), 1e-9, "odd")
	assert.Zero(t, medianOf(nil))
}

func TestWriteRoundRatios(t *testing.T) {
	rows := map[string][]float64{
		"redisstore/1":                    {110, 90, 100},
		"asynq, 1 ms TaskCheckInterval/1": {100, 100, 100},
		// asynq's defaults, pgstore and River did not run (-async.only).
	}
	var b strings.Builder
	writeRoundRatios(&b, func(name string, producers int) []float64 {
		return rows[fmt.Sprintf("%s/%d", name, producers)]
	})
	assert.Equal(t, "\nratios of jobs/s within each round (target: at least 1)\n\n"+
		"| system | against | producers | median | lowest – highest | rounds at least 1 |\n|---|---|---|---|---|---|\n"+
		"| redisstore | asynq, 1 ms TaskCheckInterval | 1 | 1.00 | 0.90 – 1.10 | 2 of 3 |\n", b.String())

	b.Reset()
	writeRoundRatios(&b, func(string, int) []float64 { return nil })
	assert.Empty(t, b.String(), "no table when no target's rows ran")
}
