package precond

import (
	"net/http"

	"github.com/httpsem/httpsem/httperr"
)

// ConflictMessage is the message of every 412 Precondition Failed that
// httpsem writes, whichever layer answers, so clients see one error.
const ConflictMessage = "The resource was modified by another client. Please re-fetch and retry."

// conflict is the 412 encoded once: a hot path (a lost update caught, a
// stale read) then copies the envelope's fixed part instead of encoding the
// message again on every response. It is never modified.
var conflict = httperr.Prepare(http.StatusPreconditionFailed, httperr.CodeConflict, ConflictMessage, "current_etag")

// WriteConflict answers 412 Precondition Failed through wr (nil: the JSON
// envelope) with code CONFLICT, [ConflictMessage], and a "current_etag"
// member holding current, the current tag in header form (`"v7"`), so that
// the client sees what it must re-fetch. A nil current (the resource has no
// tag) omits the member. With the built-in writers it allocates once (the
// response, its header values and body in one).
func WriteConflict(w http.ResponseWriter, r *http.Request, wr httperr.Writer, current []byte) {
	httperr.WritePrepared(w, r, wr, conflict, current)
}

// WriteConflictScratch is [WriteConflict] with the body built in scratch
// (see httperr.WritePreparedScratch): a middleware that keeps scratch in
// its pooled per-request state allocates only the three header values of
// the 412, 48 bytes instead of the 320 of the whole response.
func WriteConflictScratch(w http.ResponseWriter, r *http.Request, wr httperr.Writer, current, scratch []byte) {
	httperr.WritePreparedScratch(w, r, wr, conflict, current, scratch)
}
