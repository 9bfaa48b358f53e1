package precond

import (
	"net/http"

	"github.com/httpsem/httpsem/httperr"
)

// ConflictMessage is the message of every 412 Precondition Failed that
// httpsem writes, whichever layer answers, so clients see one error.
const ConflictMessage = "The resource was modified by another client. Please re-fetch and retry."

// WriteConflict answers 412 Precondition Failed through wr (nil: the JSON
// envelope) with code CONFLICT, [ConflictMessage], and a "current_etag"
// member holding current, the current tag in header form (`"v7"`), so that
// the client sees what it must re-fetch. A nil current (the resource has no
// tag) omits the member. With the built-in writers it allocates twice.
func WriteConflict(w http.ResponseWriter, r *http.Request, wr httperr.Writer, current []byte) {
	key := "current_etag"
	if current == nil {
		key = ""
	}
	httperr.WriteWith(w, r, wr, http.StatusPreconditionFailed, httperr.CodeConflict, ConflictMessage, key, current)
}
