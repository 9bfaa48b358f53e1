package conditional

import (
	"net/http"
	"strings"

	"github.com/httpsem/httpsem/etag"
	"github.com/httpsem/httpsem/httperr"
	"github.com/httpsem/httpsem/internal/header"
	"github.com/httpsem/httpsem/internal/precond"
	"github.com/httpsem/httpsem/internal/response"
)

// Messages of the 428 responses, fixed so that clients can rely on them.
// The 412 message is the one every httpsem layer writes
// ("The resource was modified by another client. Please re-fetch and retry.").
const (
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
// the method. For GET and HEAD, Check has then set ETag and Last-Modified
// (clamped to now, §8.8.2.1) from v, since the representation the handler
// is about to send is the one they describe; [Options.OmitProceedValidators]
// turns that off. For other methods it sets neither: the write changes the
// validators, and the handler sets the new ones.
//
// On every outcome, Check adds the field names of v.Vary to the response's
// Vary, so that a 304 carries the Vary the 200 would have carried
// (§15.4.5) even when the handler only learns it while rendering.
//
// The validator-first order for a negotiated GET is: select the
// representation (negotiate.Type adds "Accept" to Vary), derive its tag
// ([etag.Variant.Tag]), call Check, then render:
//
//	typ, ok := negotiate.Type(w, r, "application/json", "application/xml")
//	v := conditional.Validators{ETag: etag.Variant{MediaType: typ}.Tag(etag.FromVersion(rev)), Exists: true}
//	if ok && !conditional.Check(w, r, v, opts) {
//		return // 304: Vary, ETag and Cache-Control as the 200 has them
//	}
//	renderer.Render(w, r, http.StatusOK, doc)
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
//
// A 412 allocates once with the built-in error writers. A handler that has
// already set the ETag field to v.ETag's header form (from a value kept
// with its record, say) keeps it, which spares the allocations of the tag:
// a 304 with an ETag then costs none (otherwise one when the client sent
// the current tag back as it got it, two when not). Letting a GET proceed
// costs two allocations for the validators (none for a preset ETag and no
// LastModified), none with OmitProceedValidators.
func Check(w http.ResponseWriter, r *http.Request, v Validators, opts Options) (proceed bool) {
	out := Proceed
	var inm []string
	switch r.Method {
	case http.MethodConnect, http.MethodOptions, http.MethodTrace:
		// Evaluate's rule (RFC 9110 §13.2.1): no precondition applies.
	default:
		inm = r.Header["If-None-Match"]
		out = evaluate(r, r.Header["If-Match"], inm, v, &opts)
	}
	h := w.Header()
	if v.Vary != "" {
		addVary(h, v.Vary)
	}
	switch out {
	case NotModified:
		// Last-Modified guides a cache only when there is no ETag (§15.4.5).
		if !v.ETag.IsZero() {
			if !hasTag(h, v.ETag) {
				h["Etag"] = tagValue(inm, v.ETag)
			}
		} else {
			setValidators(h, v, &opts, false, true)
		}
		if !stripsOnCommit(w) {
			response.Strip304(h)
		}
		w.WriteHeader(http.StatusNotModified)
	case PreconditionFailed:
		writeConflict(w, r, opts.ErrorWriter, v.ETag, "", nil)
	case PreconditionRequired:
		httperr.Write(w, r, opts.ErrorWriter, requiredError(v))
	case AlreadyApplied:
		for _, k := range [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range"} {
			delete(h, k)
		}
		setValidators(h, v, &opts, true, true)
		w.WriteHeader(http.StatusNoContent)
	default:
		if !opts.OmitProceedValidators && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			setValidators(h, v, &opts, true, true)
		}
		return true
	}
	return false
}

// stripsOnCommit reports whether w is the writer of internal/response, which
// every httpsem middleware hands its handler: it strips a 304's header
// (response.Strip304) itself when it commits it, after anything the handler
// still sets, so stripping here as well would only do the work twice. No
// writer from outside this module can have a method that takes a
// response.Options.
func stripsOnCommit(w http.ResponseWriter) bool {
	_, ok := w.(interface {
		Reset(http.ResponseWriter, *http.Request, response.Options)
	})
	return ok
}

