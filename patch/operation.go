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
// raw (the JSON string literal) and split into tokens only when the
// package's own evaluator needs them, so the common path allocates nothing
// per operation.
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

// parseOps reads the patch document p (RFC 6902 §3), which json.Valid
// accepted. fast reports whether evanphx/json-patch applies the patch
// exactly as RFC 6902 says (see doc.go): tests only before the first
// change, no root pointers, no empty or non-canonical numeric tokens, no
// move onto itself.
// ops is appended to buf, so a caller's small stack array saves the
// allocation.
func parseOps(p []byte, maxOps int, buf []operation) (ops []operation, fast bool, err error) {
	i := skipWS(p, 0)
	if kindAt(p, i) != '[' {
		return nil, false, &OpError{Index: -1, Reason: "a JSON Patch must be an array of operations", Err: ErrMalformed}
	}
	n := 0
	for j := i + 1; ; {
		_, next, ok := nextItem(p, j, false)
		if !ok {
			break
		}
		n++
		j = next
	}
	if maxOps > 0 && n > maxOps {
		return nil, false, &LimitError{Limit: LimitOperations, Max: int64(maxOps)}
	}
	ops = buf[:0]
	if cap(ops) < n {
		ops = make([]operation, 0, n)
	}
	fast = true
	mutated := false
	for j := i + 1; ; {
		it, next, ok := nextItem(p, j, false)
		if !ok {
			break
		}
		j = next
		op, opFast, err := parseOp(p[it.valStart:it.end], len(ops))
		if err != nil {
			return nil, false, err
		}
		if op.kind == opTest {
			fast = fast && !mutated
		} else {
			mutated = true
			fast = fast && opFast
		}
		ops = append(ops, op)
	}
	return ops, fast, nil
}

func parseOp(obj []byte, index int) (op operation, fast bool, err error) {
	bad := func(reason string) (operation, bool, error) {
		e := &OpError{Index: index, Reason: reason, Err: ErrMalformed}
		if op.kind != 0 {
			e.Op = op.kind.String()
		}
		if op.pathRaw != nil {
			e.Path = op.path()
		}
		return operation{}, false, e
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
	pathFast, ok := checkPointer(op.pathRaw)
	if !ok {
		return bad(`"path" is not a JSON Pointer`)
	}
	fast = pathFast
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
		fromFast, ok := checkPointer(op.fromRaw)
		if !ok {
			return bad(`"from" is not a JSON Pointer`)
		}
		fast = fast && fromFast
		if op.kind == opMove {
			switch from, path := pointerText(op.fromRaw), pointerText(op.pathRaw); {
			case len(path) > len(from) && bytes.Equal(path[:len(from)], from) && path[len(from)] == '/':
				// RFC 6902 §4.4: a location cannot be moved into one of its
				// children. Each token has one escaped spelling, so the
				// textual prefix is the token prefix.
				return bad(`"from" is a proper prefix of "path"`)
			case bytes.Equal(from, path):
				// A no-op the library performs as a remove and an add,
				// moving the member to the end of its object.
				fast = false
			}
		}
	default:
		op.fromRaw = nil
	}
	return op, fast, nil
}

// checkPointer validates the JSON Pointer in the JSON string literal raw
// (RFC 6901 §3) and reports whether evanphx/json-patch resolves it as
// RFC 6901 does: not the root (the library cannot replace a root with a
// scalar and copies a stale root), no empty token (its get("") returns the
// container itself instead of the member named ""), and no token that
// strconv.Atoi reads as an index although RFC 6901 §4 forbids it ("01",
// "+1", "-0").
func checkPointer(raw []byte) (fast, ok bool) {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		// Escaped characters: decode first (rare, allocates).
		toks, ok := parsePointer(decodeKey(raw))
		if !ok {
			return false, false
		}
		fast = len(toks) > 0
		for _, t := range toks {
			fast = fast && t != "" && !looseIndex(t)
		}
		return fast, true
	}
	if len(s) == 0 {
		return false, true
	}
	if s[0] != '/' {
		return false, false
	}
	fast = true
	for rest := s[1:]; ; {
		tok := rest
		i := bytes.IndexByte(rest, '/')
		if i >= 0 {
			tok = rest[:i]
		}
		for k := 0; k < len(tok); k++ {
			if tok[k] == '~' && (k+1 == len(tok) || tok[k+1] != '0' && tok[k+1] != '1') {
				return false, false
			}
		}
		if len(tok) == 0 || looseIndex(tok) {
			fast = false
		}
		if i < 0 {
			return fast, true
		}
		rest = rest[i+1:]
	}
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

// looseIndex reports whether strconv.Atoi accepts t as a non-negative number
// although t is not an RFC 6901 array-index. Negative numbers are left to
// evanphx, which rejects them with SupportNegativeIndices off.
func looseIndex[T string | []byte](t T) bool {
	switch {
	case t[0] == '+':
		return allDigits(t[1:])
	case t[0] == '-':
		return len(t) > 1 && t[1] == '0' && allDigits(t[1:])
	case t[0] == '0':
		return len(t) > 1 && allDigits(t)
	}
	return false
}
