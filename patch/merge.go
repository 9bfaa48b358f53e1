package patch

// MergePatch applies the JSON Merge Patch p (RFC 7396) to doc and returns
// the new, compact document; doc is never modified. See [Patcher.Apply].
//
// It implements the algorithm of RFC 7396 §2 on the tree JSON Patch uses
// (untouched values keep their bytes; a member is found in O(1) in wide
// objects, so the work is linear in the sizes of doc and p) instead of
// calling evanphx/json-patch's MergePatch, which orders new members by Go
// map iteration (the same patch gives different bytes, hence different
// ETags), removes nulls inside arrays' objects although arrays are values
// (RFC 7396 §2: a non-object patch replaces the target as is), and refuses a
// null target. Members keep the target's order; new ones follow in the
// patch's order.
func (pt *Patcher) MergePatch(doc, p []byte) ([]byte, error) {
	if err := pt.checkPatch(p, 0, 0); err != nil {
		return nil, err
	}
	p, _ = compact(p) // valid: checked above
	doc, ok := compact(doc)
	if !ok {
		return nil, ErrInvalidDocument
	}
	if err := pt.depthError(depth(doc)); err != nil {
		return nil, err
	}
	root := mergeNode(leaf(doc), p)
	out := root.appendTo(make([]byte, 0, root.size()))
	// Merging keeps the depth of either input at every position, except
	// that a patch value lands under target members: measure only when the
	// sum could pass the limit.
	if pt.maxDepth > 0 && depth(doc)+depth(p) > pt.maxDepth {
		if err := pt.depthError(depth(out)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeNode returns MergePatch(target, patch) (RFC 7396 §2); target is nil
// when the member is absent, patch is compact, valid JSON.
func mergeNode(target *node, patch []byte) *node {
	if kindAt(patch, 0) != '{' {
		return leaf(patch)
	}
	if target == nil || target.kind != '{' {
		target = &node{kind: '{', obj: &object{}} // an expanded, empty object
	}
	target.expand()
	for _, it := range items(patch, 0) {
		key, val := patch[it.start:it.keyEnd], patch[it.valStart:it.end]
		name := decodeKey(key)
		i := target.find(name)
		if kindAt(val, 0) == 'n' { // null removes the member
			// Every member of that name: in a target that repeats it, an
			// earlier one would otherwise take the removed one's place, and
			// the same patch applied again would remove it too (RFC 7396
			// §2's merge is idempotent).
			for ; i >= 0; i = target.find(name) {
				target.removeMember(i, name)
			}
			continue
		}
		var cur *node
		if i >= 0 {
			cur = target.obj.fields[i].val
		}
		merged := mergeNode(cur, val)
		if i >= 0 {
			target.obj.fields[i].val = merged
		} else {
			target.addField(key, name, merged)
		}
	}
	return target
}
