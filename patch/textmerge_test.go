package patch

// mergeValue is the package's former merge patch evaluator on raw text,
// quadratic in the width of objects; FuzzMergePatch keeps it as the oracle
// of the tree merge (merge.go).

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
