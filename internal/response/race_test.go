//go:build race

package response

// raceEnabled: under -race, sync.Pool drops a share of what it is given on
// purpose, so allocation tests cannot hold.
const raceEnabled = true
