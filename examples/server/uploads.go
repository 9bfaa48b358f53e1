package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
)

// Upload limits. The example keeps parts in memory, so every dimension is
// bounded.
const (
	maxPartBytes   = 5 << 20  // one part (413 beyond)
	maxParts       = 1000     // part numbers are 1..maxParts
	maxUploadBytes = 64 << 20 // all parts of one upload (413 beyond)
	maxOpenUploads = 64       // uploads not yet completed (503 beyond)
	maxFiles       = 64       // assembled files kept; the oldest goes first
	// uploadIdle is how long an open upload may go without a new part
	// before it is dropped, so abandoned uploads do not hold their slot.
	uploadIdle = time.Hour
)

// Upload states.
const (
	uploadOpen       = "open"       // parts may be uploaded and replaced
	uploadCompleting = "completing" // the part list is fixed, a job assembles it
	uploadCompleted  = "completed"  // the file exists at /files/{id}
)

type uploadRecord struct {
	id, filename, contentType string
	state                     string
	created, touched          time.Time
	parts                     map[int][]byte
	tags                      map[int]etag.Tag
	size                      int64
	final                     []int // the part list of the completion
}

// file is an assembled upload.
type file struct {
	name, contentType string
	data              []byte
	tag               etag.Tag
	modified          time.Time
}

// uploadStore holds uploads and assembled files, in this process's memory
// even with -redis: a real service keeps parts in object storage, so that
// whichever instance runs the assembly job finds them. Here an assembly job
// that runs on an instance without the upload fails with UPLOAD_GONE.
type uploadStore struct {
	mu      sync.Mutex
	now     func() time.Time
	uploads map[string]*uploadRecord
	files   map[string]*file
}

func newUploadStore(now func() time.Time) *uploadStore {
	return &uploadStore{now: now, uploads: map[string]*uploadRecord{}, files: map[string]*file{}}
}

// sweep drops open uploads idle for longer than uploadIdle and returns how
// many uploads are still unfinished; the caller holds mu.
func (s *uploadStore) sweep(now time.Time) (unfinished int) {
	for id, u := range s.uploads {
		switch {
		case u.state == uploadOpen && now.Sub(u.touched) > uploadIdle:
			delete(s.uploads, id)
		case u.state != uploadCompleted:
			unfinished++
		}
	}
	return unfinished
}

// addFile stores an assembled file, dropping the oldest beyond maxFiles (and
// its upload record); the caller holds mu.
func (s *uploadStore) addFile(id string, f *file) {
	for len(s.files) >= maxFiles {
		oldest := ""
		for fid, g := range s.files {
			if oldest == "" || g.modified.Before(s.files[oldest].modified) {
				oldest = fid
			}
		}
		delete(s.files, oldest)
		delete(s.uploads, oldest)
	}
	s.files[id] = f
}

// uploadRequest is the body of POST /uploads.
type uploadRequest struct {
	Filename    *string `json:"filename"`
	ContentType *string `json:"content_type"`
}

// partInfo describes a stored part.
type partInfo struct {
	PartNumber int    `json:"part_number"`
	ETag       string `json:"etag"`
	Size       int    `json:"size"`
}

// uploadView is the representation of an upload.
type uploadView struct {
	UploadID     string     `json:"upload_id"`
	Filename     string     `json:"filename"`
	ContentType  string     `json:"content_type"`
	State        string     `json:"state"`
	Parts        []partInfo `json:"parts"`
	PartURL      string     `json:"part_url_template"`
	CompleteURL  string     `json:"complete_url"`
	MaxPartBytes int        `json:"max_part_bytes"`
	MaxParts     int        `json:"max_parts"`
}

func (u *uploadRecord) view() uploadView {
	v := uploadView{UploadID: u.id, Filename: u.filename, ContentType: u.contentType, State: u.state, Parts: []partInfo{},
		PartURL: "/uploads/" + u.id + "/parts/{part_number}", CompleteURL: "/uploads/" + u.id + "/complete",
		MaxPartBytes: maxPartBytes, MaxParts: maxParts}
	for _, n := range slices.Sorted(maps.Keys(u.parts)) {
		v.Parts = append(v.Parts, partInfo{PartNumber: n, ETag: u.tags[n].String(), Size: len(u.parts[n])})
	}
	return v
}

