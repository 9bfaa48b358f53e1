package negotiate

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind (the wire
// tests start httptest servers and close them in t.Cleanup).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
