//go:build !race

package conditional

const raceEnabled = false
