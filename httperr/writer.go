package httperr

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Writer renders an [Error] as an HTTP response. Implementations write the status,
// the Content-Type and the body; [Write] has already removed the success
// representation's headers when a Writer is called through it.
type Writer interface {
	WriteError(w http.ResponseWriter, r *http.Request, e *Error)
}

// WriterFunc adapts a function to the [Writer] interface.
type WriterFunc func(w http.ResponseWriter, r *http.Request, e *Error)

// WriteError calls f(w, r, e).
func (f WriterFunc) WriteError(w http.ResponseWriter, r *http.Request, e *Error) { f(w, r, e) }

// representationHeaders describe a success body and must not survive onto an
// error body (they would lie about it).
var representationHeaders = [...]string{
	"Etag", "Last-Modified", "Content-Encoding", "Content-Length", "Content-Range", "Content-Type", "Content-Language", "Content-Location",
}

// Write removes the headers of the success representation from w and renders e
// with wr. A nil wr means [JSON].
func Write(w http.ResponseWriter, r *http.Request, wr Writer, e *Error) {
	stripRepresentation(w.Header(), false)
	if wr == nil {
		wr = JSON{}
	}
	wr.WriteError(w, r, e)
}

// WriteWith writes the error New(status, code, message).With(key,
// string(value)) as [Write] does; an empty key adds no member. With the
// built-in writers (nil, [JSON], [Problem] without TypeBase) it builds no
// Error and allocates twice (the response and its Content-Length value),
// which is what the frequent errors on hot paths (412 with the current tag)
// need; value may then live on the caller's stack. Any other writer gets the
// Error as Write would give it.
func WriteWith(w http.ResponseWriter, r *http.Request, wr Writer, status int, code, message, key string, value []byte) {
	switch p := wr.(type) {
	case nil, JSON:
		stripRepresentation(w.Header(), true)
		resp := new(errorResponse)
		b := appendJSONHead(resp.body[:0], code, message)
		if key != "" && key != "code" && key != "message" {
			b = appendBytesMember(b, key, value)
		}
		b = append(b, jsonTail...)
		resp.send(w, r, statusOf(status), "application/json", b)
		return
	case Problem:
		if p.TypeBase == "" {
			stripRepresentation(w.Header(), true)
			resp := new(errorResponse)
			status = statusOf(status)
			b := appendProblemHead(resp.body[:0], "about:blank", status, code, message)
			if key != "" && !isProblemMember(key) {
				b = appendBytesMember(b, key, value)
			}
			b = append(b, problemTail...)
			resp.send(w, r, status, "application/problem+json", b)
			return
		}
	}
	stripRepresentation(w.Header(), false)
	e := New(status, code, message)
	if key != "" {
		e = e.With(key, string(value))
	}
	wr.WriteError(w, r, e)
}

// stripRepresentation removes the headers that described the success body.
// With sent, the caller's send replaces Content-Type and Content-Length, so
// they are left for it to overwrite: an assignment to a present key costs
// less than a delete and a new insert.
func stripRepresentation(h http.Header, sent bool) {
	const few = len(representationHeaders) / 2
	if len(h) > few {
		for _, k := range representationHeaders {
			if !(sent && isSentHeader(k)) {
				delete(h, k) // the names are canonical, as Header.Del would make them
			}
		}
		return
	}
	// A handful of fields: one pass over them costs less than hashing
	// every name of the list.
	var drop uint8 // bit i: delete representationHeaders[i]
	others := false
	for k := range h {
		i := representationIndex(k)
		switch {
		case i < 0:
			others = true
		case !(sent && (i == sentType || i == sentLength)):
			drop |= 1 << i
		}
	}
	if drop == 0 {
		return
	}
	if !others {
		// Every field described the success body (a handler that set its
		// validators and length, say): one clear costs less than the
		// deletes, each of which hashes its key again and clears its slot,
		// and the fields left for send are only inserted again.
		clear(h)
		return
	}
	for i, k := range representationHeaders {
		if drop&(1<<i) != 0 {
			delete(h, k)
		}
	}
}

// The indexes in representationHeaders of the fields send sets.
const (
	sentLength = 3
	sentType   = 5
)

