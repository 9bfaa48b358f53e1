package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// Patcher applies patch documents within fixed limits. Build it once with
// [NewPatcher]; it is immutable and safe for concurrent use.
type Patcher struct {
	maxPatch    int64
	maxOps      int
	maxDepth    int
	maxCopy     int64
	merge, jp   bool
	acceptPatch string
	evanphx     *jsonpatch.ApplyOptions
}

// NewPatcher returns a Patcher for opts. Zero limits take their defaults and
// negative ones are disabled (see [Options]).
func NewPatcher(opts Options) *Patcher {
	p := &Patcher{
		maxPatch: limit(opts.MaxPatchBytes, DefaultMaxPatchBytes),
		maxOps:   limit(opts.MaxOperations, DefaultMaxOperations),
		maxDepth: limit(opts.MaxDepth, DefaultMaxDepth),
		maxCopy:  limit(opts.MaxCopyBytes, DefaultMaxCopyBytes),
	}
	var names []string
	for _, t := range opts.Types {
		switch f := parseFormat(t); {
		case f == formatMerge && !p.merge:
			p.merge = true
			names = append(names, MergePatchType)
		case f == formatJSONPatch && !p.jp:
			p.jp = true
			names = append(names, JSONPatchType)
		}
	}
	if len(names) == 0 {
		p.merge, p.jp = true, true
		names = []string{MergePatchType, JSONPatchType}
	}
	p.acceptPatch = strings.Join(names, ", ")
	p.evanphx = &jsonpatch.ApplyOptions{
		// RFC 6901 §4: "-1" is not an index; the library's default (true)
		// would count from the end.
		SupportNegativeIndices: false,
		// Defence in depth: the wrapper counts copies itself too.
		AccumulatedCopySizeLimit: p.maxCopy,
		// RFC 6902 §4.2: removing a missing target is an error.
		AllowMissingPathOnRemove: false,
		// RFC 6902 §4.1 and A.12: the parent of an added value must exist.
		EnsurePathExistsOnAdd: false,
		// Untouched strings keep their bytes: "<" must not become "\u003c".
		EscapeHTML: false,
	}
	return p
}

// AcceptPatch returns the Accept-Patch field value (RFC 5789 §3.1) for the
// formats this Patcher accepts, e.g.
// "application/merge-patch+json, application/json-patch+json".
func (pt *Patcher) AcceptPatch() string { return pt.acceptPatch }

// Apply applies the patch document p of the given media type to the JSON
// document doc and returns the new document; doc is never modified. The
// media type's parameters (charset=utf-8, ...) are ignored. A JSON Patch is
// atomic: on any error no result is returned.
//
// Errors match [ErrMalformed], [ErrConflict], [ErrLimit],
// [ErrUnsupportedType] or [ErrInvalidDocument] with errors.Is; [Status]
// gives their HTTP status.
func (pt *Patcher) Apply(mediaType string, doc, p []byte) ([]byte, error) {
	switch f := parseFormat(mediaType); {
	case f == formatMerge && pt.merge:
		return pt.MergePatch(doc, p)
	case f == formatJSONPatch && pt.jp:
		return pt.JSONPatch(doc, p)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedType, mediaType)
}

// Apply applies patch p of mediaType to doc with the default [Options]; see
// [Patcher.Apply]. Callers that apply many patches should keep a [Patcher].
func Apply(mediaType string, doc, p []byte) ([]byte, error) {
	return NewPatcher(Options{}).Apply(mediaType, doc, p)
}

// checkPatch enforces the size, syntax and depth rules shared by both
// formats. extra is the depth the format adds around values (2 for a JSON
// Patch: the array and the operation object).
func (pt *Patcher) checkPatch(p []byte, extra int) error {
	if pt.maxPatch > 0 && int64(len(p)) > pt.maxPatch {
		return &LimitError{Limit: LimitPatchBytes, Max: pt.maxPatch}
	}
	d, utf8ok := scanText(p)
	if pt.maxDepth > 0 && d > pt.maxDepth+extra {
		return &LimitError{Limit: LimitDepth, Max: int64(pt.maxDepth)}
	}
	// RFC 8259 §8.1: JSON text is UTF-8. json.Valid does not check it, and
	// decoders silently turn invalid bytes into U+FFFD.
	if !utf8ok || !json.Valid(p) {
		return &OpError{Index: -1, Reason: "the patch is not valid JSON", Err: ErrMalformed}
	}
	if !uniqueNames(p) {
		return &OpError{Index: -1, Reason: "an object in the patch repeats a member name", Err: ErrMalformed}
	}
	return nil
}

// compact removes insignificant whitespace from valid JSON text. Numbers,
// strings and member order are kept byte for byte.
func compact(b []byte) ([]byte, bool) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	if !utf8.Valid(b) || json.Compact(&buf, b) != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

