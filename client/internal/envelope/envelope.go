// Package envelope reads the error bodies httpsem servers write (package
// httperr: the JSON envelope and RFC 9457 problem details) back into an
// [httperr.Error], for the client packages. It is the one decoder; the
// writer is httperr.
package envelope

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/httpsem/httpsem/httperr"
)

// MaxBody bounds how much of an error body is read: envelopes are small, and
// a hostile server must not make the client buffer without limit.
const MaxBody = 64 << 10

// Read drains at most MaxBody bytes of res.Body and returns the error it
// describes. A body that is neither form still yields an Error with the
// status, code "" and the status text as message, so callers always get the
// status.
func Read(res *http.Response) *httperr.Error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, MaxBody))
	return Decode(res.StatusCode, res.Header.Get("Content-Type"), b)
}

// Decode returns the error that body (of the given status and Content-Type)
// describes.
func Decode(status int, contentType string, body []byte) *httperr.Error {
	e := &httperr.Error{Status: status, Message: http.StatusText(status)}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		var env struct {
			Error map[string]json.RawMessage `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil && env.Error != nil {
			fill(e, env.Error, "code", "message")
		}
	case "application/problem+json":
		var p map[string]json.RawMessage
		if json.Unmarshal(body, &p) == nil {
			fill(e, p, "code", "detail", "type", "title", "status", "instance")
		}
	}
	return e
}

// fill copies code and message (the member named msgKey) into e and the
// other members, except the reserved ones, into e.Extra.
func fill(e *httperr.Error, m map[string]json.RawMessage, codeKey, msgKey string, reserved ...string) {
	var s string
	if json.Unmarshal(m[codeKey], &s) == nil {
		e.Code = s
	}
	s = ""
	if json.Unmarshal(m[msgKey], &s) == nil && s != "" {
		e.Message = s
	}
	for k, raw := range m {
		if k == codeKey || k == msgKey || contains(reserved, k) {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		if e.Extra == nil {
			e.Extra = map[string]any{}
		}
		e.Extra[k] = v
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
