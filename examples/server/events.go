package main

import (
	"encoding/xml"
	"net/http"
	"sync"
	"time"
)

// event is a public event: the same for every client, so shared caches may keep
// it (Cache-Control: public, max-age=60).
type event struct {
	XMLName  xml.Name  `json:"-" xml:"event"`
	ID       string    `json:"id" xml:"id,attr"`
	Name     string    `json:"name" xml:"name"`
	Venue    string    `json:"venue" xml:"venue"`
	StartsAt time.Time `json:"starts_at" xml:"starts_at"`
	Capacity int       `json:"capacity" xml:"capacity"`
}

// eventList is the representation of the collection. A struct, not a slice,
// so that JSON can grow fields and XML has a root element.
type eventList struct {
	XMLName xml.Name `json:"-" xml:"events"`
	Events  []event  `json:"events" xml:"event"`
}

// eventStore holds the events. The example never changes them, but a store
// that may be written is guarded like one.
type eventStore struct {
	mu     sync.RWMutex
	byID   map[string]event
	sorted []string // ids in listing order
}

func newEventStore() *eventStore {
	s := &eventStore{byID: map[string]event{}}
	for _, e := range []event{
		{ID: "1", Name: "Go meetup: HTTP semantics", Venue: "Berlin", StartsAt: time.Date(2025, 3, 14, 18, 30, 0, 0, time.UTC), Capacity: 120},
		{ID: "2", Name: "Caching in depth", Venue: "Lisbon", StartsAt: time.Date(2025, 5, 2, 9, 0, 0, 0, time.UTC), Capacity: 300},
		{ID: "3", Name: "Long-running operations workshop", Venue: "Online", StartsAt: time.Date(2025, 9, 23, 16, 0, 0, 0, time.UTC), Capacity: 1000},
	} {
		s.byID[e.ID] = e
		s.sorted = append(s.sorted, e.ID)
	}
	return s
}

func (s *eventStore) get(id string) (event, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[id]
	return e, ok
}

func (s *eventStore) list() []event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]event, 0, len(s.sorted))
	for _, id := range s.sorted {
		out = append(out, s.byID[id])
	}
	return out
}

// listEvents serves GET/HEAD /events. The route's middleware adds
// Cache-Control (cache), a strong ETag from the bytes and the 304 (etag); the
// renderer negotiates JSON or XML, adds Vary: Accept and answers 406.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	_ = s.render.Render(w, r, http.StatusOK, eventList{Events: s.events.list()})
}

// getEvent serves GET/HEAD /events/{id}.
func (s *server) getEvent(w http.ResponseWriter, r *http.Request) {
	e, ok := s.events.get(r.PathValue("id"))
	if !ok {
		fail(w, r, notFound("Event"))
		return
	}
	_ = s.render.Render(w, r, http.StatusOK, e)
}
