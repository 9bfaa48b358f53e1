// Package testenv lets integration tests that need a real component (Redis,
// nginx, Chromium) skip with a clear message on a developer's machine and fail
// in CI, where .ci/run installs every component and sets
// HTTPSEM_REQUIRE_COMPONENTS=1.
package testenv

import (
	"os"
	"testing"
)

// RequireEnv is the environment variable that turns a missing component from a
// skip into a failure.
const RequireEnv = "HTTPSEM_REQUIRE_COMPONENTS"

// Missing reports that a component the test needs is absent: it skips the
// test with the message, or fails it when [RequireEnv] is "1".
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("required component missing ("+RequireEnv+"=1): "+format, args...)
	}
	t.Skipf("skipping: "+format+" (set "+RequireEnv+"=1 to make this a failure)", args...)
}
