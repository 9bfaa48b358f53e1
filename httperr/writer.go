package httperr

import (
	"encoding/json"
	"net/http"
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
		h.Del(k)
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
	var b strings.Builder
	b.WriteString(`{"error":{"code":`)
	writeJSON(&b, e.Code)
	b.WriteString(`,"message":`)
	writeJSON(&b, e.Message)
	writeExtra(&b, e.Extra, "code", "message")
	b.WriteString("}}\n")
	send(w, r, e.StatusCode(), "application/json", b.String())
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
	var b strings.Builder
	b.WriteString(`{"type":`)
	writeJSON(&b, typ)
	b.WriteString(`,"title":`)
	writeJSON(&b, http.StatusText(status))
	b.WriteString(`,"status":`)
	b.WriteString(strconv.Itoa(status))
	b.WriteString(`,"detail":`)
	writeJSON(&b, e.Message)
	b.WriteString(`,"code":`)
	writeJSON(&b, e.Code)
	writeExtra(&b, e.Extra, "type", "title", "status", "detail", "code", "instance")
	b.WriteString("}\n")
	send(w, r, status, "application/problem+json", b.String())
}

func send(w http.ResponseWriter, r *http.Request, status int, ctype, body string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(body))
}

func writeExtra(b *strings.Builder, extra map[string]any, reserved ...string) {
	if len(extra) == 0 {
		return
	}
	keys := make([]string, 0, len(extra))
next:
	for k := range extra {
		for _, r := range reserved {
			if k == r {
				continue next
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := json.Marshal(extra[k])
		if err != nil {
			// An unencodable extra is dropped rather than failing the whole
			// error response.
			continue
		}
		b.WriteByte(',')
		writeJSON(b, k)
		b.WriteByte(':')
		b.Write(v)
	}
}

func writeJSON(b *strings.Builder, s string) {
	v, _ := json.Marshal(s) // strings always encode
	b.Write(v)
}
