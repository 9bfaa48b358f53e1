package conditional

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind (servers,
// clients, the concurrent writers of the lost-update test).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
