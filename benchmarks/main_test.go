package benchmarks

import (
	"os"
	"testing"
)

// TestMain doubles the test binary as the server of BenchmarkEndToEnd: with
// HTTPSEM_BENCH_SERVE set, the process serves instead of testing (see
// e2eServe), so that the benchmark can put its server in a process of its own
// without building a second binary.
func TestMain(m *testing.M) {
	if impl, ok := os.LookupEnv(e2eServeEnv); ok {
		os.Exit(e2eServe(impl))
	}
	os.Exit(m.Run())
}
