package main

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"

	"github.com/httpsem/httpsem/negotiate"
)

// summaryLanguages are the languages of event summaries, the default
// first: a request whose Accept-Language matches none of them gets English
// (RFC 9110 §12.5.4 lets a server disregard the field rather than answer
// 406).
var summaryLanguages = []language.Tag{language.English, language.French, language.German}

// eventSummary is the representation of GET /events/{id}/summary.
type eventSummary struct {
	EventID  string `json:"event_id"`
	Language string `json:"language"`
	Summary  string `json:"summary"`
}

// monthNames are the month names of the summary languages, January first.
var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// summarize writes the one-line summary of e in lang (a summaryLanguages
// tag).
func summarize(e event, lang string) string {
	t := e.StartsAt.UTC()
	month := monthNames[lang][t.Month()-1]
	switch lang {
	case "fr":
		return fmt.Sprintf("%s : %s, le %d %s %d à %s UTC, %d places.", e.Name, e.Venue, t.Day(), month, t.Year(), t.Format("15:04"), e.Capacity)
	case "de":
		return fmt.Sprintf("%s: %s, am %d. %s %d um %s UTC, %d Plätze.", e.Name, e.Venue, t.Day(), month, t.Year(), t.Format("15:04"), e.Capacity)
	default:
		return fmt.Sprintf("%s: %s, %d %s %d at %s UTC, %d seats.", e.Name, e.Venue, t.Day(), month, t.Year(), t.Format("15:04"), e.Capacity)
	}
}

// getEventSummary serves GET/HEAD /events/{id}/summary: the event in one
// sentence, in the language Accept-Language prefers. negotiate.Language adds
// Vary: Accept-Language; Content-Language names the language served (RFC
// 9110 §8.5). The route's etag middleware tags each language's bytes, so
// every variant has its own strong tag, and caches keep one copy per
// language.
func (s *server) getEventSummary(w http.ResponseWriter, r *http.Request) {
	e, ok := s.events.get(r.PathValue("id"))
	if !ok {
		fail(w, r, notFound("Event"))
		return
	}
	// When the client accepts none of the three, the summary is served in
	// the default language the client did not refuse rather than as a 406:
	// RFC 9110 §12.5.4 allows either, and a summary in English beats none.
	_, i, _ := negotiate.Language(w, r, s.summaryLanguages)
	lang := summaryLanguages[i].String()
	w.Header().Set("Content-Language", lang)
	_ = s.renderJSON.Render(w, r, http.StatusOK, eventSummary{EventID: e.ID, Language: lang, Summary: summarize(e, lang)})
}