// addVary adds the field names of the list vary to h's Vary.
func addVary(h http.Header, vary string) {
	for rest := vary; rest != ""; {
		var name string
		name, rest = header.NextElement(rest)
		if name != "" {
			header.AddVary(h, name)
		}
	}
}

// hasTag reports whether the handler has already set h's ETag field to t in
// header form, from a value it keeps with its record, say: Check then keeps
// that value instead of allocating another.
func hasTag(h http.Header, t etag.Tag) bool {
	et := h["Etag"]
	return len(et) == 1 && isTagForm(et[0], t)
}

// setValidators writes the current validators into h: the ETag when withTag
// is set (and the handler has not set it, see hasTag), the Last-Modified
// (clamped to now, RFC 9110 §8.8.2.1) when withDate is set. Both values
// share one string, and both slices one array, so that the two fields cost
// two allocations.
func setValidators(h http.Header, v Validators, opts *Options, withTag, withDate bool) {
	withTag = withTag && !v.ETag.IsZero() && !hasTag(h, v.ETag)
	var lm int64
	if withDate {
		lm, withDate = precond.LastModified(v.LastModified, opts.now().Unix())
	}
	if !withTag && !withDate {
		return
	}
	var buf [96]byte
	b := buf[:0]
	if withTag {
		b = v.ETag.Append(b)
	}
	n := len(b)
	if withDate {
		b = header.AppendHTTPDate(b, lm)
	}
	s := string(b)
	vals := new([2]string)
	if withTag {
		vals[0] = s[:n]
		h["Etag"] = vals[0:1:1]
	}
	if withDate {
		vals[1] = s[n:]
		h["Last-Modified"] = vals[1:2:2]
	}
}

// tagValue returns the ETag field value for t. A client that revalidates
// usually sends back the tag exactly as it got it, so the value is looked
// for in its If-None-Match first: reusing that string spares formatting
// the tag (strings are immutable, so sharing is safe). Whatever is found is
// checked to be exactly t's header form, so list boundaries do not matter.
func tagValue(inm []string, t etag.Tag) []string {
	if t.Opaque != "" {
		for _, line := range inm {
			if s, ok := findTagForm(line, t); ok {
				return []string{s}
			}
		}
	}
	return []string{t.String()}
}

// findTagForm returns the first occurrence of t's header form in line.
// t.Opaque is not empty.
func findTagForm(line string, t etag.Tag) (string, bool) {
	prefix := 1 // the opening DQUOTE
	if t.Weak {
		prefix = 3 // W/"
	}
	for off := 0; off < len(line); {
		i := strings.Index(line[off:], t.Opaque)
		if i < 0 {
			return "", false
		}
		i += off
		// line[i:end-1] is t.Opaque: what is left to check is what
		// surrounds it.
		start, end := i-prefix, i+len(t.Opaque)+1
		if start >= 0 && end <= len(line) && line[i-1] == '"' && line[end-1] == '"' &&
			(!t.Weak || line[start] == 'W' && line[start+1] == '/') {
			return line[start:end], true
		}
		off = i + 1
	}
	return "", false
}

// isTagForm reports whether s is t as written in a header field
// (s == t.String()), without allocating.
func isTagForm(s string, t etag.Tag) bool {
	if t.Weak {
		if len(s) < 2 || s[0] != 'W' || s[1] != '/' {
			return false
		}
		s = s[2:]
	}
	return len(s) == len(t.Opaque)+2 && s[0] == '"' && s[len(s)-1] == '"' && s[1:len(s)-1] == t.Opaque
}

// writeConflict answers 412 with the current tag t in header form, copied
// onto the stack from text when the caller has it (a Scan of text gave t),
// formatted otherwise; the body is built in scratch when it is large enough
// (see precond.WriteConflictScratch).
func writeConflict(w http.ResponseWriter, r *http.Request, wr httperr.Writer, t etag.Tag, text string, scratch []byte) {
	var cur []byte
	var buf [64]byte
	switch {
	case text != "":
		cur = append(buf[:0], text...)
	case !t.IsZero():
		cur = t.Append(buf[:0])
	}
	precond.WriteConflictScratch(w, r, wr, cur, scratch)
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
