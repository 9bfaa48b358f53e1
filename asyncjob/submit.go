package asyncjob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/httpsem/httpsem/httperr"
)

// DecodeFunc turns a submission into the [Spec] of its job: the payload
// (often body as is, or a normalised form), and optionally a callback URL,
// a timeout and an estimate. Kind, Owner, IdempotencyKey and Fingerprint
// are filled in by the handler. body is the whole request body, already
// read within Options.MaxBodyBytes. Returning an *httperr.Error sends it;
// any other error answers 400 without its text.
//
// decode runs on every submission, retries with an Idempotency-Key
// included, before the store finds the job the key already names (the
// claim and the job creation are one atomic store step, which needs the
// decoded Spec). It must therefore be free of side effects, or make them
// safe to repeat.
type DecodeFunc func(r *http.Request, body []byte) (Spec, error)

// SubmitHandler turns each request into a job of the given kind and
// answers 202 Accepted with Location and Content-Location: the status URL,
// Retry-After, and {"job_id","status":"accepted","status_url",
// "estimated_completion"} (omitted when unknown). A nil decode stores the
// body as the payload.
//
// Prefer (RFC 7240): respond-async is honoured and echoed in
// Preference-Applied; wait=N (capped by Options.MaxWait) holds the response
// up to N seconds and, when the job ends in time, answers as the status URL
// would (303 to the result, or 200 with the failed or canceled status),
// with Preference-Applied: wait=N.
//
// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header, see
// [ParseIdempotencyKey]): a retry with the same key, owner, method, path
// and body gets the same job and the same 202 answer, however many retries
// race; the same key with a different request gets 422; a malformed key
// 400. A key is held until its job expires (Options.Retention after the
// job finished), after which it may be used again.
//
// Errors: 400 (bad key or body), 413 (body over Options.MaxBodyBytes), 422
// (payload refused by the Kind, bad or forbidden callback URL, key reuse),
// 503 with Retry-After (queue full, shutting down, store unavailable).
func (m *Manager) SubmitHandler(kind string, decode DecodeFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.closed.Load() {
			m.unavailable(w, r, ErrClosed)
			return
		}
		owner := m.owner(r)
		key, err := ParseIdempotencyKey(r.Header, DefaultMaxKeyLength)
		if err != nil {
			m.writeError(w, r, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "the Idempotency-Key header must be a string of at most "+strconv.Itoa(DefaultMaxKeyLength)+" bytes"))
			return
		}
		if key == "" && m.opts.RequireIdempotencyKey {
			m.writeError(w, r, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "an Idempotency-Key header is required"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.opts.MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				m.writeError(w, r, httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, "the request body is too large").With("max_bytes", m.opts.MaxBodyBytes))
				return
			}
			m.writeError(w, r, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "the request body could not be read"))
			return
		}
		spec := Spec{Payload: body}
		if decode != nil {
			if spec, err = decode(r, body); err != nil {
				var he *httperr.Error
				if errors.As(err, &he) {
					m.writeError(w, r, he)
				} else {
					m.writeError(w, r, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "the request could not be decoded"))
				}
				return
			}
		}
		spec.Kind, spec.Owner = kind, owner
		spec.IdempotencyKey = key
		if key != "" {
			spec.Fingerprint = Fingerprint(r.Method, r.URL.Path, owner, body)
		}
		j, err := m.Submit(r.Context(), spec)
		if errors.Is(err, ErrDuplicate) && j != nil {
			if j.Fingerprint != spec.Fingerprint {
				m.writeError(w, r, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "the Idempotency-Key was already used for a different request"))
				return
			}
			err = nil
		}
		if err != nil {
			m.submitError(w, r, err)
			return
		}
		m.answerSubmit(w, r, j)
	})
}

func (m *Manager) submitError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		pe *payloadError
		ce *callbackError
		he *httperr.Error
	)
	switch {
	case errors.As(err, &pe) && errors.As(pe.err, &he):
		m.writeError(w, r, he)
	case errors.As(err, &pe):
		m.writeError(w, r, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "the request does not describe a valid job"))
	case errors.As(err, &ce):
		m.writeError(w, r, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "the callback URL is not allowed").With("field", "callback_url"))
	case errors.Is(err, errNoCallbacks):
		m.writeError(w, r, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "callbacks are not enabled on this service").With("field", "callback_url"))
	case errors.Is(err, ErrUnknownKind):
		m.log.Error("asyncjob: submission handler names an unknown kind", "err", err)
		m.writeError(w, r, httperr.New(http.StatusInternalServerError, httperr.CodeInternal, "the service is misconfigured"))
	default:
		m.unavailable(w, r, err)
	}
}

// answerSubmit writes the answer to an accepted (or replayed) submission,
// honouring Prefer.
func (m *Manager) answerSubmit(w http.ResponseWriter, r *http.Request, j *Job) {
	prefs := ParsePrefer(r.Header)
	h := w.Header()
	statusURL := m.opts.StatusURLFunc(j.ID)
	if prefs.HasWait && prefs.Wait > 0 && m.opts.MaxWait > 0 {
		wait := min(time.Duration(prefs.Wait)*time.Second, m.opts.MaxWait)
		applied := "wait=" + strconv.FormatInt(int64(wait/time.Second), 10)
		done, waited := m.waitTerminal(r.Context(), j.ID, wait)
		if done != nil {
			h.Set("Preference-Applied", applied)
			h.Set("Content-Location", statusURL)
			m.writeStatus(w, r, done, http.StatusOK)
			return
		}
		switch {
		case !waited && prefs.RespondAsync:
			h.Set("Preference-Applied", "respond-async")
		case !waited:
			// No wait happened (RFC 7240 §3: only a preference that was
			// honoured is named).
		case prefs.RespondAsync:
			h.Set("Preference-Applied", "respond-async, "+applied)
		default:
			h.Set("Preference-Applied", applied)
		}
	} else if prefs.RespondAsync {
		h.Set("Preference-Applied", "respond-async")
	}
	b := m.appendAccepted(make([]byte, 0, 160), j)
	h.Set("Location", statusURL)
	h.Set("Content-Location", statusURL)
	h.Set("Retry-After", seconds(m.opts.PollInterval))
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusAccepted)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// waitTerminal waits up to d for job id to reach a terminal state and
// returns it then; nil when the wait ended first (timeout, client gone,
// Manager shutting down, store failure). waited is false when no wait
// could begin: the store could not watch the job (a store failure, or a
// job not visible yet, such as one submitted in a transaction that has not
// committed).
func (m *Manager) waitTerminal(ctx context.Context, id string, d time.Duration) (j *Job, waited bool) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	stop := context.AfterFunc(m.takeCtx, cancel)
	defer stop()
	feed, err := m.store.Watch(ctx, id, 0)
	if err != nil {
		return nil, false
	}
	for j := range feed {
		if j.State.Terminal() {
			return j, true
		}
	}
	return nil, true
}
