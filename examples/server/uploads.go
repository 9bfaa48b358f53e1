package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
)

// Upload limits. The example keeps parts in memory, so every dimension is
// bounded, and one budget bounds the memory of all of them together.
const (
	maxPartBytes   = 5 << 20  // one part (413 beyond)
	maxParts       = 1000     // part numbers are 1..maxParts
	maxUploadBytes = 64 << 20 // all parts of one upload (413 beyond)
	maxOpenUploads = 64       // uploads not yet completed (503 beyond)
	maxFiles       = 64       // assembled files kept; the oldest goes first
	// uploadIdle is how long an unfinished upload may go without a new part
	// before it is dropped, so abandoned uploads do not hold their slot.
	uploadIdle = time.Hour
	// defaultUploadMemory is the default of -upload-memory: the bytes of
	// every stored part, every part body being received and every assembled
	// file, together. Without it the limits above multiply out to 8 GiB.
	defaultUploadMemory = 256 << 20
	// uploadRetryAfter is the Retry-After (seconds) of a 503 when the
	// budget is full: parts of uploads in progress hold it, and they leave
	// it when their upload completes (files make room for new parts, oldest
	// first) or is abandoned.
	uploadRetryAfter = "60"
	// partReadChunk is the first buffer for a part of unknown length
	// (chunked); it grows by doubling up to the part limit.
	partReadChunk = 32 << 10
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

// file is an assembled upload. It keeps the parts as they were received:
// assembling copies nothing, so it needs no memory beyond the parts' and no
// long hold of the store's lock. ReadAt serves them as one sequence.
type file struct {
	name, contentType string
	chunks            [][]byte
	starts            []int64 // starts[i] is the offset of chunks[i]
	size              int64
	tag               etag.Tag
	modified          time.Time
}

func newFile(chunks [][]byte) *file {
	f := &file{chunks: chunks, starts: make([]int64, len(chunks))}
	for i, c := range chunks {
		f.starts[i] = f.size
		f.size += int64(len(c))
	}
	return f
}

// ReadAt implements io.ReaderAt, for http.ServeContent's ranges.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("file: negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	// The last chunk starting at or before off (empty parts share a start).
	i, _ := slices.BinarySearchFunc(f.starts, off, func(start, off int64) int {
		if start <= off {
			return -1
		}
		return 1
	})
	n := 0
	for i--; i >= 0 && i < len(f.chunks) && n < len(p); i++ {
		if skip := off + int64(n) - f.starts[i]; skip < int64(len(f.chunks[i])) {
			n += copy(p[n:], f.chunks[i][skip:])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// uploadStore holds uploads and assembled files, in this process's memory
// even with -redis: a real service keeps parts in object storage, so that
// whichever instance runs the assembly job finds them. Here an assembly job
// that runs on an instance without the upload fails with UPLOAD_GONE.
//
// All their bytes come out of one budget: parts stored, part bodies being
// received (reserved before they are read) and assembled files. A part that
// does not fit first evicts assembled files, oldest first; when uploads in
// progress hold the rest, it is refused with 503 and Retry-After.
type uploadStore struct {
	mu      sync.Mutex
	now     func() time.Time
	uploads map[string]*uploadRecord
	files   map[string]*file
	budget  int64 // -upload-memory
	used    int64 // bytes of the budget in use or reserved

	// onAssemble, when set (under mu), runs in the assembly job after it
	// has taken the parts and before it stores the file, without the lock:
	// tests use it to show that the store serves other requests meanwhile.
	onAssemble func()
}

func newUploadStore(now func() time.Time, budget int64) *uploadStore {
	return &uploadStore{now: now, uploads: map[string]*uploadRecord{}, files: map[string]*file{}, budget: budget}
}

// maxPart and maxUpload are the part and upload limits, never more than the
// whole budget: what could never fit is 413, not a 503 to retry.
func (s *uploadStore) maxPart() int64   { return min(maxPartBytes, s.budget) }
func (s *uploadStore) maxUpload() int64 { return min(maxUploadBytes, s.budget) }

// reserve takes n bytes of the budget, evicting assembled files (oldest
// first) to make room, and reports false when uploads in progress hold too
// much for n to fit; the caller holds mu.
func (s *uploadStore) reserve(n int64) bool {
	for s.used+n > s.budget {
		if !s.evictOldestFile() {
			return false
		}
	}
	s.used += n
	return true
}

// sweep drops unfinished uploads idle for longer than uploadIdle and returns
// how many are still unfinished; the caller holds mu. A dropped upload's
// assembly job, if one is still to run, fails with UPLOAD_GONE.
func (s *uploadStore) sweep(now time.Time) (unfinished int) {
	for id, u := range s.uploads {
		switch {
		case u.state != uploadCompleted && now.Sub(u.touched) > uploadIdle:
			s.used -= u.size
			delete(s.uploads, id)
		case u.state != uploadCompleted:
			unfinished++
		}
	}
	return unfinished
}

// addFile stores an assembled file, dropping the oldest beyond maxFiles (and
// its upload record); the caller holds mu and has accounted f's bytes.
func (s *uploadStore) addFile(id string, f *file) {
	for len(s.files) >= maxFiles {
		s.evictOldestFile()
	}
	s.files[id] = f
}

// evictOldestFile drops the oldest assembled file and its upload record,
// returning its bytes to the budget; false when there is none. The caller
// holds mu.
func (s *uploadStore) evictOldestFile() bool {
	oldest := ""
	for fid, g := range s.files {
		if oldest == "" || g.modified.Before(s.files[oldest].modified) {
			oldest = fid
		}
	}
	if oldest == "" {
		return false
	}
	s.used -= s.files[oldest].size
	delete(s.files, oldest)
	delete(s.uploads, oldest)
	return true
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

// view is u's representation; maxPart is the store's part limit.
func (u *uploadRecord) view(maxPart int64) uploadView {
	v := uploadView{UploadID: u.id, Filename: u.filename, ContentType: u.contentType, State: u.state, Parts: []partInfo{},
		PartURL: "/uploads/" + u.id + "/parts/{part_number}", CompleteURL: "/uploads/" + u.id + "/complete",
		MaxPartBytes: int(maxPart), MaxParts: maxParts}
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
	v := up.view(s.uploads.maxPart())
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
		v = up.view(s.uploads.maxPart())
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
	limit := s.uploads.maxPart()
	if r.ContentLength > limit {
		fail(w, r, partTooLarge(limit))
		return
	}
	// The body is paid for before it is read: a part of unknown length
	// (chunked) reserves the largest part, and gets back what it did not use.
	reserved := r.ContentLength
	if reserved < 0 {
		reserved = limit
	}
	id := r.PathValue("id")
	s.uploads.mu.Lock()
	up, ok := s.uploads.uploads[id]
	var herr *httperr.Error
	switch {
	case !ok:
		herr = notFound("Upload")
	case up.state != uploadOpen:
		herr = partsFixed(up.state)
	case !s.uploads.reserve(reserved):
		w.Header().Set("Retry-After", uploadRetryAfter)
		herr = httperr.New(http.StatusServiceUnavailable, httperr.CodeUnavailable,
			fmt.Sprintf("The server's upload memory (%d bytes) is held by uploads in progress; retry later.", s.uploads.budget)).
			With("max_bytes", s.uploads.budget)
	}
	s.uploads.mu.Unlock()
	if herr != nil {
		fail(w, r, herr)
		return
	}
	// Read outside the lock: parts upload in parallel. A part may take
	// -transfer-timeout, not -read-timeout, to arrive.
	s.timeouts.extendUpload(w)
	data, err := readPart(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	if err != nil {
		s.uploads.mu.Lock()
		s.uploads.used -= reserved
		s.uploads.mu.Unlock()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			fail(w, r, partTooLarge(limit))
		case errors.Is(err, os.ErrDeadlineExceeded):
			fail(w, r, httperr.New(http.StatusRequestTimeout, "REQUEST_TIMEOUT", "The part did not arrive in time."))
		default:
			fail(w, r, badRequest("The part could not be read."))
		}
		return
	}
	tag := etag.FromBytes(data)

	s.uploads.mu.Lock()
	// The reservation becomes the part's bytes; the part it replaces, if
	// any, gives its own back.
	s.uploads.used -= reserved
	up, ok = s.uploads.uploads[id]
	switch {
	case !ok:
		herr = notFound("Upload")
	case up.state != uploadOpen:
		herr = partsFixed(up.state)
	case up.size-int64(len(up.parts[n]))+int64(len(data)) > s.uploads.maxUpload():
		herr = httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, fmt.Sprintf("An upload is at most %d bytes.", s.uploads.maxUpload())).
			With("max_bytes", s.uploads.maxUpload())
	default:
		delta := int64(len(data)) - int64(len(up.parts[n]))
		s.uploads.used += delta
		up.size += delta
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

func partTooLarge(limit int64) *httperr.Error {
	return httperr.New(http.StatusRequestEntityTooLarge, httperr.CodePayloadTooLarge, fmt.Sprintf("A part is at most %d bytes.", limit)).
		With("max_bytes", limit)
}

func partsFixed(state string) *httperr.Error {
	return httperr.New(http.StatusConflict, httperr.CodeConflict, "The upload is "+state+"; its parts can no longer change.")
}

// readPart reads a part body of size bytes (-1: unknown) from rd, which
// yields at most limit bytes. The slice's capacity stays within the
// reservation: exactly size when it is known, else grown by doubling up to
// limit.
func readPart(rd io.Reader, size, limit int64) ([]byte, error) {
	if size >= 0 {
		b := make([]byte, size)
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	b := make([]byte, 0, min(limit, partReadChunk))
	for {
		if len(b) == cap(b) {
			if int64(len(b)) >= limit {
				// Full: only EOF may follow (rd reports a MaxBytesError
				// for any byte more).
				var probe [1]byte
				switch _, err := io.ReadFull(rd, probe[:]); err {
				case io.EOF:
					return b, nil
				case nil:
					return nil, errors.New("upload: part longer than its limit")
				default:
					return nil, err
				}
			}
			b = slices.Grow(b, int(min(int64(cap(b)), limit-int64(cap(b)))))
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
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
	// Touched: the idle sweep counts from the completion, not the last part.
	up.state, up.final, up.touched = uploadCompleting, list, s.uploads.now()
	return asyncjob.Spec{Payload: payload}, nil
}

// assembleKind builds the job that joins the parts of an upload into a file.
func (s *server) assembleKind(payload []byte) (asyncjob.Func, error) {
	var p completePayload
	if err := json.Unmarshal(payload, &p); err != nil || p.UploadID == "" {
		return nil, httperr.New(http.StatusUnprocessableEntity, httperr.CodeUnprocessable, "Invalid completion payload.")
	}
	gone := &asyncjob.Error{Code: "UPLOAD_GONE", Message: "The upload no longer exists."}
	return func(ctx context.Context, progress asyncjob.Progress) (asyncjob.Result, error) {
		// Take the parts under the lock; hash them without it. Nothing
		// is copied: the file keeps the parts.
		s.uploads.mu.Lock()
		up, ok := s.uploads.uploads[p.UploadID]
		if !ok {
			s.uploads.mu.Unlock()
			return asyncjob.Result{}, gone
		}
		if up.state == uploadCompleted {
			s.uploads.mu.Unlock()
			return asyncjob.Result{URL: "/files/" + up.id}, nil
		}
		chunks := make([][]byte, len(up.final))
		for i, n := range up.final {
			chunks[i] = up.parts[n]
		}
		pause := s.uploads.onAssemble
		s.uploads.mu.Unlock()

		if pause != nil {
			pause()
		}
		f := newFile(chunks)
		var h etag.Hasher
		for i, c := range chunks {
			if err := ctx.Err(); err != nil {
				return asyncjob.Result{}, err
			}
			_, _ = h.Write(c)
			progress.Report((i+1)*100/len(chunks), "assembling parts")
		}
		f.name, f.contentType, f.tag = up.filename, up.contentType, h.Tag()

		s.uploads.mu.Lock()
		defer s.uploads.mu.Unlock()
		// The parts were fixed (state completing) while the lock was free,
		// but the upload may have been swept, or completed by a repeated
		// job.
		if s.uploads.uploads[p.UploadID] != up {
			return asyncjob.Result{}, gone
		}
		if up.state != uploadCompleted {
			f.modified = s.uploads.now()
			// The listed parts' bytes become the file's; parts left out of
			// the list leave the budget.
			s.uploads.used -= up.size - f.size
			s.uploads.addFile(up.id, f)
			up.state, up.parts, up.tags, up.size = uploadCompleted, map[int][]byte{}, map[int]etag.Tag{}, 0
		}
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
	s.timeouts.extendDownload(w, f.size)
	http.ServeContent(w, r, "", f.modified, io.NewSectionReader(f, 0, f.size))
}
