package asyncjob

import (
	"strings"
	"sync"
)

// Progress receives a job's progress reports. Report never blocks the job:
// reports are coalesced and written to the store in the background, so a
// job may report as often as it likes and only the latest value between two
// store writes is kept. It is safe for concurrent use.
type Progress interface {
	// Report sets the progress to percent (clamped to 0–100) with an
	// optional message for the client.
	Report(percent int, message string)
}

// maxMessage bounds a progress message (bytes), keeping records and status
// bodies small whatever the job reports.
const maxMessage = 512

// progress is the Manager's Progress: the latest report and a signal for the
// job's companion goroutine that writes it.
type progress struct {
	mu      sync.Mutex
	percent int
	message string
	dirty   bool
	signal  chan struct{} // capacity 1
}

func newProgress() *progress { return &progress{signal: make(chan struct{}, 1)} }

func (p *progress) Report(percent int, message string) {
	percent = max(0, min(100, percent))
	if len(message) > maxMessage {
		// Cut on a byte bound, then drop a split rune so the message stays
		// valid UTF-8.
		message = strings.ToValidUTF8(message[:maxMessage], "")
	}
	p.mu.Lock()
	p.percent, p.message, p.dirty = percent, message, true
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// take returns the pending report, if any, and clears it.
func (p *progress) take() (percent int, message string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.dirty {
		return 0, "", false
	}
	p.dirty = false
	return p.percent, p.message, true
}
