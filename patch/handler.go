package patch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
)

// Errors a [LoadFunc] or [StoreFunc] returns to steer the [Handler].
var (
	// ErrNotFound from LoadFunc means the resource does not exist: 404.
	ErrNotFound = errors.New("patch: resource not found")

	// ErrStale from StoreFunc means the resource no longer has the
	// validators it had when it was loaded: another write came first. The
	// handler loads it again and re-evaluates the preconditions, so a
	// request with If-Match gets 412; a request without preconditions is
	// re-applied to the new state up to [Options.MaxRetries] times, then
	// gets 409.
	ErrStale = errors.New("patch: resource changed since it was loaded")

	// ErrRejected from StoreFunc means the patched document is not
	// acceptable (wrong type, an immutable member changed): 422
	// Unprocessable Content (RFC 5789 §2.2). Return an [*httperr.Error]
	// instead to choose the message the client sees.
	ErrRejected = errors.New("patch: patched document rejected")
)

// Resource is a representation of the resource a PATCH targets, with its
// validators: the current state from [LoadFunc], or the stored state from
// [StoreFunc], which is what the 200 response carries.
type Resource struct {
	// Doc is the JSON representation. From StoreFunc: the bytes a GET would
	// now return, which are the body of the 200; empty means doc was stored
	// byte for byte, and doc is answered.
	Doc []byte
	// Validators are Doc's validators: from LoadFunc, checked against
	// If-Match and If-Unmodified-Since (conditional.Validators); from
	// StoreFunc, sent as ETag and Last-Modified.
	Validators conditional.Validators
	// ContentType is the media type of Doc. The 200 response uses
	// StoreFunc's, else LoadFunc's, else "application/json".
	ContentType string
}

// LoadFunc returns the current state of the resource r targets, or
// [ErrNotFound]. Any other error becomes a 500 (logged, never shown).
type LoadFunc func(ctx context.Context, r *http.Request) (Resource, error)

// StoreFunc validates the patched document doc, stores it as the new state
// of the resource, and returns the stored representation and its
// validators: what a GET would now answer. A store that adds server-managed
// members (an "updated_at", a revision) or normalises the document returns
// its own bytes in Doc, so that the 200 body and a later GET under the same
// strong ETag are the same bytes (RFC 9110 §8.8.3); a store that keeps doc
// as is may leave Doc empty.
//
// It must be atomic with respect to prev: store doc only if the resource
// still has prev.Validators (compare-and-swap: under the lock or in the
// transaction that writes, e.g. "UPDATE … WHERE version = ?"), and return
// [ErrStale] otherwise — also when the resource was deleted meanwhile. This
// makes the precondition check and the write one atomic step: of two
// concurrent PATCHes with the same If-Match, one stores and the other gets
// 412.
//
// To reject the document return [ErrRejected] (422) or an [*httperr.Error],
// which is written as is. Any other error becomes a 500.
type StoreFunc func(ctx context.Context, r *http.Request, prev Resource, doc []byte) (Resource, error)

// Handler returns an http.Handler that serves PATCH (RFC 5789) for one kind
// of resource:
//
//  1. A Content-Type other than an accepted patch type — including plain
//     application/json and none at all (RFC 5789 erratum 3169) — gets 415
//     with Accept-Patch (RFC 5789 §2.2); a content-encoded body gets 415
//     with "Accept-Encoding: identity" (RFC 7694 §3).
//  2. load reads the resource; [ErrNotFound] is 404.
//  3. conditional.Check evaluates the preconditions: a stale If-Match or
//     If-Unmodified-Since is 412 before the body is read, a missing one 428
//     with Options.Conditional.RequirePrecondition.
//  4. The body is read through http.MaxBytesReader (413 past
//     [Options.MaxPatchBytes]) and applied: 400 for a malformed patch, 409
//     when it does not apply (a failed test, a missing path), 422 past a
//     limit.
//  5. store validates and writes atomically (see [StoreFunc]); 422 when it
//     rejects the result.
//  6. 200 with the representation store returned — not the patched bytes,
//     which the store may have changed — with its ETag and Last-Modified;
//     or 204 with the validators when [Options.NoContent] is set or the
//     client sent "Prefer: return=minimal" (RFC 7240 §4.2).
//
// OPTIONS gets 204 with Allow and Accept-Patch; other methods get 405. Every
// error goes through [Options.ErrorWriter]. load and store must not be nil.
// The handler is safe for concurrent use.
func Handler(opts Options, load LoadFunc, store StoreFunc) http.Handler {
	h := &handler{
		patcher:  NewPatcher(opts),
		load:     load,
		store:    store,
		errw:     opts.ErrorWriter,
		cond:     opts.Conditional,
		retries:  limit(opts.MaxRetries, DefaultMaxRetries),
		minimal:  opts.NoContent,
		log:      opts.Logger,
		maxBytes: limit(opts.MaxPatchBytes, DefaultMaxPatchBytes),
	}
	if h.cond.ErrorWriter == nil {
		h.cond.ErrorWriter = opts.ErrorWriter
	}
	return h
}

