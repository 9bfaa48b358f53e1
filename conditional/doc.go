// Package conditional evaluates HTTP conditional requests — If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since and If-Range — exactly
// as RFC 9110 §13 specifies, for any net/http handler.
//
// # Order of evaluation
//
// [Evaluate] follows RFC 9110 §13.2.2:
//
//  1. If-Match (strong comparison; "*" is true when the resource exists).
//     False: 412 Precondition Failed.
//  2. If-Unmodified-Since, only when If-Match is absent. False: 412.
//  3. If-None-Match (weak comparison; "*" is false when the resource
//     exists). False: 304 Not Modified for GET and HEAD, 412 otherwise.
//  4. If-Modified-Since, only for GET and HEAD and only when If-None-Match is
//     absent. False: 304.
//  5. If-Range, only for GET with Range: [RangeApplies] tells whether to send
//     206 Partial Content or ignore the Range and send 200.
//
// Several field lines of a list field form one list, and malformed members
// beside valid ones are skipped (§5.6.1).
//
// # Fail closed
//
// A precondition field that is present is a condition, whatever it holds:
//
//   - An If-Match with no member that can match ("abc", "'7'", an
//     unterminated "\"7", "W/7", an empty value) is false: 412 for every
//     method (§13.1.1), so a misspelled guard never turns a write into a
//     blind one. net/http's ServeContent answers 412 too.
//   - An If-None-Match with no valid member is true for GET and HEAD: the
//     full representation is always a correct answer, a 304 the client
//     cannot match would not be (ServeContent does the same). For every
//     other method it is false (412): the client meant to guard its write,
//     most often with "If-None-Match: *" (create only), and a guard the
//     server cannot read must not let the write through.
//   - A present If-None-Match makes If-Modified-Since ignored, and a present
//     If-Match makes If-Unmodified-Since ignored, parsable or not (§13.1.3,
//     §13.1.4, §13.2.2).
//
// A date field that is not one valid HTTP-date is ignored (§13.1.3,
// §13.1.4). etag.Middleware evaluates with the same evaluator, so both
// packages answer a request alike.
// Last-Modified compares at one-second resolution and is clamped to the
// current time (§8.8.2.1). Preconditions are ignored for CONNECT, OPTIONS
// and TRACE (§13.2.1).
//
// # Two ways to use it
//
// A handler that changes state calls [Check] with the current [Validators]
// before writing. Check answers 304, 412 or 428 itself and returns false when
// the handler must stop:
//
//	mu.Lock()
//	defer mu.Unlock()
//	cur := store.Get(id)
//	if !conditional.Check(w, r, conditional.Validators{ETag: cur.Tag, Exists: cur != nil}, opts) {
//		return // 412: another client changed it first
//	}
//	store.Put(id, update(cur))
//
// This is optimistic concurrency control for PUT, PATCH and DELETE. With
// [Options.RequirePrecondition], a client that sends no If-Match (or
// If-Unmodified-Since, or "If-None-Match: *" to create) gets 428 Precondition
// Required (RFC 6585), so no client can overwrite blindly.
//
// For GET and HEAD, [Middleware] evaluates the preconditions against the ETag
// and Last-Modified the handler set, and turns its 2xx into a 304 (or 412)
// without buffering the body. A handler that knows its validators before
// producing the body can call [Check] instead and skip the work.
//
// # The validator-first path
//
// A handler that calls Check before rendering gets a correct 304 in this
// order: select the representation (negotiate.Type adds Vary: Accept), derive
// its strong tag from the resource's version ([etag.Variant.Tag], so that the
// JSON and the XML of one version never share a tag), call Check, render:
//
//	typ, ok := negotiate.Type(w, r, "application/json", "application/xml")
//	v := conditional.Validators{
//		ETag:         etag.Variant{MediaType: typ}.Tag(etag.FromVersion(doc.Rev)),
//		LastModified: doc.Updated,
//	}
//	if ok && !conditional.Check(w, r, v, opts) {
//		return // 304 with ETag, Vary and Cache-Control, or 412
//	}
//	renderer.Render(w, r, http.StatusOK, doc)
//
// When a proceeding GET or HEAD reaches the renderer, Check has already set
// ETag and Last-Modified ([Options.OmitProceedValidators] opts out). A
// handler whose Vary is only added while rendering names it in
// [Validators.Vary], and Check adds it on every outcome, the 304 included
// (§15.4.5).
//
// # Atomicity
//
// A precondition prevents a lost update only if nothing can change the
// resource between the check and the write. Read the validators, call Check
// and write under one lock, or inside one database transaction (with the
// row locked, e.g. SELECT … FOR UPDATE, or an UPDATE … WHERE version = ? that
// reports zero rows as a 412). A check done outside the lock lets two
// clients both pass with the same ETag, and the second write silently
// overwrites the first. The package's tests run 8 concurrent writers doing
// 25 read-modify-write increments each through Check and require the final
// count to be exactly 200.
//
// # Choices where RFC 9110 leaves room
//
//   - If-Range with a date is true only when the date equals Last-Modified
//     and that second is over (Last-Modified ≤ now − 1 s), which is how this
//     package decides that a Last-Modified is a strong validator (§8.8.2.2).
//   - "Already applied" (§13.2.2 steps 1 and 2) is opt-in through
//     [Options.AlreadyAppliedFunc]; [Check] answers it with 204 No Content.
//   - 412 bodies carry "current_etag" only when the resource has an ETag.
//   - An unparsable If-None-Match is true on GET and HEAD and false on other
//     methods (see Fail closed); RFC 9110 does not say what it means.
//
// # Options
//
// [Options] holds no numeric limit; its zero value is the safe default
// (preconditions evaluated, not required; validators set on a proceeding
// GET; the JSON envelope; time.Now). The project-wide rule for numeric
// options — zero means the exported default, negative means none — has no
// field to apply to here.
//
// # References
//
//   - RFC 9110 §13 Conditional Requests: https://www.rfc-editor.org/rfc/rfc9110#section-13
//   - RFC 9110 §8.8 Validator Fields: https://www.rfc-editor.org/rfc/rfc9110#section-8.8
//   - RFC 9110 §15.4.5 304 Not Modified: https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5
//   - RFC 6585 §3 428 Precondition Required: https://www.rfc-editor.org/rfc/rfc6585#section-3
package conditional
