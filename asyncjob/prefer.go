package asyncjob

import (
	"net/http"
	"strings"

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
// fields of h. Per RFC 7240 §2, preference names are case-insensitive, only
// the first instance of a preference counts, parameters after ";" are
// ignored here, and preferences that are unknown or malformed (a wait that
// is not delta-seconds) are ignored rather than rejected.
func ParsePrefer(h http.Header) Preferences {
	var p Preferences
	seenAsync, seenWait := false, false
	header.Elements(h.Values("Prefer"), func(elem string) bool {
		pref, _, _ := strings.Cut(elem, ";")
		name, value, hasValue := strings.Cut(pref, "=")
		name, value = header.TrimOWS(name), header.TrimOWS(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		switch {
		case header.EqualFold(name, "respond-async"):
			if !seenAsync {
				seenAsync = true
				p.RespondAsync = !hasValue || value == ""
			}
		case header.EqualFold(name, "wait"):
			if !seenWait {
				seenWait = true
				if n, ok := header.ParseDeltaSeconds(value); ok {
					p.Wait, p.HasWait = n, true
				}
			}
		}
		return !(seenAsync && seenWait)
	})
	return p
}
