package httperr

import (
	"net/http"
	"strconv"
)

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
	// jsonLengths and problemLengths are the Content-Length values of the
	// bodies that fit an errorResponse, indexed by the length less the
	// shortest body's, so that a response need not format (and allocate)
	// one.
	jsonLengths, problemLengths lengths
}

// lengths are the decimal forms of min, min+1, ..., each a substring of one
// string.
type lengths struct {
	min    int
	values []string
}

func newLengths(min, max int) lengths {
	if max < min {
		return lengths{}
	}
	var b []byte
	ends := make([]int, 0, max-min+1)
	for n := min; n <= max; n++ {
		b = strconv.AppendInt(b, int64(n), 10)
		ends = append(ends, len(b))
	}
	s, start := string(b), 0
	l := lengths{min: min, values: make([]string, len(ends))}
	for i, end := range ends {
		l.values[i], start = s[start:end], end
	}
	return l
}

// of returns the decimal form of n, from the table when it holds n.
func (l lengths) of(n int) string {
	if i := n - l.min; i >= 0 && i < len(l.values) {
		return l.values[i]
	}
	return strconv.Itoa(n)
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
	p.jsonLengths = newLengths(p.jsonN+len(jsonTail), bodyCap)
	p.problemLengths = newLengths(p.problemN+len(problemTail), bodyCap)
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
// [Problem] without TypeBase) it allocates once, the response (its header
// values and body in one, 208 or 320 bytes, the Content-Length value from p
// unless the body is longer than 256 bytes), and value may live on the
// caller's stack; any other writer gets the Error as [Write] would give it.
func WritePrepared(w http.ResponseWriter, r *http.Request, wr Writer, p *Prepared, value []byte) {
	WritePreparedScratch(w, r, wr, p, value, nil)
}

// WritePreparedScratch is [WritePrepared] with scratch as the space the body
// is built in, when it is large enough: the body is only needed during the
// call (a ResponseWriter, as an io.Writer, must not retain what it is
// given), so a caller that keeps a scratch buffer per request it serves (in
// a pooled per-request object, say) spares the body's allocation, and the
// response allocates only its three header values. Fewer bytes allocated
// per response means fewer garbage collections, whose cost a busy server
// pays on every request. value must not overlap scratch. A nil scratch is
// WritePrepared.
func WritePreparedScratch(w http.ResponseWriter, r *http.Request, wr Writer, p *Prepared, value, scratch []byte) {
	var doc []byte
	var n int
	ctype, tail, cl := "application/json", jsonTail, &p.jsonLengths
	switch q := wr.(type) {
	case nil, JSON:
		doc, n = p.json, p.jsonN
	case Problem:
		if q.TypeBase != "" {
			p.writeError(w, r, wr, value)
			return
		}
		doc, n = p.problem, p.problemN
		ctype, tail, cl = "application/problem+json", problemTail, &p.problemLengths
	default:
		p.writeError(w, r, wr, value)
		return
	}
	stripRepresentation(w.Header(), true)
	var values *[3]string
	b := scratch[:0]
	switch need := len(doc) + len(value) + 4 + len(tail); { // the most an entity-tag value needs
	case need <= cap(b):
		values = new([3]string)
	case need <= smallBodyCap:
		// Header values and body in one allocation, of the smaller size
		// (the JSON 412 with a tag of up to some 20 characters): fewer
		// bytes, fewer garbage collections.
		resp := new(smallErrorResponse)
		values, b = &resp.values, resp.body[:0]
	default:
		resp := new(errorResponse)
		values, b = &resp.values, resp.body[:0]
	}
	if value != nil && len(doc) > n {
		b = append(b, doc...)
		b = appendBytes(b, value)
	} else {
		b = append(b, doc[:n]...)
	}
	b = append(b, tail...)
	send(w, r, values, p.status, ctype, b, cl.of(len(b)))
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
