package asyncjob

import (
	"net/http"
	"strconv"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
)

// StatusHandler answers GET and HEAD on a job's status URL.
//
//   - accepted or processing: 200 with the status document, Retry-After
//     (Options.PollInterval), an ETag and Cache-Control: no-cache; a poll
//     whose If-None-Match matches costs a 304 (RFC 9110 §13.1.2) that keeps
//     ETag, Cache-Control and Retry-After.
//   - completed: 303 See Other with Location: the result URL and the status
//     document (Options.EmbedResult, or a result without URL: 200 with the
//     result embedded).
//   - failed: 200 with "error":{"code","message","retryable"}.
//   - canceled: 200 with "status":"canceled".
//   - unknown, expired or another owner's job: 404. Store failure: 503.
//
// Other methods get 405.
func (m *Manager) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			m.methodNotAllowed(w, r, "GET, HEAD")
			return
		}
		j, err := m.Get(r.Context(), m.opts.IDFunc(r), m.owner(r))
		if err != nil {
			m.storeError(w, r, err)
			return
		}
		m.writeStatus(w, r, j, http.StatusOK)
	})
}

// statusTag is the ETag of j's status document. The Version changes with
// every stored change, so it identifies the document; the suffix keeps
// tags apart if EmbedResult is switched between deployments.
func (m *Manager) statusTag(j *Job) etag.Tag {
	var buf [24]byte
	b := strconv.AppendUint(buf[:0], j.Version, 10)
	if m.opts.EmbedResult {
		b = append(b, "-e"...)
	}
	return etag.Tag{Opaque: string(b)}
}

// writeStatus writes j's status document with the status code the state
// calls for; okStatus is the code for non-redirect answers (200 on polls).
func (m *Manager) writeStatus(w http.ResponseWriter, r *http.Request, j *Job, okStatus int) {
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	code := okStatus
	if j.State == StateCompleted && j.Result != nil && j.Result.URL != "" && !m.opts.EmbedResult {
		// RFC 9110 §15.4.4: 303 points to the result; preconditions are
		// not evaluated for a non-2xx answer (§13.2.1).
		h.Set("Location", j.Result.URL)
		code = http.StatusSeeOther
	} else {
		tag := m.statusTag(j)
		h.Set("Etag", tag.String())
		if !j.State.Terminal() {
			h.Set("Retry-After", seconds(m.opts.PollInterval))
		}
		if code == http.StatusOK && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			// The one evaluator of RFC 9110 §13.2.2: a matching
			// If-None-Match costs a 304 that keeps ETag, Cache-Control and
			// Retry-After; a failed If-Match is a 412.
			v := conditional.Validators{ETag: tag, Exists: true}
			if !conditional.Check(w, r, v, conditional.Options{ErrorWriter: m.opts.ErrorWriter, OmitProceedValidators: true}) {
				return
			}
		}
	}
	bp := m.bufs.Get().(*[]byte)
	b := m.appendStatus((*bp)[:0], j)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	if cap(b) <= maxPooledBuf {
		*bp = b
		m.bufs.Put(bp)
	}
}

// maxPooledBuf keeps unusually large status documents (big embedded
// results) out of the buffer pool.
const maxPooledBuf = 16 << 10