func isSentHeader(k string) bool { return k == "Content-Type" || k == "Content-Length" }

// representationIndex returns the index of k in representationHeaders, or
// -1.
func representationIndex(k string) int {
	switch k {
	case "Etag":
		return 0
	case "Last-Modified":
		return 1
	case "Content-Encoding":
		return 2
	case "Content-Length":
		return 3
	case "Content-Range":
		return 4
	case "Content-Type":
		return 5
	case "Content-Language":
		return 6
	case "Content-Location":
		return 7
	}
	return -1
}

// statusOf is [Error.StatusCode] for a bare status.
func statusOf(status int) int {
	if status < 400 || status > 599 {
		return http.StatusInternalServerError
	}
	return status
}

// JSON is the default [Writer]: {"error":{"code":...,"message":...,...extra}}
// with Content-Type: application/json. Extra members are written in key order.
type JSON struct{}

// WriteError implements [Writer].
func (JSON) WriteError(w http.ResponseWriter, r *http.Request, e *Error) {
	resp := new(errorResponse)
	b := appendJSONHead(resp.body[:0], e.Code, e.Message)
	b = appendExtra(b, e.Extra, "code", "message")
	b = append(b, jsonTail...)
	resp.send(w, r, e.StatusCode(), "application/json", b)
}

func appendJSONHead(b []byte, code, message string) []byte {
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, code)
	b = append(b, `,"message":`...)
	return appendString(b, message)
}

// bodyCap is the capacity of the body held in an [errorResponse]: the
// envelopes this library writes fit, so a response is one allocation.
const bodyCap = 256

// errorResponse holds the header values and the body of one error response
// in one allocation. The header slices point into values with capacity 1,
// so a later Header().Add copies them instead of writing into the array.
type errorResponse struct {
	values [3]string
	body   [bodyCap]byte
}

// smallBodyCap makes a smallErrorResponse 208 bytes, a size class of the
// Go allocator (errorResponse takes 320).
const smallBodyCap = 160

// smallErrorResponse is errorResponse for a body known to be short.
type smallErrorResponse struct {
	values [3]string
	body   [smallBodyCap]byte
}

// Problem renders errors as RFC 9457 problem details
// (Content-Type: application/problem+json): type, title, status, detail, plus
// "code" and the extra members as extension members.
type Problem struct {
	// TypeBase, when set, is joined with the lower-cased code to form the "type"
	// URI (e.g. "https://example.com/problems/" + "conflict"). Empty means
	// "about:blank", whose title is the status text (RFC 9457 §4.2.1).
	TypeBase string
}

// WriteError implements [Writer].
func (p Problem) WriteError(w http.ResponseWriter, r *http.Request, e *Error) {
	status := e.StatusCode()
	typ := "about:blank"
	if p.TypeBase != "" && e.Code != "" {
		typ = p.TypeBase + strings.ToLower(strings.ReplaceAll(e.Code, "_", "-"))
	}
	resp := new(errorResponse)
	b := appendProblemHead(resp.body[:0], typ, status, e.Code, e.Message)
	b = appendExtra(b, e.Extra, problemMembers[:]...)
	b = append(b, problemTail...)
	resp.send(w, r, status, "application/problem+json", b)
}

// problemMembers are the members of a problem details document that extra
// members must not replace.
var problemMembers = [...]string{"type", "title", "status", "detail", "code", "instance"}

func isProblemMember(k string) bool { return slices.Contains(problemMembers[:], k) }

func appendProblemHead(b []byte, typ string, status int, code, message string) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"title":`...)
	b = appendString(b, http.StatusText(status))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"detail":`...)
	b = appendString(b, message)
	b = append(b, `,"code":`...)
	return appendString(b, code)
}

// The ends of the documents, after the last member.
const (
	jsonTail    = "}}\n"
	problemTail = "}\n"
)

func (p *errorResponse) send(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	send(w, r, &p.values, status, ctype, body, strconv.Itoa(len(body)))
}

