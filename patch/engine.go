package patch

// This file is the RFC 6902 evaluator: every JSON Patch is applied here, on
// a tree of lazy nodes (tree.go), and the result is written out once.
// An operation costs the length of its path plus the size of its value;
// a "copy" costs the size of the copied value, which MaxCopyBytes bounds.

// applyTree applies ops to the compact, valid JSON text doc and returns the
// compact result. copyLimit <= 0 means no limit.
func applyTree(doc []byte, ops []operation, copyLimit int64) ([]byte, error) {
	root := leaf(doc)
	var copied int64
	for i := range ops {
		op := &ops[i]
		op.resolve()
		var why lookupErr
		switch op.kind {
		case opAdd:
			why = addNode(&root, op.pathTok, leaf(op.value))
		case opRemove:
			_, why = removeNode(root, op.pathTok)
		case opReplace:
			why = replaceNode(&root, op.pathTok, leaf(op.value))
		case opTest:
			var n *node
			if n, why = root.get(op.pathTok); why == lookupOK && !n.equalTo(op.value) {
				return nil, conflict(i, op, "test failed: the value differs")
			}
		case opMove, opCopy:
			from, w := root.get(op.fromTok)
			if w != lookupOK {
				return nil, conflict(i, op, `"from": `+w.String())
			}
			if op.kind == opCopy {
				copied += from.size()
				if copyLimit > 0 && copied > copyLimit {
					return nil, &LimitError{Limit: LimitCopyBytes, Max: copyLimit}
				}
				why = addNode(&root, op.pathTok, from.clone())
				break
			}
			if equalTokens(op.fromTok, op.pathTok) {
				break // RFC 6902 §4.4: moving a value onto itself changes nothing
			}
			// The removal comes first, so "path" is resolved in the document
			// without the moved value (RFC 6902 §4.4: functionally identical
			// to a "remove" followed by an "add").
			if from, why = removeNode(root, op.fromTok); why == lookupOK {
				why = addNode(&root, op.pathTok, from)
			}
		}
		if why != lookupOK {
			return nil, conflict(i, op, why.String())
		}
	}
	return root.appendTo(make([]byte, 0, root.size())), nil
}

func conflict(i int, op *operation, reason string) error {
	return &OpError{Index: i, Op: op.kind.String(), Path: op.path(), Reason: reason, Err: ErrConflict}
}

func equalTokens(a, b []string) bool {
	return len(a) == len(b) && hasPrefix(a, b)
}

// addNode implements RFC 6902 §4.1.
func addNode(root **node, toks []string, v *node) lookupErr {
	if len(toks) == 0 {
		*root = v // replaces the whole document
		return lookupOK
	}
	parent, why := (*root).get(toks[:len(toks)-1])
	if why != lookupOK {
		return why
	}
	key := toks[len(toks)-1]
	parent.expand()
	switch parent.kind {
	case '{':
		parent.setMember(key, v) // an existing member is replaced
		return lookupOK
	case '[':
		// RFC 6902 §4.1: an index greater than the array size is an error.
		i, why := parent.arrayPos(key, true)
		if why == lookupOK {
			parent.elems = insert(parent.elems, i, v)
		}
		return why
	}
	return lookupScalar
}

func insert(s []*node, i int, v *node) []*node {
	s = append(s, nil)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

// removeNode implements RFC 6902 §4.2 and returns the removed value. The
// root cannot be removed: no document would remain to store.
func removeNode(root *node, toks []string) (*node, lookupErr) {
	if len(toks) == 0 {
		return nil, lookupMissing
	}
	parent, why := root.get(toks[:len(toks)-1])
	if why != lookupOK {
		return nil, why
	}
	key := toks[len(toks)-1]
	parent.expand()
	switch parent.kind {
	case '{':
		i := parent.find(key)
		if i < 0 {
			return nil, lookupMissing
		}
		return parent.removeMember(i, key), lookupOK
	case '[':
		i, why := parent.arrayPos(key, false)
		if why != lookupOK {
			return nil, why
		}
		v := parent.elems[i]
		parent.elems = append(parent.elems[:i], parent.elems[i+1:]...)
		return v, lookupOK
	}
	return nil, lookupScalar
}

// replaceNode implements RFC 6902 §4.3: the target must exist.
func replaceNode(root **node, toks []string, v *node) lookupErr {
	if len(toks) == 0 {
		*root = v
		return lookupOK
	}
	parent, why := (*root).get(toks[:len(toks)-1])
	if why != lookupOK {
		return why
	}
	key := toks[len(toks)-1]
	parent.expand()
	switch parent.kind {
	case '{':
		i := parent.find(key)
		if i < 0 {
			return lookupMissing
		}
		parent.obj.fields[i].val = v
		return lookupOK
	case '[':
		i, why := parent.arrayPos(key, false)
		if why == lookupOK {
			parent.elems[i] = v
		}
		return why
	}
	return lookupScalar
}
