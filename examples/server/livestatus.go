package main

import (
	"net/http"
	"time"
)

// liveStatus is the representation of GET /status: the server's state at
// this instant. It is stale the moment it is sent, so the route sends
// Cache-Control: no-store (cache.RealTime, RFC 9111 §5.2.2.5) and no
// validator: there is nothing to revalidate.
type liveStatus struct {
	Time    time.Time     `json:"time"`
	Uploads uploadsStatus `json:"uploads"`
}

type uploadsStatus struct {
	// Unfinished counts uploads not yet assembled (at most maxOpenUploads).
	Unfinished int `json:"unfinished"`
	// Files counts assembled files kept (at most maxFiles).
	Files int `json:"files"`
	// MemoryUsed is the part of the upload memory budget in use or
	// reserved by part bodies being received.
	MemoryUsed   int64 `json:"memory_used_bytes"`
	MemoryBudget int64 `json:"memory_budget_bytes"`
}

// getStatus serves GET/HEAD /status.
func (s *server) getStatus(w http.ResponseWriter, r *http.Request) {
	u := s.uploads
	u.mu.Lock()
	st := liveStatus{Time: u.now().UTC(), Uploads: uploadsStatus{Files: len(u.files), MemoryUsed: u.used, MemoryBudget: u.budget}}
	for _, up := range u.uploads {
		if up.state != uploadCompleted {
			st.Uploads.Unfinished++
		}
	}
	u.mu.Unlock()
	_ = s.renderJSON.Render(w, r, http.StatusOK, st)
}
