//go:build !unix

package patch

import "time"

// cpuTime falls back to wall-clock time where getrusage does not exist.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
