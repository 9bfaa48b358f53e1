package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/negotiate"
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
	// version changes whenever an event does; every representation's tag
	// is derived from it, so a request is answered 304 before any event is
	// encoded. The seed is fixed, so its version is the tag of its content:
	// a release that changes the seed changes every tag. A store that is
	// written would bump a counter on each write instead.
	version etag.Tag
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
	s.version = etag.FromBytes(fmt.Appendf(nil, "%v", s.list()))
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

// eventTypes are the representations of events, in order of preference.
var eventTypes = []string{jsonType, xmlType}

// listEvents serves GET/HEAD /events. The route's middleware adds
// Cache-Control (cache); the handler negotiates JSON or XML (adding Vary:
// Accept), derives the strong tag of that representation from the store's
// version, and answers 304 before encoding anything; the renderer answers
// 406.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	if !s.checkEvents(w, r, "") {
		return
	}
	_ = s.render.Render(w, r, http.StatusOK, eventList{Events: s.events.list()})
}

// getEvent serves GET/HEAD /events/{id}.
func (s *server) getEvent(w http.ResponseWriter, r *http.Request) {
	e, ok := s.events.get(r.PathValue("id"))
	if !ok {
		fail(w, r, notFound("Event"))
		return
	}
	if !s.checkEvents(w, r, e.ID) {
		return
	}
	_ = s.render.Render(w, r, http.StatusOK, e)
}

// checkEvents selects the representation first, so that Vary: Accept is set
// before Check answers a 304 (RFC 9110 §15.4.5), and then evaluates the
// preconditions against that representation's tag. It reports whether the
// handler renders; a request that accepts no representation goes on to the
// renderer's 406.
func (s *server) checkEvents(w http.ResponseWriter, r *http.Request, id string) bool {
	typ, acceptable := negotiate.Type(w, r, eventTypes...)
	if !acceptable {
		return true
	}
	version := s.events.version
	if id != "" {
		// One event's representation differs from the list's: its own tag.
		version = etag.FromString(version.Opaque + "." + id)
	}
	v := conditional.Validators{ETag: etag.Variant{MediaType: typ}.Tag(version), Exists: true}
	return conditional.Check(w, r, v, conditional.Options{Now: s.cfg.Now})
}
