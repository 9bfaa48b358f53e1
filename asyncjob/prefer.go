package asyncjob

import (
	"net/http"

	"github.com/httpsem/httpsem/internal/header"
)

// Preferences are the Prefer (RFC 7240) preferences a submission honours.
type Preferences struct {
	// RespondAsync is the respond-async preference (RFC 7240 §4.1).
	RespondAsync bool
	// Wait is the wait preference in seconds (RFC 7240 §4.3); HasWait
	// tells wait=0 from absent.
	Wait    int64
	HasWait bool
}

// maxWaitSeconds bounds the parsed wait value so that it converts to a
// time.Duration without overflow; Options.MaxWait clamps it much further.
const maxWaitSeconds = header.MaxDeltaSeconds

// ParsePrefer returns the respond-async and wait preferences of the Prefer
// fields of h, read by header.Preference: per RFC 7240 §2, preference names
// are case-insensitive, only the first instance of a preference counts,
// parameters after ";" are ignored here, and preferences that are unknown or
// malformed (a wait that is not delta-seconds) are ignored rather than
// rejected.
func ParsePrefer(h http.Header) Preferences {
	var p Preferences
	values := h.Values("Prefer")
	if v, hasValue, ok := header.Preference(values, "respond-async"); ok {
		p.RespondAsync = !hasValue || v == ""
	}
	if v, _, ok := header.Preference(values, "wait"); ok {
		if n, ok := header.ParseDeltaSeconds(v); ok {
			p.Wait, p.HasWait = n, true
		}
	}
	return p
}
