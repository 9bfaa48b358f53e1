package patch

// This file is the package's former RFC 6902 evaluator, which edits the raw
// document text and so pays the document's size for every operation. It is
// kept as an independent oracle: the tree evaluator (engine.go) must give
// the same bytes on the conformance suite and under fuzzing.

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

// lookup resolves toks in the JSON text doc and returns the bounds of the
// value it points to.
func lookup(doc []byte, toks []string) (start, end int, e lookupErr) {
	start = skipWS(doc, 0)
	end = valueEnd(doc, start)
	for _, tok := range toks {
		start, end, e = child(doc, start, tok)
		if e != lookupOK {
			return 0, 0, e
		}
	}
	return start, end, lookupOK
}

// child resolves one token in the container that starts at doc[at].
func child(doc []byte, at int, tok string) (start, end int, e lookupErr) {
	switch kindAt(doc, at) {
	case '{':
		// Names are unique (patches that repeat one are refused, see
		// uniqueNames), so the first match is the member.
		for i := at + 1; ; {
			it, next, ok := nextItem(doc, i, true)
			if !ok {
				return 0, 0, lookupMissing
			}
			if keyIs(doc[it.start:it.keyEnd], tok) {
				return it.valStart, it.end, lookupOK
			}
			i = next
		}
	case '[':
		idx, ok := arrayIndex(tok)
		if !ok {
			if tok == "-" {
				return 0, 0, lookupMissing
			}
			return 0, 0, lookupBadIndex
		}
		n := 0
		for i := at + 1; ; n++ {
			it, next, ok := nextItem(doc, i, false)
			if !ok {
				return 0, 0, lookupMissing
			}
			if n == idx {
				return it.valStart, it.end, lookupOK
			}
			i = next
		}
	default:
		return 0, 0, lookupScalar
	}
}

// reference applies p with the text evaluator, on compacted text so that
// the size counted for copies is the size the tree evaluator counts.
func (pt *Patcher) reference(doc, p []byte) ([]byte, error) {
	doc, ok := compact(doc)
	if !ok {
		return nil, ErrInvalidDocument
	}
	p, _ = compact(p) // checked by checkPatch
	ops, err := parseOps(p, pt.maxOps, nil)
	if err != nil {
		return nil, err
	}
	return applyOps(doc, ops, pt.maxCopy)
}
