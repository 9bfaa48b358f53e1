package patch

import "unicode/utf8"

// This file is the RFC 6902 evaluator used for the patches evanphx/json-patch
// gets wrong (see fastPointer and doc.go) and to name the failing operation
// when the library reports an error. It edits the raw document text: values
// outside the addressed locations keep their bytes.

// applyOps applies ops to the valid JSON text doc, one after the other.
// copyLimit <= 0 means no limit.
func applyOps(doc []byte, ops []operation, copyLimit int64) ([]byte, error) {
	var copied int64
	for i := range ops {
		op := &ops[i]
		op.resolve()
		var (
			out []byte
			why lookupErr
		)
		switch op.kind {
		case opAdd:
			out, why = add(doc, op.pathTok, op.value)
		case opRemove:
			out, why = remove(doc, op.pathTok)
		case opReplace:
			out, why = replace(doc, op.pathTok, op.value)
		case opTest:
			s, e, w := lookup(doc, op.pathTok)
			why, out = w, doc
			if w == lookupOK && !equal(doc[s:e], op.value) {
				return nil, conflict(i, op, "test failed: the value differs")
			}
		case opMove, opCopy:
			s, e, w := lookup(doc, op.fromTok)
			if w != lookupOK {
				return nil, conflict(i, op, `"from": `+w.String())
			}
			val := doc[s:e]
			if op.kind == opCopy {
				copied += int64(len(val))
				if copyLimit > 0 && copied > copyLimit {
					return nil, &LimitError{Limit: LimitCopyBytes, Max: copyLimit}
				}
				out, why = add(doc, op.pathTok, val)
				break
			}
			if equalTokens(op.fromTok, op.pathTok) {
				out = doc // RFC 6902 §4.4: moving a value onto itself changes nothing
				break
			}
			val = append([]byte(nil), val...)
			// The removal comes first, so "path" is resolved in the document
			// without the moved value (RFC 6902 §4.4: functionally identical
			// to a "remove" followed by an "add").
			if out, why = remove(doc, op.fromTok); why == lookupOK {
				out, why = add(out, op.pathTok, val)
			}
		}
		if why != lookupOK {
			return nil, conflict(i, op, why.String())
		}
		doc = out
	}
	return doc, nil
}

func conflict(i int, op *operation, reason string) error {
	return &OpError{Index: i, Op: op.kind.String(), Path: op.path(), Reason: reason, Err: ErrConflict}
}

func equalTokens(a, b []string) bool {
	return len(a) == len(b) && hasPrefix(a, b)
}

// splice returns doc with doc[s:e] replaced by ins, in a new slice.
func splice(doc []byte, s, e int, ins ...[]byte) []byte {
	n := len(doc) - (e - s)
	for _, b := range ins {
		n += len(b)
	}
	out := make([]byte, 0, n)
	out = append(out, doc[:s]...)
	for _, b := range ins {
		out = append(out, b...)
	}
	return append(out, doc[e:]...)
}

var comma = []byte{','}

// add implements RFC 6902 §4.1.
func add(doc []byte, toks []string, val []byte) ([]byte, lookupErr) {
	if len(toks) == 0 {
		return append([]byte(nil), val...), lookupOK // replaces the whole document
	}
	ps, pe, why := lookup(doc, toks[:len(toks)-1])
	if why != lookupOK {
		return nil, why
	}
	key := toks[len(toks)-1]
	switch kindAt(doc, ps) {
	case '{':
		var last *item
		its := items(doc, ps)
		for k := range its {
			if keyIs(doc[its[k].start:its[k].keyEnd], key) {
				last = &its[k]
			}
		}
		if last != nil { // an existing member is replaced
			return splice(doc, last.valStart, last.end, val), lookupOK
		}
		name := appendString(nil, key)
		name = append(name, ':')
		if len(its) == 0 {
			return splice(doc, pe-1, pe-1, name, val), lookupOK
		}
		return splice(doc, pe-1, pe-1, comma, name, val), lookupOK
	case '[':
		its := items(doc, ps)
		idx := len(its)
		if key != "-" {
			var ok bool
			if idx, ok = arrayIndex(key); !ok {
				return nil, lookupBadIndex
			}
		}
		switch {
		case idx > len(its):
			return nil, lookupMissing // RFC 6902 §4.1: index greater than the array size
		case idx == len(its) && idx == 0:
			return splice(doc, pe-1, pe-1, val), lookupOK
		case idx == len(its):
			return splice(doc, its[idx-1].end, its[idx-1].end, comma, val), lookupOK
		}
		at := its[idx].start
		return splice(doc, at, at, val, comma), lookupOK
	}
	return nil, lookupScalar
}

// remove implements RFC 6902 §4.2. The root cannot be removed: no document
// would remain to store.
func remove(doc []byte, toks []string) ([]byte, lookupErr) {
	if len(toks) == 0 {
		return nil, lookupMissing
	}
	ps, _, why := lookup(doc, toks[:len(toks)-1])
	if why != lookupOK {
		return nil, why
	}
	key := toks[len(toks)-1]
	its := items(doc, ps)
	k := -1
	switch kindAt(doc, ps) {
	case '{':
		for n := range its {
			if keyIs(doc[its[n].start:its[n].keyEnd], key) {
				k = n
			}
		}
	case '[':
		idx, ok := arrayIndex(key)
		if !ok && key != "-" {
			return nil, lookupBadIndex
		}
		if ok && idx < len(its) {
			k = idx
		}
	default:
		return nil, lookupScalar
	}
	switch {
	case k < 0:
		return nil, lookupMissing
	case len(its) == 1:
		return splice(doc, its[k].start, its[k].end), lookupOK
	case k < len(its)-1:
		return splice(doc, its[k].start, its[k+1].start), lookupOK
	}
	return splice(doc, its[k-1].end, its[k].end), lookupOK
}

// replace implements RFC 6902 §4.3: the target must exist.
func replace(doc []byte, toks []string, val []byte) ([]byte, lookupErr) {
	if len(toks) == 0 {
		return append([]byte(nil), val...), lookupOK
	}
	s, e, why := lookup(doc, toks)
	if why != lookupOK {
		return nil, why
	}
	return splice(doc, s, e, val), lookupOK
}

// appendString appends s as a JSON string, escaped the way
// evanphx/json-patch writes member names with EscapeHTML off ("\n", "\r",
// "\t", other controls as \u00XX, U+2028 and U+2029 escaped), so that both
// evaluation paths produce the same bytes. s is valid UTF-8: it comes from
// a decoded JSON Pointer.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', byte(c))
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xf])
		default:
			dst = utf8.AppendRune(dst, c)
		}
	}
	return append(dst, '"')
}