// createUpload serves POST /uploads: 201 with Location and the upload_id.
func (s *server) createUpload(w http.ResponseWriter, r *http.Request) {
	var req uploadRequest
	if e := decodeJSON(w, r, &req); e != nil {
		fail(w, r, e)
		return
	}
	if req.Filename == nil || *req.Filename == "" || len(*req.Filename) > 255 {
		fail(w, r, unprocessable(`Field "filename" must be 1 to 255 characters.`))
		return
	}
	ct := "application/octet-stream"
	if req.ContentType != nil {
		mt, params, err := mime.ParseMediaType(*req.ContentType)
		if err != nil {
			fail(w, r, unprocessable(`Field "content_type" must be a media type.`))
			return
		}
		ct = mime.FormatMediaType(mt, params)
	}
	now := s.uploads.now()
	up := &uploadRecord{id: asyncjob.NewID(), filename: *req.Filename, contentType: ct, state: uploadOpen,
		created: now, touched: now, parts: map[int][]byte{}, tags: map[int]etag.Tag{}}

	s.uploads.mu.Lock()
	if s.uploads.sweep(now) >= maxOpenUploads {
		s.uploads.mu.Unlock()
		w.Header().Set("Retry-After", "60")
		fail(w, r, httperr.New(http.StatusServiceUnavailable, httperr.CodeUnavailable, "Too many uploads are in progress; retry later."))
		return
	}
	s.uploads.uploads[up.id] = up
	v := up.view()
	s.uploads.mu.Unlock()

	w.Header().Set("Location", "/uploads/"+up.id)
	_ = s.renderJSON.Render(w, r, http.StatusCreated, v)
}

// getUpload serves GET/HEAD /uploads/{id}: which parts the server holds, so a
// client that lost its connection resumes with the missing ones.
func (s *server) getUpload(w http.ResponseWriter, r *http.Request) {
	s.uploads.mu.Lock()
	up, ok := s.uploads.uploads[r.PathValue("id")]
	var v uploadView
	if ok {
		v = up.view()
	}
	s.uploads.mu.Unlock()
	if !ok {
		fail(w, r, notFound("Upload"))
		return
	}
	_ = s.renderJSON.Render(w, r, http.StatusOK, v)
}

// putPart serves PUT /uploads/{id}/parts/{n}: stores (or replaces) one part and
// answers its strong ETag, which the completion must repeat.
func (s *server) putPart(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > maxParts || strconv.Itoa(n) != r.PathValue("n") {
		fail(w, r, badRequest(fmt.Sprintf("A part number is an integer from 1 to %d.", maxParts)))
		return
	}
	id := r.PathValue("id")
	s.uploads.mu.Lock()
	_, ok := s.uploads.uploads[id]
	s.uploads.mu.Unlock()
	if !ok {
		fail(w, r, notFound("Upload"))
		return
	}
	// Read outside the lock: parts upload in parallel.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPartBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(w, r, httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, fmt.Sprintf("A part is at most %d bytes.", maxPartBytes)))
			return
		}
		fail(w, r, badRequest("The part could not be read."))
		return
	}
	tag := etag.FromBytes(data)

	s.uploads.mu.Lock()
	up, ok := s.uploads.uploads[id]
	var herr *httperr.Error
	switch {
	case !ok:
		herr = notFound("Upload")
	case up.state != uploadOpen:
		herr = httperr.New(http.StatusConflict, httperr.CodeConflict, "The upload is "+up.state+"; its parts can no longer change.")
	case up.size-int64(len(up.parts[n]))+int64(len(data)) > maxUploadBytes:
		herr = httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, fmt.Sprintf("An upload is at most %d bytes.", maxUploadBytes))
	default:
		up.size += int64(len(data)) - int64(len(up.parts[n]))
		up.parts[n], up.tags[n] = data, tag
		up.touched = s.uploads.now()
	}
	s.uploads.mu.Unlock()
	if herr != nil {
		fail(w, r, herr)
		return
	}
	w.Header().Set("ETag", tag.String())
	_ = s.renderJSON.Render(w, r, http.StatusOK, partInfo{PartNumber: n, ETag: tag.String(), Size: len(data)})
}

// completeRequest is the body of POST /uploads/{id}/complete.
type completeRequest struct {
	Parts []struct {
		PartNumber int    `json:"part_number"`
		ETag       string `json:"etag"`
	} `json:"parts"`
}

// completePayload is the assembly job's input.
type completePayload struct {
	UploadID string `json:"upload_id"`
}

