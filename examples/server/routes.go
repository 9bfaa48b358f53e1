package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/cache"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/negotiate"
	"github.com/httpsem/httpsem/patch"
)

// consumes builds the 415 check of a route (with Accept-Post or Accept-Patch).
func consumes(types ...string) func(http.Handler) http.Handler {
	return negotiate.Middleware(negotiate.Options{Consumes: types})
}

// routes is the route table. Method patterns (Go 1.22) make the mux answer
// 405 with Allow for a known path and an unsupported method; envelope puts
// that answer, and the 404 of an unknown path, in the error envelope.
// Middleware is listed outermost first.
func (s *server) routes() http.Handler {
	// Caching policies, one per kind of resource (see package cache).
	var (
		publicListing = cache.Middleware(cache.Options{Control: cache.PublicListing()})
		userSpecific  = cache.Middleware(cache.Options{Control: cache.UserSpecific()})
		// Live state is stale the moment it is sent: no cache keeps it.
		realTime = cache.Middleware(cache.Options{Control: cache.RealTime()})
		// Documents change under concurrent editors: a browser may keep a
		// copy but must revalidate it (cheap: 304) before each use.
		revalidate = cache.Middleware(cache.Options{Control: cache.Control{Private: true, NoCache: true}})
		// A finished report or an assembled file never changes.
		immutablePrivate = cache.Middleware(cache.Options{Control: cache.Control{Private: true, MaxAge: cache.Seconds(31536000), Immutable: true}})
		staticAsset      = cache.Middleware(cache.Options{Control: cache.StaticAsset()})
		// A strong ETag computed from the body (and 304 on If-None-Match)
		// for responses whose handler sets no ETag of its own.
		tagged = etag.Middleware(etag.Options{})
		// Accept-Patch on GET and HEAD tells clients they may PATCH, and how
		// (RFC 5789 §3.1).
		acceptPatch = patch.Middleware(patch.Options{})
	)

	mux := http.NewServeMux()
	h := func(pattern string, handler http.Handler, mws ...func(http.Handler) http.Handler) {
		for i := len(mws) - 1; i >= 0; i-- {
			handler = mws[i](handler)
		}
		mux.Handle(pattern, handler)
	}
	hf := func(f http.HandlerFunc) http.Handler { return f }

	// Events: public, cacheable, negotiated. GET patterns also match HEAD.
	h("GET /events", hf(s.listEvents), publicListing, tagged)
	h("GET /events/{id}", hf(s.getEvent), publicListing, tagged)
	// One summary per language (Accept-Language), each with its own tag.
	h("GET /events/{id}/summary", hf(s.getEventSummary), publicListing, tagged)

	// Users: private, patchable.
	h("GET /users/{id}", hf(s.getUser), userSpecific, acceptPatch)
	h("PATCH /users/{id}", s.patchUserHandler())

	// Documents: optimistic concurrency.
	h("POST /documents", hf(s.createDocument), consumes("application/json"))
	h("GET /documents/{id}", hf(s.getDocument), revalidate, acceptPatch)
	h("PUT /documents/{id}", hf(s.putDocument), consumes("application/json"))
	h("PATCH /documents/{id}", s.patchDocumentHandler())
	h("DELETE /documents/{id}", hf(s.deleteDocument))

	// Reports: long-running jobs.
	h("POST /reports", s.submitReports(), consumes("application/json"))
	h("GET /reports/{rid}", hf(s.getReport), immutablePrivate, tagged)
	// JobHandler dispatches GET/HEAD (status, SSE with Accept:
	// text/event-stream, WebSocket upgrade), DELETE (cancel) and answers 405
	// itself.
	h("/jobs/{id}", s.jobs.JobHandler(s.jobFeed))

	// Uploads: resumable, S3-style.
	h("POST /uploads", hf(s.createUpload), consumes("application/json"))
	h("GET /uploads/{id}", hf(s.getUpload), revalidate)
	h("PUT /uploads/{id}/parts/{n}", hf(s.putPart))
	h("POST /uploads/{id}/complete", s.jobs.SubmitHandler(kindAssemble, s.decodeComplete), consumes("application/json"))
	h("GET /files/{id}", hf(s.getFile), immutablePrivate)

	// Live server state: no-store.
	h("GET /status", hf(s.getStatus), realTime)

	// Docs and page.
	h("GET /openapi.json", hf(s.openAPI), revalidate, tagged)
	h("GET /static/{name}", hf(s.static), staticAsset, tagged)
	h("GET /{$}", hf(s.index), revalidate, tagged)

	return envelope(mux, patch.NewPatcher(patch.Options{}).AcceptPatch())
}

// envelope turns the mux's own plain-text 404 and 405 answers into the JSON
// error envelope, keeping the Allow header of a 405. It answers OPTIONS on
// every known path (RFC 9110 §9.3.7): 204 with the mux's Allow plus
// OPTIONS, and Accept-Patch where PATCH is allowed (RFC 5789 §3.1), so the
// answer cannot drift from the route table.
func envelope(mux *http.ServeMux, acceptPatch string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No route: the mux's handler decides between 404 and 405 (and sets
		// Allow); its text body is replaced.
		h.ServeHTTP(&errorOnly{w: w, r: r, acceptPatch: acceptPatch}, r)
	})
}

// errorOnly captures the mux's 404/405 and writes the envelope instead of its
// text body. It only ever wraps the mux's own error handlers, never a route,
// so it needs none of the optional interfaces (Flush, Hijack, Unwrap) that
// httpsem's internal wrapper carries; a copy of this server cannot import
// that internal package anyway.
type errorOnly struct {
	w           http.ResponseWriter
	r           *http.Request
	acceptPatch string
	written     bool
}

func (e *errorOnly) Header() http.Header { return e.w.Header() }

func (e *errorOnly) WriteHeader(status int) {
	if e.written {
		return
	}
	e.written = true
	switch {
	case status == http.StatusMethodNotAllowed && e.r.Method == http.MethodOptions:
		h := e.w.Header()
		allow := h.Get("Allow")
		if strings.Contains(allow, http.MethodPatch) {
			h.Set("Accept-Patch", e.acceptPatch)
		}
		h.Set("Allow", allow+", "+http.MethodOptions)
		h.Del("Content-Type") // the mux's text/plain; 204 has no content
		h.Del("X-Content-Type-Options")
		e.w.WriteHeader(http.StatusNoContent)
	case status == http.StatusMethodNotAllowed:
		fail(e.w, e.r, httperr.New(status, httperr.CodeMethodNotAllowed, fmt.Sprintf("Method %s is not allowed here; see the Allow header.", e.r.Method)))
	default:
		fail(e.w, e.r, httperr.New(http.StatusNotFound, httperr.CodeNotFound, "No resource at this URL."))
	}
}

func (e *errorOnly) Write(p []byte) (int, error) {
	if !e.written {
		e.WriteHeader(http.StatusOK)
	}
	return len(p), nil // the mux's text body is replaced by the envelope
}

// fail writes e through the one error writer (the JSON envelope).
func fail(w http.ResponseWriter, r *http.Request, e *httperr.Error) {
	httperr.Write(w, r, nil, e)
}

func notFound(what string) *httperr.Error {
	return httperr.New(http.StatusNotFound, httperr.CodeNotFound, what+" not found.")
}

func badRequest(msg string) *httperr.Error {
	return httperr.New(http.StatusBadRequest, httperr.CodeBadRequest, msg)
}

func unprocessable(msg string) *httperr.Error {
	return httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, msg)
}
