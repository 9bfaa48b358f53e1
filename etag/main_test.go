package etag

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (a
// handler blocked on a channel, a server not closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
