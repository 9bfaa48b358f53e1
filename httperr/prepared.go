package httperr

import "net/http"

// Prepared is an error response whose fixed parts (status, code, message and
// the name of one extra member) are encoded once, ahead of time, for an
// error a server sends often on a hot path: the 412 with the current
// entity-tag. Writing it with [WritePrepared] then copies those parts instead
// of encoding them again, and only the member's value is encoded per
// response. Build it with [Prepare], once (a package-level variable, a
// constructor); it is immutable and safe for concurrent use.
type Prepared struct {
	status             int
	code, message, key string
	// json and problem are the documents of the built-in writers up to
	// the end of the fixed members, then (from jsonN, problemN on) the
	// extra member's `,"key":`, empty when the writer reserves the key.
	json, problem   []byte
	jsonN, problemN int
}

// Prepare encodes the error New(status, code, message) with an extra member
// named key (none when key is empty) for [WritePrepared].
func Prepare(status int, code, message, key string) *Prepared {
	p := &Prepared{status: statusOf(status), code: code, message: message, key: key}
	p.json = appendJSONHead(nil, code, message)
	p.jsonN = len(p.json)
	if key != "" && key != "code" && key != "message" {
		p.json = appendMemberName(p.json, key)
	}
	p.problem = appendProblemHead(nil, "about:blank", p.status, code, message)
	p.problemN = len(p.problem)
	if key != "" && !isProblemMember(key) {
		p.problem = appendMemberName(p.problem, key)
	}
	return p
}

// appendMemberName appends `,"key":`.
func appendMemberName(b []byte, key string) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	return append(b, ':')
}

// WritePrepared writes p with value as the value of its extra member, the
// member left out when value is nil: the same response as
// WriteWith(w, r, wr, status, code, message, key, value) with p's parts (an
// empty key when value is nil). With the built-in writers (nil, [JSON],
// [Problem] without TypeBase) it allocates twice, the response and its
// Content-Length value, and value may live on the caller's stack; any other
// writer gets the Error as [Write] would give it.
func WritePrepared(w http.ResponseWriter, r *http.Request, wr Writer, p *Prepared, value []byte) {
	var doc []byte
	var n int
	ctype, tail := "application/json", "}}\n"
	switch q := wr.(type) {
	case nil, JSON:
		doc, n = p.json, p.jsonN
	case Problem:
		if q.TypeBase != "" {
			p.writeError(w, r, wr, value)
			return
		}
		doc, n = p.problem, p.problemN
		ctype, tail = "application/problem+json", "}\n"
	default:
		p.writeError(w, r, wr, value)
		return
	}
	stripRepresentation(w.Header(), true)
	resp := new(errorResponse)
	var b []byte
	if value != nil && len(doc) > n {
		b = append(resp.body[:0], doc...)
		b = appendBytes(b, value)
	} else {
		b = append(resp.body[:0], doc[:n]...)
	}
	b = append(b, tail...)
	resp.send(w, r, p.status, ctype, b)
}

// writeError hands p to a writer that renders an Error itself.
func (p *Prepared) writeError(w http.ResponseWriter, r *http.Request, wr Writer, value []byte) {
	stripRepresentation(w.Header(), false)
	e := New(p.status, p.code, p.message)
	if p.key != "" && value != nil {
		e = e.With(p.key, string(value))
	}
	wr.WriteError(w, r, e)
}
