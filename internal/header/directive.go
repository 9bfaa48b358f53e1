package header

// DirectiveName returns the name of one directive of a Cache-Control list
// element (RFC 9111 §5.2: a token, optionally "=" and an argument), with
// optional whitespace around it trimmed. The argument is not checked.
func DirectiveName(elem string) string {
	for i := 0; i < len(elem); i++ {
		if elem[i] == '=' {
			return TrimOWS(elem[:i])
		}
	}
	return elem
}

// HasDirective reports whether the Cache-Control field lines values hold the
// directive name, with or without an argument, comparing names
// case-insensitively (RFC 9111 §5.2). It is the reading for a caller that
// only needs to know whether one directive is there (is this response
// no-store?) and does not allocate; a full parse is package cache's.
func HasDirective(values []string, name string) bool {
	found := false
	Elements(values, func(d string) bool {
		found = EqualFold(DirectiveName(d), name)
		return !found
	})
	return found
}