type handler struct {
	patcher  *Patcher
	load     LoadFunc
	store    StoreFunc
	errw     httperr.Writer
	cond     conditional.Options
	retries  int
	minimal  bool
	log      *slog.Logger
	maxBytes int64
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	switch r.Method {
	case http.MethodPatch:
	case http.MethodOptions:
		hdr.Set("Allow", "OPTIONS, PATCH")
		hdr.Set("Accept-Patch", h.patcher.acceptPatch)
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hdr.Set("Allow", "OPTIONS, PATCH")
		httperr.Write(w, r, h.errw, httperr.New(http.StatusMethodNotAllowed, httperr.CodeMethodNotAllowed, "method not allowed"))
		return
	}
	mediaType := r.Header.Get("Content-Type")
	if f := parseFormat(mediaType); f == formatNone || f == formatMerge && !h.patcher.merge || f == formatJSONPatch && !h.patcher.jp {
		// RFC 5789 §2.2: tell the client which patch formats would work.
		hdr.Set("Accept-Patch", h.patcher.acceptPatch)
		httperr.Write(w, r, h.errw, httperr.New(http.StatusUnsupportedMediaType, httperr.CodeUnsupportedMedia,
			"the request body must be one of: "+h.patcher.acceptPatch))
		return
	}

	if encoded(r.Header["Content-Encoding"]) {
		// RFC 7694 §3: a content coding the server does not decode is a 415
		// that names the codings it accepts.
		hdr.Set("Accept-Encoding", "identity")
		httperr.Write(w, r, h.errw, httperr.New(http.StatusUnsupportedMediaType, httperr.CodeUnsupportedMedia,
			"the patch document must not be content-encoded"))
		return
	}

	ctx := r.Context()
	var body []byte
	for attempt := 0; ; attempt++ {
		cur, err := h.load(ctx, r)
		if errors.Is(err, ErrNotFound) {
			// RFC 9110 §13.2.1: without its preconditions the request would
			// be a 404, so they are not evaluated.
			httperr.Write(w, r, h.errw, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "resource not found"))
			return
		}
		if err != nil {
			h.internal(w, r, "patch: load failed", err)
			return
		}
		if !conditional.Check(w, r, cur.Validators, h.cond) {
			return
		}
		if body == nil {
			// Read only once the preconditions hold: a stale client gets its
			// 412 without uploading the whole patch.
			if body, err = h.readBody(w, r); err != nil {
				return
			}
		}
		out, err := h.patcher.Apply(mediaType, cur.Doc, body)
		if err != nil {
			if errors.Is(err, ErrInvalidDocument) {
				h.internal(w, r, "patch: stored document is not valid JSON", err)
				return
			}
			httperr.Write(w, r, h.errw, HTTPError(err))
			return
		}
		stored, err := h.store(ctx, r, cur, out)
		var he *httperr.Error
		switch {
		case err == nil:
			if len(stored.Doc) == 0 {
				stored.Doc = out
			}
			if stored.ContentType == "" {
				stored.ContentType = cur.ContentType
			}
			h.success(w, r, stored)
			return
		case errors.Is(err, ErrStale):
			if attempt < h.retries {
				continue // the next Check sees the new validators
			}
			httperr.Write(w, r, h.errw, httperr.New(http.StatusConflict, httperr.CodeConflict,
				"the resource is being modified concurrently; retry"))
			return
		case errors.As(err, &he):
			httperr.Write(w, r, h.errw, he)
			return
		case errors.Is(err, ErrRejected):
			httperr.Write(w, r, h.errw, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable,
				"the patched document is not acceptable"))
			return
		default:
			h.internal(w, r, "patch: store failed", err)
			return
		}
	}
}