func (pt *Patcher) depthError(d int) error {
	if pt.maxDepth > 0 && d > pt.maxDepth {
		return &LimitError{Limit: LimitDepth, Max: int64(pt.maxDepth)}
	}
	return nil
}

// JSONPatch applies the JSON Patch p (RFC 6902) to doc. See [Patcher.Apply].
// The result is compact JSON.
func (pt *Patcher) JSONPatch(doc, p []byte) ([]byte, error) {
	if err := pt.checkPatch(p, 2); err != nil {
		return nil, err
	}
	var buf [8]operation
	ops, fast, err := parseOps(p, pt.maxOps, buf[:0])
	if err != nil {
		return nil, err
	}
	docDepth, utf8ok := scanText(doc)
	if !utf8ok {
		return nil, ErrInvalidDocument
	}
	if err := pt.depthError(docDepth); err != nil {
		return nil, err
	}
	// An upper bound of the result's depth; only when it passes the limit is
	// the result itself measured.
	bound := docDepth
	for i := range ops {
		op := &ops[i]
		b := 0
		switch op.kind {
		case opAdd, opReplace:
			b = tokens(op.pathRaw) + depth(op.value)
		case opMove, opCopy:
			b = tokens(op.pathRaw) + bound - tokens(op.fromRaw)
		}
		bound = max(bound, b)
	}
	var out []byte
	k := kindAt(doc, skipWS(doc, 0))
	if fast && (k == '{' || k == '[') {
		out, err = pt.viaEvanphx(doc, p, ops)
	}
	if !fast || errors.Is(err, errLibrary) || !(k == '{' || k == '[') {
		// The library cannot apply this patch as RFC 6902 says, or it failed
		// or panicked: the package's own evaluator decides, and names the
		// failing operation.
		out, err = pt.reference(doc, p)
	}
	if err == nil && bound > pt.maxDepth && pt.maxDepth > 0 {
		err = pt.depthError(depth(out))
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reference applies p with the package's own RFC 6902 evaluator, on
// compacted text so that the size counted for copies is the size the
// library counts.
func (pt *Patcher) reference(doc, p []byte) ([]byte, error) {
	doc, ok := compact(doc)
	if !ok {
		return nil, ErrInvalidDocument
	}
	p, _ = compact(p) // checked by checkPatch
	ops, _, err := parseOps(p, pt.maxOps, nil)
	if err != nil {
		return nil, err
	}
	return applyOps(doc, ops, pt.maxCopy)
}

// errLibrary marks a failure of evanphx/json-patch that the reference
// evaluator must re-examine.
var errLibrary = errors.New("patch: json-patch library error")

// viaEvanphx hands the patch's changes to evanphx/json-patch in one
// ApplyWithOptions call and evaluates the leading "test" operations itself,
// on the original document (parseOps allows tests only before the first
// change on this path). The tests run after the library, which has then
// validated the document; the patch stays atomic because the library's
// result is dropped when a test fails.
func (pt *Patcher) viaEvanphx(doc, p []byte, ops []operation) ([]byte, error) {
	first := 0
	for first < len(ops) && ops[first].kind == opTest {
		first++
	}
	var (
		out []byte
		err error
	)
	if first == len(ops) {
		var ok bool
		if out, ok = compact(doc); !ok {
			return nil, ErrInvalidDocument
		}
	} else {
		out, err = pt.callEvanphx(doc, p, first)
		if errors.Is(err, ErrInvalidDocument) || errors.Is(err, errLibrary) {
			return nil, err
		}
	}
	// A failed test comes first: it precedes the operation that exceeded a
	// limit (RFC 6902 §5: evaluation stops at the first error).
	if _, terr := applyOps(doc, ops[:first], 0); terr != nil {
		return nil, terr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// callEvanphx applies the operations of p from index first on with the
// library, turning its errors and panics into this package's.
func (pt *Patcher) callEvanphx(doc, p []byte, first int) (out []byte, err error) {
	defer func() {
		// evanphx/json-patch v5 panics on inputs such as a "test" of
		// [null] and on Equal([null],[null]); no input may crash the
		// process.
		if r := recover(); r != nil {
			out, err = nil, errLibrary
		}
	}()
	decoded, err := jsonpatch.DecodePatch(p)
	if err == nil {
		out, err = decoded[first:].ApplyWithOptions(doc, pt.evanphx)
	}
	if err == nil {
		return out, nil
	}
	var ce *jsonpatch.AccumulatedCopySizeError
	switch {
	case errors.As(err, &ce):
		return nil, &LimitError{Limit: LimitCopyBytes, Max: pt.maxCopy}
	case !json.Valid(doc):
		return nil, ErrInvalidDocument
	}
	return nil, errLibrary
}
