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
	h := w.Header()
	for _, k := range representationHeaders {
		delete(h, k) // the names are canonical, as Header.Del would make them
	}
	if wr == nil {
		wr = JSON{}
	}
	wr.WriteError(w, r, e)
}

// JSON is the default [Writer]: {"error":{"code":...,"message":...,...extra}}
// with Content-Type: application/json. Extra members are written in key order.
type JSON struct{}

// WriteError implements [Writer].
func (JSON) WriteError(w http.ResponseWriter, r *http.Request, e *Error) {
	b := make([]byte, 0, bodyCap)
	b = append(b, `{"error":{"code":`...)
	b = appendString(b, e.Code)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	b = appendExtra(b, e.Extra, "code", "message")
	b = append(b, "}}\n"...)
	send(w, r, e.StatusCode(), "application/json", b)
}

// bodyCap is the initial capacity of an error body: the envelopes this
// library writes fit, so the body is allocated once.
const bodyCap = 256

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
	b := make([]byte, 0, bodyCap)
	b = append(b, `{"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"title":`...)
	b = appendString(b, http.StatusText(status))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"detail":`...)
	b = appendString(b, e.Message)
	b = append(b, `,"code":`...)
	b = appendString(b, e.Code)
	b = appendExtra(b, e.Extra, "type", "title", "status", "detail", "code", "instance")
	b = append(b, "}\n"...)
	send(w, r, status, "application/problem+json", b)
}

func send(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{ctype}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h["X-Content-Type-Options"] = []string{"nosniff"}
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
		b = append(b, ',')
		b = appendString(b, key)
		b = append(b, ':')
		return appendString(b, s)
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

// appendString appends s as a JSON string, byte for byte what encoding/json
// writes (with its HTML escaping). Codes, messages and tags are printable
// ASCII, copied between quotes with '"' and '\\' escaped; anything else goes
// through json.Marshal.
func appendString(b []byte, s string) []byte {
	escapes := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&':
			v, _ := json.Marshal(s) // strings always encode
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
