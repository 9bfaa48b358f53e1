//go:build unix

package patch

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system. Cost
// tests compare it rather than wall-clock time, which other processes on a
// loaded machine inflate; they run unparallel, so the process's CPU is
// theirs (and the garbage collector's, which is part of the cost).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