// decodeComplete validates a completion before the job exists and fixes the
// upload's part list: a malformed list, a part number out of order or an ETag
// that does not match the stored part is 400, a part never uploaded 409.
// Repeating the same completion is accepted (the Idempotency-Key retry of the
// submit handler calls this again).
func (s *server) decodeComplete(r *http.Request, body []byte) (asyncjob.Spec, error) {
	var req completeRequest
	if e := unmarshalStrict(body, &req); e != nil {
		return asyncjob.Spec{}, e
	}
	if len(req.Parts) == 0 {
		return asyncjob.Spec{}, badRequest(`Field "parts" must list at least one part.`)
	}
	list := make([]int, len(req.Parts))
	tags := make([]etag.Tag, len(req.Parts))
	for i, p := range req.Parts {
		if i > 0 && p.PartNumber <= list[i-1] {
			return asyncjob.Spec{}, badRequest("Parts must be listed in ascending order of part_number, each once.")
		}
		t, err := etag.Parse(p.ETag)
		if err != nil {
			return asyncjob.Spec{}, badRequest(fmt.Sprintf("Part %d: %q is not an entity-tag.", p.PartNumber, p.ETag))
		}
		list[i], tags[i] = p.PartNumber, t
	}
	id := r.PathValue("id")

	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	up, ok := s.uploads.uploads[id]
	if !ok {
		return asyncjob.Spec{}, notFound("Upload")
	}
	payload, err := json.Marshal(completePayload{UploadID: id})
	if err != nil {
		return asyncjob.Spec{}, err
	}
	if up.state != uploadOpen {
		// The parts were checked by the first completion (and may be gone,
		// assembled into the file); a repeat with the same list is the same
		// request, anything else a conflict.
		if !slices.Equal(up.final, list) {
			return asyncjob.Spec{}, httperr.New(http.StatusConflict, httperr.CodeConflict, "The upload was already completed with another part list.")
		}
		return asyncjob.Spec{Payload: payload}, nil
	}
	for i, n := range list {
		stored, ok := up.tags[n]
		if !ok {
			return asyncjob.Spec{}, httperr.New(http.StatusConflict, "MISSING_PART", fmt.Sprintf("Part %d was not uploaded.", n)).With("part_number", n)
		}
		// Strong comparison: the part must be byte-for-byte the one the
		// client means.
		if !etag.StrongMatch(stored, tags[i]) {
			return asyncjob.Spec{}, httperr.New(http.StatusBadRequest, "INVALID_PART", fmt.Sprintf("Part %d has ETag %s, not %s.", n, stored, tags[i])).
				With("part_number", n).With("current_etag", stored.String())
		}
	}
	up.state, up.final = uploadCompleting, list
	return asyncjob.Spec{Payload: payload}, nil
}

// assembleKind builds the job that joins the parts of an upload into a file.
func (s *server) assembleKind(payload []byte) (asyncjob.Func, error) {
	var p completePayload
	if err := json.Unmarshal(payload, &p); err != nil || p.UploadID == "" {
		return nil, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "Invalid completion payload.")
	}
	return func(ctx context.Context, progress asyncjob.Progress) (asyncjob.Result, error) {
		s.uploads.mu.Lock()
		defer s.uploads.mu.Unlock()
		up, ok := s.uploads.uploads[p.UploadID]
		if !ok {
			return asyncjob.Result{}, &asyncjob.Error{Code: "UPLOAD_GONE", Message: "The upload no longer exists."}
		}
		if up.state == uploadCompleted {
			return asyncjob.Result{URL: "/files/" + up.id}, nil
		}
		var buf bytes.Buffer
		buf.Grow(int(up.size))
		for i, n := range up.final {
			if err := ctx.Err(); err != nil {
				return asyncjob.Result{}, err
			}
			buf.Write(up.parts[n])
			progress.Report((i+1)*100/len(up.final), "assembling parts")
		}
		data := buf.Bytes()
		s.uploads.addFile(up.id, &file{name: up.filename, contentType: up.contentType, data: data,
			tag: etag.FromBytes(data), modified: s.uploads.now()})
		up.state, up.parts, up.tags = uploadCompleted, map[int][]byte{}, map[int]etag.Tag{}
		return asyncjob.Result{URL: "/files/" + up.id}, nil
	}, nil
}

// getFile serves GET/HEAD /files/{id}. http.ServeContent answers Range,
// If-None-Match, If-Modified-Since and HEAD from the ETag set here.
func (s *server) getFile(w http.ResponseWriter, r *http.Request) {
	s.uploads.mu.Lock()
	f, ok := s.uploads.files[r.PathValue("id")]
	s.uploads.mu.Unlock()
	if !ok {
		fail(w, r, notFound("File"))
		return
	}
	w.Header().Set("ETag", f.tag.String())
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.name}))
	http.ServeContent(w, r, "", f.modified, bytes.NewReader(f.data))
}