// readBody reads the patch document within the size limit. On failure it
// has written the error response.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return []byte{}, nil
	}
	rd := io.Reader(r.Body)
	if h.maxBytes > 0 {
		if r.ContentLength > h.maxBytes {
			err := &LimitError{Limit: LimitPatchBytes, Max: h.maxBytes}
			httperr.Write(w, r, h.errw, HTTPError(err))
			return nil, err
		}
		rd = http.MaxBytesReader(w, r.Body, h.maxBytes)
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &LimitError{Limit: LimitPatchBytes, Max: h.maxBytes}
			httperr.Write(w, r, h.errw, HTTPError(err))
			return nil, err
		}
		httperr.Write(w, r, h.errw, httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, "could not read the request body"))
		return nil, err
	}
	if body == nil {
		body = []byte{}
	}
	return body, nil
}

// success answers with the stored representation: a body that differs from
// what a GET returns under the same strong ETag would break the validator's
// promise (RFC 9110 §8.8.3).
func (h *handler) success(w http.ResponseWriter, r *http.Request, stored Resource) {
	hdr := w.Header()
	v := stored.Validators
	if !v.ETag.IsZero() {
		hdr.Set("ETag", v.ETag.String())
	}
	if !v.LastModified.IsZero() {
		hdr.Set("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	}
	minimal, stated := preferReturn(r.Header["Prefer"])
	if stated {
		if minimal {
			hdr.Set("Preference-Applied", "return=minimal")
		} else {
			hdr.Set("Preference-Applied", "return=representation")
		}
	} else {
		minimal = h.minimal
	}
	if minimal {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ct := stored.ContentType
	if ct == "" {
		ct = "application/json"
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Length", strconv.Itoa(len(stored.Doc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(stored.Doc)
}

func (h *handler) internal(w http.ResponseWriter, r *http.Request, msg string, err error) {
	if h.log != nil {
		h.log.ErrorContext(r.Context(), msg, "error", err, "method", r.Method, "path", r.URL.Path)
	}
	httperr.Write(w, r, h.errw, httperr.New(http.StatusInternalServerError, httperr.CodeInternal, "internal error"))
}

// encoded reports whether Content-Encoding names a coding other than
// identity.
func encoded(values []string) bool {
	enc := false
	header.Elements(values, func(c string) bool {
		enc = !header.EqualFold(c, "identity")
		return !enc
	})
	return enc
}

// preferReturn reads the "return" preference (RFC 7240 §4.2) with
// header.Preference: only its first instance counts, and a value other than
// minimal or representation is ignored (RFC 7240 §2).
func preferReturn(values []string) (minimal, stated bool) {
	v, _, ok := header.Preference(values, "return")
	switch {
	case !ok:
		return false, false
	case header.EqualFold(v, "minimal"):
		return true, true
	case header.EqualFold(v, "representation"):
		return false, true
	}
	return false, false
}

// Middleware advertises the accepted patch formats with Accept-Patch
// (RFC 5789 §3.1) on GET, HEAD and OPTIONS responses of the resources it
// wraps, so a client learns from a GET or an OPTIONS that it may PATCH and
// in which formats. The header is set before the wrapped handler runs, which
// may change or remove it.
func Middleware(opts Options) func(http.Handler) http.Handler {
	value := NewPatcher(opts).acceptPatch
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				w.Header().Set("Accept-Patch", value)
			}
			next.ServeHTTP(w, r)
		})
	}
}
