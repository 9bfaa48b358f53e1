package pgstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind: every
// Store, Manager, pool and private server a test starts is stopped by its
// cleanups.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
