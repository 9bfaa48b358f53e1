package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/httpsem/httpsem/conditional"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/patch"
)

// Limits of a document.
const (
	maxTitleLen   = 200
	maxContentLen = 32 << 10
	maxDocIDLen   = 64
	// maxDocuments bounds the documents kept in memory; creating one more
	// is 507 Insufficient Storage (RFC 4918 §11.5).
	maxDocuments = 10000
)

// errStorageFull answers a create beyond maxDocuments.
func errStorageFull() *httperr.Error {
	return httperr.New(http.StatusInsufficientStorage, "INSUFFICIENT_STORAGE", "The document store is full; delete documents first.")
}

// document is edited by several clients at once. Every write must say which
// version it saw (If-Match or If-Unmodified-Since) or that it creates the
// document (If-None-Match: *); otherwise 428 Precondition Required.
type document struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Content   *string   `json:"content,omitempty"` // optional: merge patch null removes it
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is also Last-Modified. The server sets it on every write;
	// a PATCH answers the document as stored, with the new value.
	UpdatedAt time.Time `json:"updated_at"`
}

// documentInput is what clients send (POST, PUT) and patch (PATCH): the
// editable part of a document. Pointers tell a missing member from an empty
// one; title is required, content optional.
type documentInput struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
}

func (in *documentInput) validate() *httperr.Error {
	switch {
	case in.Title == nil:
		return unprocessable(`Field "title" is required.`)
	case strings.TrimSpace(*in.Title) == "" || len(*in.Title) > maxTitleLen:
		return unprocessable(`Field "title" must be 1 to 200 characters.`)
	case in.Content != nil && len(*in.Content) > maxContentLen:
		return unprocessable(`Field "content" must be at most 32768 bytes.`)
	}
	return nil
}

type docRecord struct {
	doc document
	rev uint64
}

// validators of a stored document; a nil record is a document that does not
// exist (If-None-Match: * then passes, If-Match fails).
func (rec *docRecord) validators() conditional.Validators {
	if rec == nil {
		return conditional.Validators{}
	}
	// The revision comes from a store-wide counter, so a document deleted
	// and created again at the same id never reuses an old ETag. A document
	// exists only as JSON; its tag still names the representation, so that
	// another one (XML, gzip) added later gets a tag of its own
	// (RFC 9110 §8.8.3).
	return conditional.Validators{ETag: docVariant.Tag(etag.FromVersion(rec.rev)), LastModified: rec.doc.UpdatedAt, Exists: true}
}

// docVariant is the one representation of a document.
var docVariant = etag.Variant{MediaType: jsonType}

// documentStore holds the documents. Its mutex covers the precondition check
// and the write of every request, so that eight clients doing
// read-modify-write at once lose no update.
type documentStore struct {
	mu     sync.Mutex
	now    func() time.Time
	rev    uint64
	nextID uint64
	byID   map[string]*docRecord
}

func newDocumentStore(now func() time.Time) *documentStore {
	return &documentStore{now: now, nextID: 1, byID: map[string]*docRecord{}}
}

// put stores in as document id, created now or updated; the caller holds mu.
func (s *documentStore) put(id string, in documentInput) *docRecord {
	// Last-Modified has one-second resolution; keeping the stored times at
	// that resolution makes created_at and updated_at agree with it.
	t := s.now().UTC().Truncate(time.Second)
	rec := s.byID[id]
	if rec == nil {
		rec = &docRecord{doc: document{ID: id, CreatedAt: t}}
		s.byID[id] = rec
	}
	s.rev++
	rec.rev = s.rev
	rec.doc.Title, rec.doc.Content, rec.doc.UpdatedAt = *in.Title, in.Content, t
	return rec
}

// freeID returns the next numeric id not taken (PUT may have created
// documents at ids of its client's choosing); the caller holds mu.
func (s *documentStore) freeID() string {
	for {
		id := strconv.FormatUint(s.nextID, 10)
		s.nextID++
		if s.byID[id] == nil {
			return id
		}
	}
}

// validDocID reports whether a client-chosen id (PUT with If-None-Match: *) is
// acceptable: 1 to 64 characters of [A-Za-z0-9_-].
func validDocID(id string) bool {
	if id == "" || len(id) > maxDocIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (s *server) docOptions() conditional.Options {
	return conditional.Options{RequirePrecondition: true, Now: s.cfg.Now}
}

// writeDocument answers with the stored document, its validators and status.
func (s *server) writeDocument(w http.ResponseWriter, r *http.Request, rec *docRecord, status int) {
	setValidators(w, rec.validators())
	if status == http.StatusCreated {
		w.Header().Set("Location", "/documents/"+rec.doc.ID)
	}
	_ = s.renderJSON.Render(w, r, status, rec.doc)
}

// createDocument serves POST /documents: 201 with Location and ETag.
func (s *server) createDocument(w http.ResponseWriter, r *http.Request) {
	var in documentInput
	if e := decodeJSON(w, r, &in); e != nil {
		fail(w, r, e)
		return
	}
	if e := in.validate(); e != nil {
		fail(w, r, e)
		return
	}
	s.docs.mu.Lock()
	if len(s.docs.byID) >= maxDocuments {
		s.docs.mu.Unlock()
		fail(w, r, errStorageFull())
		return
	}
	d := *s.docs.put(s.docs.freeID(), in)
	s.docs.mu.Unlock()
	s.writeDocument(w, r, &d, http.StatusCreated)
}

// getDocument serves GET/HEAD /documents/{id}: If-None-Match and
// If-Modified-Since are answered 304 before the body is built.
func (s *server) getDocument(w http.ResponseWriter, r *http.Request) {
	s.docs.mu.Lock()
	rec := s.docs.byID[r.PathValue("id")]
	var d docRecord
	if rec != nil {
		d = *rec
	}
	s.docs.mu.Unlock()
	if rec == nil {
		fail(w, r, notFound("Document"))
		return
	}
	v := d.validators()
	// renderJSON adds Vary: Accept while rendering, after Check: name it
	// here so that the 304 carries it too (RFC 9110 §15.4.5).
	v.Vary = "Accept"
	if !conditional.Check(w, r, v, conditional.Options{Now: s.cfg.Now}) {
		return
	}
	s.writeDocument(w, r, &d, http.StatusOK)
}

// putDocument serves PUT /documents/{id}: replaces the document when If-Match
// (or If-Unmodified-Since) holds, creates it with If-None-Match: *, and
// answers 428 without any precondition.
func (s *server) putDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var in documentInput
	if e := decodeJSON(w, r, &in); e != nil {
		fail(w, r, e)
		return
	}
	if e := in.validate(); e != nil {
		fail(w, r, e)
		return
	}

	if d, status, ok := s.replaceDocument(w, r, id, in); ok {
		// Written after the lock is released: a slow reader must not hold
		// up other writers.
		s.writeDocument(w, r, &d, status)
	}
}

