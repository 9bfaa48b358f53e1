package conditional

import (
	"net/http"

	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/response"
)

// Messages of the error responses, fixed so that clients can rely on them.
const (
	msgConflict = "The resource was modified by another client. Please re-fetch and retry."

	msgRequireETag    = "This request must be conditional: send If-Match with the entity-tag (ETag) of the representation you last saw."
	msgRequireDate    = "This request must be conditional: send If-Unmodified-Since with the Last-Modified date of the representation you last saw."
	msgRequireMissing = "This request must be conditional: send If-None-Match: * to create the resource only if it does not exist yet."
	msgRequireAny     = "This request must be conditional: send If-Match with the entity-tag (ETag) of the representation you last saw, or If-Unmodified-Since with its Last-Modified date."
)

// Check evaluates the preconditions of r against the current validators v
// (see [Evaluate]) and, unless the handler should go on, writes the answer
// itself and returns false:
//
//   - 304 Not Modified, with no body, the current ETag (or Last-Modified when
//     there is no ETag) set so caches can refresh, the header fields a 304
//     keeps (Cache-Control, Content-Location, Date, Expires, Vary) left as the
//     caller set them, and the representation fields (Content-Type,
//     Content-Length, Content-Encoding, Content-Range, ...) removed
//     (RFC 9110 §15.4.5);
//   - 412 Precondition Failed through [Options.ErrorWriter], code CONFLICT,
//     message "The resource was modified by another client. Please re-fetch
//     and retry.", and a "current_etag" member holding the current tag in
//     header form (e.g. "\"v7\"") when there is one; the member is omitted
//     when the resource has no ETag;
//   - 428 Precondition Required (with [Options.RequirePrecondition]) through
//     [Options.ErrorWriter], code PRECONDITION_REQUIRED, with a message naming
//     the header field to send: If-Match when the resource has an ETag,
//     If-Unmodified-Since when it has only a Last-Modified, If-None-Match: *
//     when it does not exist;
//   - 204 No Content with the current validators for [AlreadyApplied].
//
// When Check returns true nothing has been written and the handler performs
// the method. Check sets no header in that case: after a write the
// validators change, and the handler sets the new ones.
//
// To make check-and-write atomic — the only way preconditions prevent lost
// updates — call Check while holding the lock (or inside the transaction)
// that also covers the write, with validators read under that same lock:
//
//	mu.Lock()
//	defer mu.Unlock()
//	if !conditional.Check(w, r, current(), opts) {
//		return
//	}
//	write()
func Check(w http.ResponseWriter, r *http.Request, v Validators, opts Options) (proceed bool) {
	switch Evaluate(r, v, opts) {
	case NotModified:
		// Last-Modified guides a cache only when there is no ETag (§15.4.5).
		setValidators(w.Header(), v, &opts, v.ETag.IsZero())
		response.Strip304(w.Header())
		w.WriteHeader(http.StatusNotModified)
	case PreconditionFailed:
		httperr.Write(w, r, opts.ErrorWriter, conflictError(v))
	case PreconditionRequired:
		httperr.Write(w, r, opts.ErrorWriter, requiredError(v))
	case AlreadyApplied:
		h := w.Header()
		for _, k := range [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range"} {
			delete(h, k)
		}
		setValidators(h, v, &opts, true)
		w.WriteHeader(http.StatusNoContent)
	default:
		return true
	}
	return false
}

// setValidators writes the current validators into h: the ETag, and the
// Last-Modified when withDate is set, clamped to now (RFC 9110 §8.8.2.1).
func setValidators(h http.Header, v Validators, opts *Options, withDate bool) {
	if !v.ETag.IsZero() {
		h["Etag"] = []string{v.ETag.String()}
	}
	if !withDate {
		return
	}
	if lm, ok := v.lastModified(opts.now().Unix()); ok {
		h["Last-Modified"] = []string{formatHTTPDate(lm)}
	}
}

// conflictError is the 412 body: the current tag lets the client see what
// it must re-fetch.
func conflictError(v Validators) *httperr.Error {
	e := httperr.New(http.StatusPreconditionFailed, httperr.CodeConflict, msgConflict)
	if !v.ETag.IsZero() {
		e = e.With("current_etag", v.ETag.String())
	}
	return e
}

func requiredError(v Validators) *httperr.Error {
	msg := msgRequireAny
	switch {
	case !v.ETag.IsZero():
		msg = msgRequireETag
	case !v.LastModified.IsZero():
		msg = msgRequireDate
	case !v.exists():
		msg = msgRequireMissing
	}
	return httperr.New(http.StatusPreconditionRequired, httperr.CodePreconditionRequired, msg)
}
