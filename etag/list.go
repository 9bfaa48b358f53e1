package etag

// ListMatch is the outcome of comparing a current tag with an If-Match or
// If-None-Match field (RFC 9110 §13.1.1, §13.1.2).
type ListMatch int

const (
	// ListAbsent: the field is missing or has no valid member. Match cannot
	// tell the two apart; an evaluator must, because a present field is a
	// condition (RFC 9110 §13.1.1: an If-Match that nothing can match is
	// false).
	ListAbsent ListMatch = iota
	// ListAny: the field holds "*".
	ListAny
	// ListMatched: some member matches the current tag.
	ListMatched
	// ListNotMatched: the field has valid members and none matches.
	ListNotMatched
)

// String returns a short lower-case name for m, for logs and test output.
func (m ListMatch) String() string {
	switch m {
	case ListAbsent:
		return "absent"
	case ListAny:
		return "any"
	case ListMatched:
		return "matched"
	case ListNotMatched:
		return "not-matched"
	}
	return "ListMatch(?)"
}

// Match compares current with the members of an If-Match or If-None-Match
// field, given as all its field lines (several lines form one list, RFC 9110
// §5.3). weak selects the weak comparison (If-None-Match) instead of the
// strong one (If-Match, If-Range). A zero current tag matches no member.
// "*" anywhere in the field yields [ListAny]. Match does not allocate and runs
// in time linear in the size of the field.
func Match(values []string, current Tag, weak bool) ListMatch {
	res := ListAbsent
	matched := false
	Each(values, func(t Tag, star bool) bool {
		if star {
			res = ListAny
			return false
		}
		res = ListNotMatched
		if current.IsZero() || matched {
			return true
		}
		if weak {
			matched = WeakMatch(t, current)
		} else {
			matched = StrongMatch(t, current)
		}
		return true
	})
	if res == ListNotMatched && matched {
		return ListMatched
	}
	return res
}

// ParseList returns the valid members of an If-Match / If-None-Match field and
// whether it holds "*". Malformed members are skipped (RFC 9110 §5.6.1 lets a
// recipient ignore what it cannot parse); for a field with no valid member
// both results are zero.
func ParseList(values []string) (tags []Tag, star bool) {
	Each(values, func(t Tag, isStar bool) bool {
		if isStar {
			star = true
		} else {
			tags = append(tags, t)
		}
		return true
	})
	return tags, star
}

// Each calls fn for every valid member of the list formed by values, in order:
// with star true for "*", otherwise with the parsed tag. It stops when fn
// returns false. Malformed members (bad syntax up to the next comma) and empty
// members are skipped. Each does not allocate; the tags' Opaque strings share
// memory with values.
func Each(values []string, fn func(t Tag, star bool) bool) {
	for _, v := range values {
		s := v
		for len(s) > 0 {
			// Skip OWS and empty list elements (RFC 9110 §5.6.1).
			c := s[0]
			if c == ' ' || c == '\t' || c == ',' {
				s = s[1:]
				continue
			}
			var (
				t    Tag
				star bool
				n    int
				ok   bool
			)
			if c == '*' {
				star, n, ok = true, 1, true
			} else {
				t, n, ok = Scan(s)
			}
			if ok {
				// A member must be followed by OWS then a comma or the end.
				rest := s[n:]
				for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
					rest = rest[1:]
				}
				if len(rest) > 0 && rest[0] != ',' {
					ok = false
				} else {
					s = rest
				}
			}
			if !ok {
				s = skipMember(s)
				continue
			}
			if !fn(t, star) {
				return
			}
		}
	}
}

// skipMember drops a malformed member: everything up to and including the
// next comma that is not inside a double-quoted run.
func skipMember(s string) string {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				return s[i+1:]
			}
		}
	}
	return ""
}
