//go:build race

package benchmarks

// raceEnabled: under -race, sync.Pool drops a share of what it is given on
// purpose, so the middlewares' pools allocate and allocation tests cannot
// hold.
const raceEnabled = true
