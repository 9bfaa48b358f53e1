package patch

// MergePatch applies the JSON Merge Patch p (RFC 7396) to doc and returns
// the new, compact document; doc is never modified. See [Patcher.Apply].
//
// It implements the algorithm of RFC 7396 §2 on the raw text instead of
// calling evanphx/json-patch's MergePatch, which orders new members by Go
// map iteration (the same patch gives different bytes, hence different
// ETags), removes nulls inside arrays' objects although arrays are values
// (RFC 7396 §2: a non-object patch replaces the target as is), and refuses a
// null target. Members keep the target's order; new ones follow in the
// patch's order.
func (pt *Patcher) MergePatch(doc, p []byte) ([]byte, error) {
	if err := pt.checkPatch(p, 0); err != nil {
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
	out := mergeValue(make([]byte, 0, len(doc)+len(p)), doc, p)
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

// member is one member of the object being built: its raw name and value.
type member struct {
	name, value []byte
}

// mergeValue appends MergePatch(target, patch) (RFC 7396 §2) to dst.
// target is nil when the member is absent. Both are compact, valid JSON.
func mergeValue(dst, target, patch []byte) []byte {
	if kindAt(patch, 0) != '{' {
		return append(dst, patch...)
	}
	var ms []member
	if kindAt(target, 0) == '{' {
		for _, it := range items(target, 0) {
			ms = append(ms, member{target[it.start:it.keyEnd], target[it.valStart:it.end]})
		}
	}
	for _, it := range items(patch, 0) {
		name, val := patch[it.start:it.keyEnd], patch[it.valStart:it.end]
		key := decodeKey(name)
		found := -1
		for n := range ms {
			if keyIs(ms[n].name, key) {
				if found < 0 {
					found = n
				} else {
					// A repeated name in the target: keep only the last,
					// which is the one every reader sees (encoding/json).
					ms[found].name = nil
					found = n
				}
			}
		}
		if kindAt(val, 0) == 'n' { // null removes the member
			if found >= 0 {
				ms[found].name = nil
			}
			continue
		}
		var cur []byte
		if found >= 0 {
			cur = ms[found].value
		}
		merged := val
		if kindAt(val, 0) == '{' {
			merged = mergeValue(nil, cur, val)
		}
		if found >= 0 {
			ms[found].value = merged
		} else {
			ms = append(ms, member{name, merged})
		}
	}
	dst = append(dst, '{')
	first := true
	for _, m := range ms {
		if m.name == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.name...)
		dst = append(dst, ':')
		dst = append(dst, m.value...)
	}
	return append(dst, '}')
}
