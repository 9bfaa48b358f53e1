package patch

import "bytes"

// opKind is a JSON Patch operation (RFC 6902 §4).
type opKind uint8

const (
	opAdd opKind = iota + 1
	opRemove
	opReplace
	opMove
	opCopy
	opTest
)

var opNames = [...]string{opAdd: "add", opRemove: "remove", opReplace: "replace", opMove: "move", opCopy: "copy", opTest: "test"}

func (k opKind) String() string { return opNames[k] }

// operation is one parsed, validated operation object. Pointers are kept
// raw (the JSON string literal) and split into tokens when the operation is
// applied, so a patch refused by a later operation's syntax or by a limit
// never pays for it.
type operation struct {
	kind     opKind
	pathRaw  []byte // JSON string literal, quotes included
	fromRaw  []byte
	value    []byte // raw JSON, a slice of the patch document
	resolved bool
	pathTok  []string
	fromTok  []string
}

// path returns the decoded "path" for error messages.
func (op *operation) path() string { return decodeKey(op.pathRaw) }

// resolve splits the pointers into tokens. parseOps has checked them.
func (op *operation) resolve() {
	if op.resolved {
		return
	}
	op.resolved = true
	op.pathTok, _ = parsePointer(decodeKey(op.pathRaw))
	if op.fromRaw != nil {
		op.fromTok, _ = parsePointer(decodeKey(op.fromRaw))
	}
}

// tokens returns the number of reference tokens of a checked pointer.
func tokens(raw []byte) int {
	if bytes.IndexByte(raw, '\\') >= 0 {
		toks, _ := parsePointer(decodeKey(raw))
		return len(toks)
	}
	return bytes.Count(raw, []byte{'/'})
}

// member bits, to reject an operation object that repeats a member: the
// duplicate "op" of RFC 6902 Appendix A.13 is an error, and a parser that
// keeps the last one (encoding/json, evanphx/json-patch) would silently apply
// a different operation than the one the client may have meant.
const (
	hasOp = 1 << iota
	hasPath
	hasFrom
	hasValue
)

// countOps returns the number of operations in the JSON Patch p, which
// json.Valid accepted, or -1 when p is not an array. It decodes nothing and
// allocates nothing, so an over-limit patch is refused before any
// operation is parsed.
func countOps(p []byte) int {
	i := skipWS(p, 0)
	if kindAt(p, i) != '[' {
		return -1
	}
	n := 0
	for j := i + 1; ; n++ {
		_, next, ok := nextItem(p, j, false)
		if !ok {
			return n
		}
		j = next
	}
}

// parseOps reads the patch document p (RFC 6902 §3), which json.Valid
// accepted. ops is appended to buf, so a caller's small stack array saves
// the allocation.
func parseOps(p []byte, maxOps int, buf []operation) ([]operation, error) {
	n := countOps(p)
	if n < 0 {
		return nil, &OpError{Index: -1, Reason: "a JSON Patch must be an array of operations", Err: ErrMalformed}
	}
	if maxOps > 0 && n > maxOps {
		return nil, &LimitError{Limit: LimitOperations, Max: int64(maxOps)}
	}
	ops := buf[:0]
	if cap(ops) < n {
		ops = make([]operation, 0, n)
	}
	for j := skipWS(p, 0) + 1; ; {
		it, next, ok := nextItem(p, j, false)
		if !ok {
			return ops, nil
		}
		j = next
		op, err := parseOp(p[it.valStart:it.end], len(ops))
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
}

func parseOp(obj []byte, index int) (op operation, err error) {
	bad := func(reason string) (operation, error) {
		e := &OpError{Index: index, Reason: reason, Err: ErrMalformed}
		if op.kind != 0 {
			e.Op = op.kind.String()
		}
		if op.pathRaw != nil {
			e.Path = op.path()
		}
		return operation{}, e
	}
	if kindAt(obj, 0) != '{' {
		return bad("an operation must be a JSON object")
	}
	var seen int
	var opRaw []byte
	for i := 1; ; {
		it, next, ok := nextItem(obj, i, true)
		if !ok {
			break
		}
		i = next
		key, val := obj[it.start:it.keyEnd], obj[it.valStart:it.end]
		var bit int
		switch {
		case keyIs(key, "op"):
			bit, opRaw = hasOp, val
		case keyIs(key, "path"):
			bit, op.pathRaw = hasPath, val
		case keyIs(key, "from"):
			bit, op.fromRaw = hasFrom, val
		case keyIs(key, "value"):
			bit, op.value = hasValue, val
		default:
			// RFC 6902 §4: members not defined for the operation are ignored.
			continue
		}
		if seen&bit != 0 {
			return bad("an operation must not repeat a member")
		}
		seen |= bit
	}
	if seen&hasOp == 0 {
		return bad(`missing "op"`)
	}
	for k := opAdd; k <= opTest; k++ {
		if keyIs(opRaw, opNames[k]) {
			op.kind = k
		}
	}
	if op.kind == 0 {
		return bad(`unknown "op"`)
	}
	if seen&hasPath == 0 {
		return bad(`missing "path"`)
	}
	if kindAt(op.pathRaw, 0) != '"' {
		op.pathRaw = nil
		return bad(`"path" must be a string`)
	}
	if !checkPointer(op.pathRaw) {
		return bad(`"path" is not a JSON Pointer`)
	}
	switch op.kind {
	case opAdd, opReplace, opTest:
		// RFC 6902 §4.1, §4.3, §4.6: "value" is required; a test without it
		// is not a test of null (evanphx/json-patch treats it as one).
		if seen&hasValue == 0 {
			return bad(`missing "value"`)
		}
		op.fromRaw = nil // ignored member (RFC 6902 §4)
	case opMove, opCopy:
		if seen&hasFrom == 0 {
			return bad(`missing "from"`)
		}
		if kindAt(op.fromRaw, 0) != '"' {
			return bad(`"from" must be a string`)
		}
		if !checkPointer(op.fromRaw) {
			return bad(`"from" is not a JSON Pointer`)
		}
		if op.kind == opMove {
			from, path := pointerText(op.fromRaw), pointerText(op.pathRaw)
			if len(path) > len(from) && bytes.Equal(path[:len(from)], from) && path[len(from)] == '/' {
				// RFC 6902 §4.4: a location cannot be moved into one of its
				// children. Each token has one escaped spelling, so the
				// textual prefix is the token prefix.
				return bad(`"from" is a proper prefix of "path"`)
			}
		}
	default:
		op.fromRaw = nil
	}
	return op, nil
}

// checkPointer reports whether the JSON string literal raw holds a JSON
// Pointer (RFC 6901 §3): "" or "/"-separated tokens in which "~" is
// followed by "0" or "1" only (evanphx/json-patch leaves other escapes in
// place instead).
func checkPointer(raw []byte) bool {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		_, ok := parsePointer(decodeKey(raw)) // escaped characters: rare, allocates
		return ok
	}
	if len(s) == 0 {
		return true
	}
	if s[0] != '/' {
		return false
	}
	for k := 0; k < len(s); k++ {
		if s[k] == '~' && (k+1 == len(s) || s[k+1] != '0' && s[k+1] != '1') {
			return false
		}
	}
	return true
}

// pointerText returns the decoded text of the JSON string literal raw,
// without allocating when it holds no escape.
func pointerText(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	return []byte(decodeKey(raw))
}

func hasPrefix(toks, prefix []string) bool {
	for i, t := range prefix {
		if toks[i] != t {
			return false
		}
	}
	return true
}
