package redisstore_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind: every
// Store, Manager, client and redis-server a test starts is stopped by its
// cleanups. Started with REDISSTORE_TEST_INSTANCE=1, the test binary is
// instead a service instance for TestDeliveriesSurviveKill, which kills it.
func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		if err := runInstance(); err != nil {
			fmt.Fprintln(os.Stderr, "instance:", err)
			os.Exit(1)
		}
		return
	}
	goleak.VerifyTestMain(m)
}
