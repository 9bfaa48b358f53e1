package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/negotiate"
	"github.com/httpsem/httpsem/patch"
)

// jsonRepresentation encodes v with the encoder GET renders JSON with, so
// that a PATCH answers the very bytes a GET returns under the same strong
// ETag (RFC 9110 §8.8.3).
func jsonRepresentation(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := negotiate.JSON().EncodeFunc(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeJSON reads one JSON object of at most maxJSONBody bytes from r into
// dst, rejecting unknown members and trailing data. Syntax errors and text
// that is not I-JSON are 400, a body too large 413, well-formed JSON with
// the wrong shape (wrong types, unknown members) 422.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) *httperr.Error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge,
				fmt.Sprintf("The request body exceeds %d bytes.", maxJSONBody))
		}
		return badRequest("The request body could not be read.")
	}
	return unmarshalStrict(body, dst)
}

// unmarshalStrict decodes body into dst with the rules of decodeJSON. It is
// the one decoding path of every JSON write (POST, PUT, and PATCH results),
// so that a PUT cannot store what a PATCH refuses: encoding/json would turn
// invalid UTF-8 and lone surrogates into U+FFFD and keep the last of
// repeated names, where patch.CheckJSON refuses them (I-JSON, RFC 7493).
func unmarshalStrict(body []byte, dst any) *httperr.Error {
	if err := patch.CheckJSON(body); err != nil {
		reason := "the document is not valid JSON"
		var oe *patch.OpError
		if errors.As(err, &oe) {
			reason = oe.Reason // client-safe by contract
		}
		return badRequest("The request body is not I-JSON (RFC 7493): " + reason + ".")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			field := ute.Field
			if field == "" {
				return unprocessable("The request body must be a JSON object.")
			}
			return unprocessable(fmt.Sprintf("Field %q must be of type %s.", field, jsonTypeName(ute.Type.Kind().String())))
		}
		if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return unprocessable("Unknown field " + msg + ".")
		}
		return unprocessable("The request body does not have the expected shape.")
	}
	if dec.More() {
		return badRequest("The request body holds more than one JSON value.")
	}
	return nil
}

// jsonTypeName names a Go kind the way a JSON client thinks of it.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	default:
		return "number"
	}
}

// requireMembers reports the first of fields (dotted paths into nested
// objects) that the JSON object doc lacks, as a 422 naming it: after a
// merge patch, a required member set to null is gone (RFC 7396 §2), and
// decoding into a struct would silently give it its zero value. doc has
// passed unmarshalStrict.
func requireMembers(doc []byte, fields ...string) *httperr.Error {
	var root map[string]json.RawMessage
	if json.Unmarshal(doc, &root) != nil {
		return unprocessable("The request body must be a JSON object.")
	}
	for _, f := range fields {
		obj, rest := root, f
		for {
			name, sub, nested := strings.Cut(rest, ".")
			v, ok := obj[name]
			if !ok || string(v) == "null" {
				return unprocessable(fmt.Sprintf("Field %q is required.", f))
			}
			if !nested {
				break
			}
			obj = nil
			if json.Unmarshal(v, &obj) != nil {
				break // the wrong type: unmarshalStrict has said so
			}
			rest = sub
		}
	}
	return nil
}

// ptr returns a pointer to a copy of v, for optional members.
func ptr[T any](v T) *T { return &v }