// send writes the response: the header values go to values (which the
// header then references, so it must be the response's own), length is
// len(body) in decimal.
func send(w http.ResponseWriter, r *http.Request, values *[3]string, status int, ctype string, body []byte, length string) {
	values[0], values[1], values[2] = ctype, length, "nosniff"
	h := w.Header()
	h["Content-Type"] = values[0:1:1]
	h["Content-Length"] = values[1:2:2]
	h["X-Content-Type-Options"] = values[2:3:3]
	w.WriteHeader(status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// appendExtra appends the extra members, except the reserved names, in key
// order.
func appendExtra(b []byte, extra map[string]any, reserved ...string) []byte {
	if len(extra) == 0 {
		return b
	}
	if len(extra) == 1 {
		// The common case (412's current_etag, 406's available) needs no
		// key slice and no sort.
		for k, v := range extra {
			if !slices.Contains(reserved, k) {
				b = appendMember(b, k, v)
			}
		}
		return b
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(reserved, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b = appendMember(b, k, extra[k])
	}
	return b
}

// appendMember appends `,"key":value`. An unencodable value is dropped rather
// than failing the whole error response.
func appendMember(b []byte, key string, value any) []byte {
	if s, ok := value.(string); ok {
		return appendStringMember(b, key, s)
	}
	v, err := json.Marshal(value)
	if err != nil {
		return b
	}
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':')
	return append(b, v...)
}

// appendStringMember appends `,"key":"value"`.
func appendStringMember(b []byte, key string, value string) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':')
	return appendString(b, value)
}

// appendBytesMember appends `,"key":"value"`.
func appendBytesMember(b []byte, key string, value []byte) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':')
	return appendBytes(b, value)
}

// jsonClass sorts bytes for appendString: 0 is copied as it is, 1 is
// escaped with a backslash ('"' and '\\'), 2 sends the whole string through
// json.Marshal (controls, non-ASCII, and the HTML characters encoding/json
// escapes).
var jsonClass = [256]uint8{
	0x00: 2, 0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 2, 0x06: 2, 0x07: 2,
	0x08: 2, 0x09: 2, 0x0a: 2, 0x0b: 2, 0x0c: 2, 0x0d: 2, 0x0e: 2, 0x0f: 2,
	0x10: 2, 0x11: 2, 0x12: 2, 0x13: 2, 0x14: 2, 0x15: 2, 0x16: 2, 0x17: 2,
	0x18: 2, 0x19: 2, 0x1a: 2, 0x1b: 2, 0x1c: 2, 0x1d: 2, 0x1e: 2, 0x1f: 2,
	'"': 1, '\\': 1, '<': 2, '>': 2, '&': 2, 0x7f: 2,
	0x80: 2, 0x81: 2, 0x82: 2, 0x83: 2, 0x84: 2, 0x85: 2, 0x86: 2, 0x87: 2,
	0x88: 2, 0x89: 2, 0x8a: 2, 0x8b: 2, 0x8c: 2, 0x8d: 2, 0x8e: 2, 0x8f: 2,
	0x90: 2, 0x91: 2, 0x92: 2, 0x93: 2, 0x94: 2, 0x95: 2, 0x96: 2, 0x97: 2,
	0x98: 2, 0x99: 2, 0x9a: 2, 0x9b: 2, 0x9c: 2, 0x9d: 2, 0x9e: 2, 0x9f: 2,
	0xa0: 2, 0xa1: 2, 0xa2: 2, 0xa3: 2, 0xa4: 2, 0xa5: 2, 0xa6: 2, 0xa7: 2,
	0xa8: 2, 0xa9: 2, 0xaa: 2, 0xab: 2, 0xac: 2, 0xad: 2, 0xae: 2, 0xaf: 2,
	0xb0: 2, 0xb1: 2, 0xb2: 2, 0xb3: 2, 0xb4: 2, 0xb5: 2, 0xb6: 2, 0xb7: 2,
	0xb8: 2, 0xb9: 2, 0xba: 2, 0xbb: 2, 0xbc: 2, 0xbd: 2, 0xbe: 2, 0xbf: 2,
	0xc0: 2, 0xc1: 2, 0xc2: 2, 0xc3: 2, 0xc4: 2, 0xc5: 2, 0xc6: 2, 0xc7: 2,
	0xc8: 2, 0xc9: 2, 0xca: 2, 0xcb: 2, 0xcc: 2, 0xcd: 2, 0xce: 2, 0xcf: 2,
	0xd0: 2, 0xd1: 2, 0xd2: 2, 0xd3: 2, 0xd4: 2, 0xd5: 2, 0xd6: 2, 0xd7: 2,
	0xd8: 2, 0xd9: 2, 0xda: 2, 0xdb: 2, 0xdc: 2, 0xdd: 2, 0xde: 2, 0xdf: 2,
	0xe0: 2, 0xe1: 2, 0xe2: 2, 0xe3: 2, 0xe4: 2, 0xe5: 2, 0xe6: 2, 0xe7: 2,
	0xe8: 2, 0xe9: 2, 0xea: 2, 0xeb: 2, 0xec: 2, 0xed: 2, 0xee: 2, 0xef: 2,
	0xf0: 2, 0xf1: 2, 0xf2: 2, 0xf3: 2, 0xf4: 2, 0xf5: 2, 0xf6: 2, 0xf7: 2,
	0xf8: 2, 0xf9: 2, 0xfa: 2, 0xfb: 2, 0xfc: 2, 0xfd: 2, 0xfe: 2, 0xff: 2,
}

