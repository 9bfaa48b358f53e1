package conditional

import (
	"time"

	"github.com/httpsem/httpsem/internal/header"
)

// HTTP-date parsing lives in internal/header, its one home, shared with the
// client packages (Retry-After, Date, Expires); these names keep the call
// sites of this package short.

func parseHTTPDate(s string, now time.Time) (int64, bool) { return header.ParseHTTPDate(s, now) }

func formatHTTPDate(sec int64) string { return header.FormatHTTPDate(sec) }
