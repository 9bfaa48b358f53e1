//go:build race

package asyncjob_test

// raceEnabled: the race detector slows the Manager about tenfold and
// inflates the heap, so load tests scale down under it.
const raceEnabled = true
