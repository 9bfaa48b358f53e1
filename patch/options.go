package patch

import (
	"log/slog"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/httperr"
)

// Default limits. Every numeric field of [Options] uses its default when
// zero and is disabled when negative (the project-wide Options rule).
const (
	// DefaultMaxPatchBytes bounds the patch document: 1 MiB.
	DefaultMaxPatchBytes = 1 << 20
	// DefaultMaxOperations bounds the operations of one JSON Patch.
	DefaultMaxOperations = 1000
	// DefaultMaxDepth bounds the nesting depth of JSON values: of the patch
	// document's values, of the target document and of the result.
	DefaultMaxDepth = 64
	// DefaultMaxCopyBytes bounds the bytes all "copy" operations of one JSON
	// Patch may add, counted in compact JSON: 1 MiB.
	DefaultMaxCopyBytes = 1 << 20
	// DefaultMaxRetries is how often [Handler] re-reads and re-applies after
	// losing a race on a request without preconditions.
	DefaultMaxRetries = 3
)

// Options configures a [Patcher], the [Handler] and the [Middleware]. The
// zero value is safe: both patch formats, the default limits, 200 with the
// new representation, preconditions optional, JSON error envelope.
type Options struct {
	// MaxPatchBytes is the largest patch document accepted, in bytes. The
	// handler reads the body through http.MaxBytesReader and answers 413.
	// Negative: no limit. Default [DefaultMaxPatchBytes].
	MaxPatchBytes int64

	// MaxOperations is the largest number of operations in a JSON Patch; a
	// longer patch is refused (422, "limit":"operations") after one scan of
	// its text, before any operation is decoded. Negative: no limit.
	// Default [DefaultMaxOperations].
	MaxOperations int

	// MaxDepth is the deepest nesting of arrays and objects allowed in the
	// patch's values, the target document and the result (422).
	// Negative: no limit. Default [DefaultMaxDepth].
	MaxDepth int

	// MaxCopyBytes is the total size of the values that the "copy"
	// operations of one JSON Patch may duplicate, which bounds the
	// amplification of a patch like 30 copies of the whole document into
	// itself (422). Negative: no limit, and a patch may then grow the
	// document exponentially. Default [DefaultMaxCopyBytes].
	MaxCopyBytes int64

	// Types lists the patch media types accepted, in the order Accept-Patch
	// names them; values other than [MergePatchType] and [JSONPatchType] are
	// ignored. Default: both, merge patch first.
	Types []string

	// Conditional configures the precondition check of [Handler]
	// (conditional.Check). Set Conditional.RequirePrecondition to answer 428
	// Precondition Required to a PATCH without If-Match or
	// If-Unmodified-Since (RFC 6585 §3), so that no client overwrites a
	// change it has not seen. A nil Conditional.ErrorWriter uses
	// ErrorWriter. Default: preconditions evaluated, not required.
	Conditional conditional.Options

	// NoContent makes [Handler] answer a successful PATCH with 204 and the
	// new validators instead of 200 with the new representation. A request
	// with "Prefer: return=minimal" or "return=representation" (RFC 7240
	// §4.2) overrides it. Default false.
	NoContent bool

	// MaxRetries is how often [Handler] reloads and re-applies the patch
	// when the store reports [ErrStale] for a request that carries no
	// precondition. Negative: never retry (409 at the first lost race).
	// Default [DefaultMaxRetries].
	MaxRetries int

	// ErrorWriter renders error responses. Default (nil) [httperr.JSON].
	ErrorWriter httperr.Writer

	// Logger receives errors from LoadFunc and StoreFunc that become 500
	// responses. Default (nil) silent.
	Logger *slog.Logger
}

// limit resolves a configured limit: zero means def, negative means none.
func limit[T int | int64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
