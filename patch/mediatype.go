package patch

import (
	"mime"
	"strings"
)

// The patch media types this package applies.
const (
	// MergePatchType is JSON Merge Patch (RFC 7396 §4).
	MergePatchType = "application/merge-patch+json"
	// JSONPatchType is JSON Patch (RFC 6902 §6).
	JSONPatchType = "application/json-patch+json"
)

// format is a supported patch format.
type format uint8

const (
	formatNone format = iota
	formatMerge
	formatJSONPatch
)

// parseFormat maps a Content-Type value to a format, ignoring parameters
// such as charset=utf-8 and letter case (RFC 9110 §8.3.1). Plain
// application/json is not a patch format (RFC 5789 erratum 3169).
func parseFormat(mediaType string) format {
	// Fast path: the exact spellings clients send, without allocating.
	switch mediaType {
	case MergePatchType:
		return formatMerge
	case JSONPatchType:
		return formatJSONPatch
	}
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		// A malformed parameter list still names a type; look at it alone so
		// "application/json-patch+json;" is not refused for a stray ';'.
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	}
	switch mt {
	case MergePatchType:
		return formatMerge
	case JSONPatchType:
		return formatJSONPatch
	}
	return formatNone
}
