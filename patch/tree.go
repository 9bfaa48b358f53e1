package patch

import (
	"slices"
	"unicode/utf8"
)

// node is one JSON value of the document a JSON Patch edits. A node stays
// lazy (raw holds its compact text) until an operation navigates into it;
// then only its own members or elements are split out, each lazy in turn.
// Values the patch does not reach are never decoded and keep their bytes,
// and an operation costs the length of its path, not the size of the
// document: a text-rewriting evaluator pays the whole document for every
// operation, which made 985 moves in a document grown by 12 root copies
// take seconds (issue 12).
type node struct {
	raw   []byte  // compact JSON text while lazy; nil once expanded
	kind  byte    // '{', '[', or the first byte of a scalar
	obj   *object // an expanded object's members
	elems []*node // an expanded array's elements
}

// object holds the members of an expanded object, apart from node so that
// the many nodes that are never objects stay small.
type object struct {
	fields []field // in order; removed ones have val == nil
	live   int     // fields with val != nil
	index  map[string]int
}

// field is one object member. key is the name as a JSON string literal.
type field struct {
	key []byte
	val *node
}

func leaf(raw []byte) *node { return &node{raw: raw, kind: kindAt(raw, 0)} }

func (n *node) container() bool { return n.kind == '{' || n.kind == '[' }

// expand splits a lazy container into its children, one level deep.
func (n *node) expand() {
	if n.raw == nil || !n.container() {
		return
	}
	its := items(n.raw, 0)
	kids := make([]node, len(its))
	if n.kind == '{' {
		n.obj = &object{fields: make([]field, len(its))}
		for i, it := range its {
			v := n.raw[it.valStart:it.end]
			kids[i] = node{raw: v, kind: kindAt(v, 0)}
			n.obj.fields[i] = field{key: n.raw[it.start:it.keyEnd], val: &kids[i]}
		}
		n.obj.live = len(its)
	} else {
		n.elems = make([]*node, len(its))
		for i, it := range its {
			v := n.raw[it.valStart:it.end]
			kids[i] = node{raw: v, kind: kindAt(v, 0)}
			n.elems[i] = &kids[i]
		}
	}
	n.raw = nil
}

// find returns the position of the member named name, or -1. Names in a
// target are expected to be unique; if they are not, the last one is the
// member, as for encoding/json. Objects past smallObject members are looked
// up through a map, so a wide object costs O(1) per operation.
func (n *node) find(name string) int {
	if len(n.obj.fields) > smallObject {
		if n.obj.index == nil {
			n.obj.index = make(map[string]int, len(n.obj.fields))
			for i, f := range n.obj.fields {
				if f.val != nil {
					name := decodeKey(f.key)
					if j, again := n.obj.index[name]; again {
						// A repeated name (RFC 8259 §4: its meaning is
						// unpredictable) is the last member's, as the small
						// path below addresses it; the earlier one can never
						// be reached, and dropping it keeps the index exact.
						n.obj.fields[j].val = nil
						n.obj.live--
					}
					n.obj.index[name] = i
				}
			}
		}
		if i, ok := n.obj.index[name]; ok {
			return i
		}
		return -1
	}
	for i := len(n.obj.fields) - 1; i >= 0; i-- {
		if n.obj.fields[i].val != nil && keyIs(n.obj.fields[i].key, name) {
			return i
		}
	}
	return -1
}

// setMember replaces the member named name in place, or appends it.
func (n *node) setMember(name string, v *node) {
	if i := n.find(name); i >= 0 {
		n.obj.fields[i].val = v
		return
	}
	n.addField(appendString(nil, name), name, v)
}

// addField appends the member name, spelled key, which n does not have.
func (n *node) addField(key []byte, name string, v *node) {
	n.obj.fields = append(n.obj.fields, field{key: key, val: v})
	n.obj.live++
	if n.obj.index != nil {
		n.obj.index[name] = len(n.obj.fields) - 1
	}
}

// removeMember removes the member at position i. Removed members stay as
// holes so that the index's positions hold; when holes outnumber members
// the slice is compacted, which keeps removal amortised O(1).
func (n *node) removeMember(i int, name string) *node {
	v := n.obj.fields[i].val
	n.obj.fields[i].val = nil
	n.obj.live--
	if n.obj.index != nil {
		delete(n.obj.index, name)
	}
	if len(n.obj.fields) > 2*n.obj.live+smallObject {
		n.obj.fields = slices.DeleteFunc(n.obj.fields, func(f field) bool { return f.val == nil })
		n.obj.index = nil
	}
	return v
}

