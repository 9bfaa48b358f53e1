package testenv

import "runtime"

// BytesPerRun is testing.AllocsPerRun for the bytes allocated: the average
// heap bytes one call of f allocates over runs calls, after one call to warm
// up. Like AllocsPerRun it is only meaningful outside parallel tests.
func BytesPerRun(runs int, f func()) uint64 {
	f() // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}
