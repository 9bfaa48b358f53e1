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
	stripRepresentation(w.Header())
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
	stripRepresentation(w.Header())
	switch p := wr.(type) {
	case nil, JSON:
		resp := new(errorResponse)
		b := appendJSONHead(resp.body[:0], code, message)
		if key != "" && key != "code" && key != "message" {
			b = appendStringMember(b, key, value)
		}
		b = append(b, "}}\n"...)
		resp.send(w, r, statusOf(status), "application/json", b)
		return
	case Problem:
		if p.TypeBase == "" {
			resp := new(errorResponse)
			status = statusOf(status)
			b := appendProblemHead(resp.body[:0], "about:blank", status, code, message)
			if key != "" && !isProblemMember(key) {
				b = appendStringMember(b, key, value)
			}
			b = append(b, "}\n"...)
			resp.send(w, r, status, "application/problem+json", b)
			return
		}
	}
	e := New(status, code, message)
	if key != "" {
		e = e.With(key, string(value))
	}
	wr.WriteError(w, r, e)
}

// stripRepresentation removes the headers that described the success body.
func stripRepresentation(h http.Header) {
	for _, k := range representationHeaders {
		delete(h, k) // the names are canonical, as Header.Del would make them
	}
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
	b = append(b, "}}\n"...)
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
	b = append(b, "}\n"...)
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

func (p *errorResponse) send(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	p.values = [3]string{ctype, strconv.Itoa(len(body)), "nosniff"}
	h := w.Header()
	h["Content-Type"] = p.values[0:1:1]
	h["Content-Length"] = p.values[1:2:2]
	h["X-Content-Type-Options"] = p.values[2:3:3]
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
func appendStringMember[S string | []byte](b []byte, key string, value S) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':')
	return appendString(b, value)
}

// appendString appends s as a JSON string, byte for byte what encoding/json
// writes (with its HTML escaping). Codes, messages and tags are printable
// ASCII, copied between quotes with '"' and '\\' escaped; anything else goes
// through json.Marshal.
func appendString[S string | []byte](b []byte, s S) []byte {
	escapes := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&':
			v, _ := json.Marshal(string(s)) // strings always encode
			return append(b, v...)
		case c == '"' || c == '\\':
			escapes = true
		}
	}
	b = append(b, '"')
	if !escapes {
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