// child resolves one reference token in n (RFC 6901 §4).
func (n *node) child(tok string) (*node, lookupErr) {
	n.expand()
	switch n.kind {
	case '{':
		if i := n.find(tok); i >= 0 {
			return n.obj.fields[i].val, lookupOK
		}
		return nil, lookupMissing
	case '[':
		i, why := n.arrayPos(tok, false)
		if why != lookupOK {
			return nil, why
		}
		return n.elems[i], lookupOK
	}
	return nil, lookupScalar
}

// arrayPos reads tok as an index of the array n: existing elements only, or
// up to len(n.elems) included when insert is set ("-" is the end then).
func (n *node) arrayPos(tok string, insert bool) (int, lookupErr) {
	if tok == "-" {
		if insert {
			return len(n.elems), lookupOK
		}
		return 0, lookupMissing // RFC 6901 §4: "-" names no existing element
	}
	i, ok := arrayIndex(tok)
	switch {
	case !ok:
		return 0, lookupBadIndex
	case i > len(n.elems) || i == len(n.elems) && !insert:
		return 0, lookupMissing
	}
	return i, lookupOK
}

// get resolves the pointer toks from n.
func (n *node) get(toks []string) (*node, lookupErr) {
	for _, t := range toks {
		var why lookupErr
		if n, why = n.child(t); why != lookupOK {
			return nil, why
		}
	}
	return n, lookupOK
}

// size returns the length of n's compact text without building it; the
// work is the number of expanded nodes below n.
func (n *node) size() int64 {
	if n.raw != nil {
		return int64(len(n.raw))
	}
	s := int64(2)
	switch n.kind {
	case '{':
		for _, f := range n.obj.fields {
			if f.val != nil {
				s += int64(len(f.key)) + 1 + f.val.size() + 1
			}
		}
		if n.obj.live > 0 {
			s--
		}
	case '[':
		for _, e := range n.elems {
			s += e.size() + 1
		}
		if len(n.elems) > 0 {
			s--
		}
	}
	return s
}

// clone deep-copies the expanded part of n; lazy values share their
// (immutable) text, so copying an untouched value is O(1).
func (n *node) clone() *node {
	c := &node{raw: n.raw, kind: n.kind}
	if n.raw != nil {
		return c
	}
	switch n.kind {
	case '{':
		c.obj = &object{fields: make([]field, 0, n.obj.live)}
		for _, f := range n.obj.fields {
			if f.val != nil {
				c.obj.fields = append(c.obj.fields, field{key: f.key, val: f.val.clone()})
			}
		}
		c.obj.live = n.obj.live
	case '[':
		c.elems = make([]*node, len(n.elems))
		for i, e := range n.elems {
			c.elems[i] = e.clone()
		}
	}
	return c
}

// appendTo appends n's compact text to dst.
func (n *node) appendTo(dst []byte) []byte {
	if n.raw != nil {
		return append(dst, n.raw...)
	}
	switch n.kind {
	case '{':
		dst = append(dst, '{')
		first := true
		for _, f := range n.obj.fields {
			if f.val == nil {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.key...)
			dst = append(dst, ':')
			dst = f.val.appendTo(dst)
		}
		return append(dst, '}')
	default:
		dst = append(dst, '[')
		for i, e := range n.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.appendTo(dst)
		}
		return append(dst, ']')
	}
}

// equalTo reports whether n equals the compact JSON value v in the sense of
// RFC 6902 §4.6 (see equal). The walk follows v and stops at the first
// difference, so a "test" costs the size of its value, not of the tree.
func (n *node) equalTo(v []byte) bool {
	if n.raw != nil {
		return equal(n.raw, v)
	}
	if kindAt(v, 0) != n.kind {
		return false
	}
	its := items(v, 0)
	switch n.kind {
	case '{':
		// Patch values never repeat a name (checkPatch), so equal counts
		// and every name found mean equal sets.
		if len(its) != n.obj.live {
			return false
		}
		for _, it := range its {
			i := n.find(decodeKey(v[it.start:it.keyEnd]))
			if i < 0 || !n.obj.fields[i].val.equalTo(v[it.valStart:it.end]) {
				return false
			}
		}
		return true
	default:
		if len(its) != len(n.elems) {
			return false
		}
		for i, it := range its {
			if !n.elems[i].equalTo(v[it.valStart:it.end]) {
				return false
			}
		}
		return true
	}
}

// appendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off ("\n", "\r", "\t", other controls as \u00XX,
// U+2028 and U+2029 escaped). s is valid UTF-8: it comes from a decoded
// JSON Pointer.
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
