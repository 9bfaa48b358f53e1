package asyncjob

import (
	"errors"
	"net/http"

	"github.com/httpsem/httpsem/httperr"
)

// CancelHandler answers DELETE on a job's status URL: 202 Accepted with the
// status document when the job was accepted or processing (the worker,
// wherever it runs, sees its context canceled) or was already canceled
// (repeating a cancel is harmless, RFC 9110 §9.2.2); 409 Conflict with
// "status" when it already completed or failed; 404 for an unknown or
// foreign job. Other methods get 405.
func (m *Manager) CancelHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete {
			m.methodNotAllowed(w, r, "DELETE")
			return
		}
		j, err := m.Cancel(r.Context(), m.opts.IDFunc(r), m.owner(r))
		switch {
		case errors.Is(err, ErrFinished) && j != nil:
			m.writeError(w, r, httperr.New(http.StatusConflict, httperr.CodeConflict, "the job has already finished").With("status", string(j.State)))
			return
		case err != nil:
			m.storeError(w, r, err)
			return
		}
		m.writeStatus(w, r, j, http.StatusAccepted)
	})
}
