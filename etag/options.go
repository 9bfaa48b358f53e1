package etag

import (
	"net/http"

	"github.com/httpsem/httpsem/httperr"
)

// DefaultMaxBuffer is the default [Options.MaxBuffer]: 1 MiB.
const DefaultMaxBuffer = 1 << 20

// Options configure [Middleware]. The zero Options are the safe default:
// bodies up to [DefaultMaxBuffer] are buffered and tagged, no request is
// skipped, no variant suffix is recognised, and errors are written as the
// JSON envelope of [httperr.JSON].
type Options struct {
	// MaxBuffer is the largest body, in bytes, that is held in memory to be
	// tagged. A longer body streams to the client as the handler writes it,
	// without an ETag or a computed Content-Length, and without holding more
	// than MaxBuffer bytes. Default (zero) [DefaultMaxBuffer]. Negative
	// means no buffer: every body streams untagged, and only an ETag the
	// handler sets itself is evaluated (the project's Options rule: zero is
	// the default, negative is none).
	MaxBuffer int

	// SkipFunc, when it reports true, passes the request to the handler
	// untouched: no buffering, no tag, no 304. Default nil: skip nothing.
	SkipFunc func(r *http.Request) bool

	// VariantSuffixes lists suffixes that a middleware wrapped around this
	// one appends inside the quotes of the ETag it sets, to tell encoded
	// variants apart: with gzhttp.SuffixETag("-gzip") use
	// []string{"-gzip", "-zstd"} (gzhttp turns "gzip" into "zstd" for zstd
	// responses). A member of If-None-Match that is the current tag plus one
	// of these suffixes then revalidates too, and the 304 carries that member,
	// so the client's cache updates the variant it holds. The slice is copied.
	// Default nil: none.
	VariantSuffixes []string

	// ErrorWriter renders the 412 Precondition Failed that a GET or HEAD
	// gets when its If-Match fails against the tag (RFC 9110 §13.2.2 step 1).
	// Default nil: [httperr.JSON].
	ErrorWriter httperr.Writer
}
