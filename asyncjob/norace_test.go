//go:build !race

package asyncjob_test

const raceEnabled = false
