package webhook

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind (a
// Sender's idle connections, a server, a retry wait).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
