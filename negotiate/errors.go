package negotiate

import (
	"errors"
	"net/http"
	"slices"

	"github.com/httpsem/httpsem/httperr"
)

// Sentinel errors of [Renderer.Render], returned after it has written the
// corresponding error response, and of [Encoder.EncodeFunc].
var (
	// ErrNotAcceptable means none of the offered media types was acceptable
	// and 406 Not Acceptable was written.
	ErrNotAcceptable = errors.New("negotiate: no acceptable representation")
	// ErrEncode means the encoder failed; 500 was written and the encoder's
	// error is wrapped beside this one.
	ErrEncode = errors.New("negotiate: encoding failed")
	// ErrUnsupportedValue is what an [Encoder] returns (wrapped or as is) to
	// decline a value its format cannot represent, such as a map for XML. A
	// [Renderer] then moves on to the next acceptable encoder; see
	// [Renderer.Render].
	ErrUnsupportedValue = errors.New("negotiate: the encoder cannot represent this value")
)

// notAcceptable writes 406 with the available media types, so a client can
// learn what to ask for (RFC 9110 §15.5.7 suggests listing them).
func notAcceptable(w http.ResponseWriter, r *http.Request, wr httperr.Writer, available []string) {
	e := httperr.New(http.StatusNotAcceptable, httperr.CodeNotAcceptable,
		"none of the available media types is acceptable").With("available", slices.Clone(available))
	httperr.Write(w, r, wr, e)
}