// replaceDocument is the atomic part of PUT: check and write under one lock.
// It reports false when it has answered the request (400, 412, 428).
func (s *server) replaceDocument(w http.ResponseWriter, r *http.Request, id string, in documentInput) (docRecord, int, bool) {
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	rec := s.docs.byID[id]
	if rec == nil && !validDocID(id) {
		fail(w, r, badRequest("A document id is 1 to 64 characters of A-Z, a-z, 0-9, - and _."))
		return docRecord{}, 0, false
	}
	if !conditional.Check(w, r, rec.validators(), s.docOptions()) {
		return docRecord{}, 0, false // 412 with current_etag, or 428
	}
	status := http.StatusOK
	if rec == nil {
		if len(s.docs.byID) >= maxDocuments {
			fail(w, r, errStorageFull())
			return docRecord{}, 0, false
		}
		status = http.StatusCreated
	}
	return *s.docs.put(id, in), status, true
}

// patchDocumentHandler serves PATCH /documents/{id} through patch.Handler,
// with either patch format and the precondition rules of PUT (428 without
// one, 412 when stale); a document must exist to be patched (404).
func (s *server) patchDocumentHandler() http.Handler {
	return patch.Handler(patch.Options{Conditional: s.docOptions(), Logger: s.cfg.Logger}, s.loadDocument, s.storeDocument)
}

// loadDocument is the patch.LoadFunc of documents.
func (s *server) loadDocument(_ context.Context, r *http.Request) (patch.Resource, error) {
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	rec := s.docs.byID[r.PathValue("id")]
	if rec == nil {
		return patch.Resource{}, patch.ErrNotFound
	}
	doc, err := jsonRepresentation(rec.doc)
	if err != nil {
		return patch.Resource{}, err
	}
	return patch.Resource{Doc: doc, Validators: rec.validators(), ContentType: jsonType}, nil
}

// storeDocument is the patch.StoreFunc of documents: id, created_at and
// updated_at are read-only, title and content are validated as for PUT, and
// the write happens only over the revision that was loaded
// (compare-and-swap). It answers the document as stored, with the
// updated_at the write set: the bytes a GET returns under the new ETag.
func (s *server) storeDocument(_ context.Context, r *http.Request, prev patch.Resource, doc []byte) (patch.Resource, error) {
	var d document
	if e := unmarshalStrict(doc, &d); e != nil {
		return patch.Resource{}, e
	}
	// RFC 7396 §2: {"content": null} removes the content; {"title": null}
	// removes a required member: 422.
	if e := requireMembers(doc, "title"); e != nil {
		return patch.Resource{}, e
	}
	in := documentInput{Title: &d.Title, Content: d.Content}
	if e := in.validate(); e != nil {
		return patch.Resource{}, e
	}
	stored, err := s.storeDocumentLocked(r.PathValue("id"), prev, d, in)
	if err != nil {
		return patch.Resource{}, err
	}
	// Encoded after the lock is released: the copy is what was stored.
	body, err := jsonRepresentation(stored.doc)
	if err != nil {
		return patch.Resource{}, err
	}
	return patch.Resource{Doc: body, Validators: stored.validators(), ContentType: jsonType}, nil
}

// storeDocumentLocked is the compare-and-swap of storeDocument, under the
// store's lock; it returns a copy of the stored record.
func (s *server) storeDocumentLocked(id string, prev patch.Resource, d document, in documentInput) (*docRecord, error) {
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	rec := s.docs.byID[id]
	if rec == nil || rec.validators().ETag != prev.Validators.ETag {
		return nil, patch.ErrStale
	}
	if d.ID != rec.doc.ID || !d.CreatedAt.Equal(rec.doc.CreatedAt) || !d.UpdatedAt.Equal(rec.doc.UpdatedAt) {
		return nil, unprocessable(`Fields "id", "created_at" and "updated_at" are read-only.`)
	}
	stored := *s.docs.put(rec.doc.ID, in)
	return &stored, nil
}

// deleteDocument serves DELETE /documents/{id}: 204 when the precondition
// holds.
func (s *server) deleteDocument(w http.ResponseWriter, r *http.Request) {
	s.docs.mu.Lock()
	defer s.docs.mu.Unlock()
	id := r.PathValue("id")
	rec := s.docs.byID[id]
	if rec == nil {
		fail(w, r, notFound("Document"))
		return
	}
	if !conditional.Check(w, r, rec.validators(), s.docOptions()) {
		return
	}
	delete(s.docs.byID, id)
	w.WriteHeader(http.StatusNoContent)
}