// appendString appends s as a JSON string, byte for byte what encoding/json
// writes (with its HTML escaping). Codes, messages and tags are printable
// ASCII, copied between quotes with '"' and '\\' escaped; anything else goes
// through json.Marshal.
func appendString(b []byte, s string) []byte {
	class := stringClass(s)
	if class >= 2 {
		v, _ := json.Marshal(s) // strings always encode
		return append(b, v...)
	}
	b = append(b, '"')
	if class == 0 {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i := 0; i < len(s); i++ {
		if jsonClass[s[i]] == 1 {
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendBytes is appendString for the short values (entity-tags) that
// WriteWith takes as bytes, so that they may live on the caller's stack.
func appendBytes(b []byte, s []byte) []byte {
	// An entity-tag (`"v7"`, `W/"v7"`) has two bytes to escape, its quotes,
	// and they sit at known places: the general loop below would look for
	// them byte by byte, after a first pass to classify.
	// The strong and the weak form each take three appends, with their
	// fixed bytes as constants.
	if n := len(s); n >= 2 && s[n-1] == '"' {
		if s[0] == '"' {
			if plainBytes(s[1 : n-1]) {
				b = append(b, '"', '\\', '"')
				b = append(b, s[1:n-1]...)
				return append(b, '\\', '"', '"')
			}
		} else if n >= 4 && s[0] == 'W' && s[1] == '/' && s[2] == '"' && plainBytes(s[3:n-1]) {
			b = append(b, '"', 'W', '/', '\\', '"')
			b = append(b, s[3:n-1]...)
			return append(b, '\\', '"', '"')
		}
	}
	var class uint8
	for _, c := range s {
		class |= jsonClass[c]
	}
	if class >= 2 {
		v, _ := json.Marshal(string(s)) // strings always encode
		return append(b, v...)
	}
	b = append(b, '"')
	if class == 0 {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i, c := range s {
		if jsonClass[c] == 1 {
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			start = i
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainBytes reports whether every byte of s is copied into a JSON string as
// it is (jsonClass 0), four bytes a step as in stringClass.
func plainBytes(s []byte) bool {
	var class uint8
	for len(s) >= 4 {
		w := s[:4]
		class |= jsonClass[w[0]] | jsonClass[w[1]] | jsonClass[w[2]] | jsonClass[w[3]]
		s = s[4:]
	}
	for _, c := range s {
		class |= jsonClass[c]
	}
	return class == 0
}

// stringClass returns the largest jsonClass of the bytes of s, four bytes a
// step: codes and messages are long runs of plain ASCII.
func stringClass(s string) uint8 {
	var class uint8
	for len(s) >= 4 {
		w := s[:4] // one bounds check for the four bytes
		class |= jsonClass[w[0]] | jsonClass[w[1]] | jsonClass[w[2]] | jsonClass[w[3]]
		s = s[4:]
	}
	for i := 0; i < len(s); i++ {
		class |= jsonClass[s[i]]
	}
	return class
}
