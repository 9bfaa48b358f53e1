package cache_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test ends with no goroutine of its own left running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
