//go:build race

package negotiate

// raceEnabled: under -race, sync.Pool drops a share of what it is given and
// allocations are counted differently, so allocation pins skip.
const raceEnabled = true
