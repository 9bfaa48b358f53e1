package negotiate

import (
	"errors"
	"net/http"
	"slices"

	"github.com/httpsem/httpsem/httperr"
)

// Sentinel errors returned by [Renderer.Render] after it has written the
// corresponding error response.
var (
	// ErrNotAcceptable means none of the offered media types was acceptable
	// and 406 Not Acceptable was written.
	ErrNotAcceptable = errors.New("negotiate: no acceptable representation")
	// ErrEncode means the encoder failed; 500 was written and the encoder's
	// error is wrapped beside this one.
	ErrEncode = errors.New("negotiate: encoding failed")
)

// notAcceptable writes 406 with the available media types, so a client can
// learn what to ask for (RFC 9110 §15.5.7 suggests listing them).
func notAcceptable(w http.ResponseWriter, r *http.Request, wr httperr.Writer, available []string) {
	e := httperr.New(http.StatusNotAcceptable, httperr.CodeNotAcceptable,
		"none of the available media types is acceptable").With("available", slices.Clone(available))
	httperr.Write(w, r, wr, e)
}
