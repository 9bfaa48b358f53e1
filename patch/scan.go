package patch

import "bytes"

// The functions in this file walk raw JSON text without decoding it, so that
// values the patch does not touch keep their exact bytes (RFC 6902 does not
// allow a patch to change what it does not address, and 12345678901234567890
// or 1.0 must not be rewritten by a float64 round trip). They assume input
// that json.Valid accepted, but stay in bounds on any input.

// skipWS returns the index of the first non-whitespace byte at or after i
// (RFC 8259 §2: ws = space, horizontal tab, line feed, carriage return).
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string that starts at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	// A byte loop beats bytes.IndexByte here: JSON strings are mostly a few
	// bytes long, and the call overhead per string dominated the profile.
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // the escaped byte cannot end the string
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default:
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return i
	}
}

// depth returns the nesting depth of the JSON text b: 0 for a scalar, 1 for
// [] or {}, 2 for [[]] and so on. The work is one pass over b.
func depth(b []byte) int {
	d, maxd := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i) - 1
		case '{', '[':
			d++
			if d > maxd {
				maxd = d
			}
		case '}', ']':
			d--
		}
	}
	return maxd
}

// item is one member of an object (key and value) or one element of an array
// (value only; key bounds are then equal to the value start).
type item struct {
	start, keyEnd int // start is the key's opening quote for members
	valStart, end int
}

// nextItem reads the item that starts at or after i inside a container whose
// opening bracket has been consumed. ok is false at the closing bracket.
// next is the index after the separating comma (or at the closing bracket).
func nextItem(b []byte, i int, object bool) (it item, next int, ok bool) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] == '}' || b[i] == ']' {
		return item{}, i, false
	}
	it.start = i
	if object {
		i = stringEnd(b, i)
		it.keyEnd = i
		i = skipWS(b, i)
		if i < len(b) && b[i] == ':' {
			i++
		}
		i = skipWS(b, i)
	} else {
		it.keyEnd = i
	}
	it.valStart = i
	i = valueEnd(b, i)
	if i <= it.valStart { // never loop on garbage
		i = it.valStart + 1
	}
	it.end = i
	i = skipWS(b, i)
	if i < len(b) && b[i] == ',' {
		i++
	}
	return it, i, true
}

// isObject and isArray report the kind of the value that starts at b[i].
func kindAt(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// smallObject is how many member names uniqueNames compares pairwise before
// it switches to a map, keeping hostile objects with many members linear.
const smallObject = 16

// uniqueNames reports whether no object in the JSON text b, which json.Valid
// accepted, repeats a member name (compared after unescaping). RFC 8259 §4
// leaves the meaning of repeated names unpredictable and I-JSON (RFC 7493
// §2.3) forbids them; evanphx/json-patch turns them into duplicated or null
// members. The work is one pass over b.
func uniqueNames(b []byte) bool {
	_, ok := uniqueAt(b, skipWS(b, 0))
	return ok
}

func uniqueAt(b []byte, i int) (int, bool) {
	switch kindAt(b, i) {
	case '{':
		var small [smallObject][]byte
		names := small[:0]
		var big map[string]struct{}
		for i = skipWS(b, i+1); i < len(b) && b[i] != '}'; {
			ke := stringEnd(b, i)
			name := b[i:ke]
			switch {
			case big != nil:
				key := decodeKey(name)
				if _, dup := big[key]; dup {
					return 0, false
				}
				big[key] = struct{}{}
			default:
				for _, n := range names {
					if sameName(n, name) {
						return 0, false
					}
				}
				names = append(names, name)
				if len(names) == smallObject {
					big = make(map[string]struct{}, 2*smallObject)
					for _, n := range names {
						big[decodeKey(n)] = struct{}{}
					}
				}
			}
			i = skipWS(b, skipWS(b, ke)+1) // past ':'
			var ok bool
			if i, ok = uniqueAt(b, i); !ok {
				return 0, false
			}
			if i = skipWS(b, i); i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
			}
		}
		return i + 1, true
	case '[':
		for i = skipWS(b, i+1); i < len(b) && b[i] != ']'; {
			var ok bool
			if i, ok = uniqueAt(b, i); !ok {
				return 0, false
			}
			if i = skipWS(b, i); i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
			}
		}
		return i + 1, true
	}
	end := valueEnd(b, i)
	if end <= i {
		return 0, false // unreachable for valid JSON; never loop
	}
	return end, true
}

// sameName compares two raw JSON strings by their decoded value.
func sameName(a, b []byte) bool {
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return bytes.Equal(a, b)
	}
	return decodeKey(a) == decodeKey(b)
}
