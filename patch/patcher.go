package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
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

// checkPatch enforces the size, syntax, depth and I-JSON rules shared by
// both formats. extra is the depth the format adds around values (2 for a
// JSON Patch: the array and the operation object). maxOps >= 0 also bounds
// the number of operations of a JSON Patch, counted right after the syntax
// check, before names are compared or anything is decoded.
func (pt *Patcher) checkPatch(p []byte, extra, maxOps int) error {
	if pt.maxPatch > 0 && int64(len(p)) > pt.maxPatch {
		return &LimitError{Limit: LimitPatchBytes, Max: pt.maxPatch}
	}
	if err := checkText(p, "the patch"); err != nil {
		return err
	}
	if maxOps > 0 && countOps(p) > maxOps {
		return &LimitError{Limit: LimitOperations, Max: int64(maxOps)}
	}
	if pt.maxDepth > 0 && depth(p) > pt.maxDepth+extra {
		return &LimitError{Limit: LimitDepth, Max: int64(pt.maxDepth)}
	}
	return checkNames(p, "the patch")
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
//
// The work is linear in len(doc) + len(p) plus, per operation, the length
// of its path and the size of the values it copies (bounded by
// MaxCopyBytes): never the size of the document times the number of
// operations. A patch over MaxOperations is refused after one scan of its
// text, before any operation is decoded or the document read.
func (pt *Patcher) JSONPatch(doc, p []byte) ([]byte, error) {
	if err := pt.checkPatch(p, 2, pt.maxOps); err != nil {
		return nil, err
	}
	p, _ = compact(p) // valid: checked above; values are inserted as they are
	var buf [8]operation
	ops, err := parseOps(p, pt.maxOps, buf[:0])
	if err != nil {
		return nil, err
	}
	doc, ok := compact(doc)
	if !ok {
		return nil, ErrInvalidDocument
	}
	docDepth := depth(doc)
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
	out, err := applyTree(doc, ops, pt.maxCopy)
	if err == nil && bound > pt.maxDepth && pt.maxDepth > 0 {
		err = pt.depthError(depth(out))
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
