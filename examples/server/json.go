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
// dst, rejecting unknown members and trailing data. Syntax errors are 400, a
// body too large 413, well-formed JSON with the wrong shape (wrong types,
// unknown members) 422.
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

// unmarshalStrict decodes body into dst with the rules of decodeJSON.
func unmarshalStrict(body []byte, dst any) *httperr.Error {
	if !json.Valid(body) {
		return badRequest("The request body is not valid JSON.")
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
