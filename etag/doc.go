// Package etag parses, compares and generates entity-tags, and provides a
// middleware that tags GET and HEAD responses and answers 304 Not Modified.
//
// An entity-tag (RFC 9110 §8.8.3) is an opaque validator of one
// representation: `"xyzzy"` is strong, promising byte-for-byte identity, and
// `W/"xyzzy"` is weak, promising only semantic equivalence. [Tag] holds the
// opaque string and the weak flag; its zero value means "no tag".
//
// # Parsing and comparing
//
// [Parse] reads one tag strictly by the grammar of §8.8.3 (a case-sensitive
// `W/`, double quotes, etagc characters only, no escapes) and never panics.
// [Match], [Each] and [ParseList] read the lists of If-Match and
// If-None-Match (§13.1.1, §13.1.2), including "*", across all field lines of
// the field (§5.3), in linear time and without allocating. A comma is a legal
// etagc character and does not split a tag. Malformed members are skipped, and
// a field with no valid member is reported as [ListAbsent]; an evaluator must
// still treat such a field as present, since a present If-Match that nothing
// can match is false (§13.1.1). [Scan] reads one tag without allocating, also
// on failure, for other parsers of untrusted input.
// [StrongMatch] and [WeakMatch] are the two comparison functions of §8.8.3.2:
//
//	W/"1" W/"1"  strong: no   weak: yes
//	W/"1" W/"2"  strong: no   weak: no
//	W/"1" "1"    strong: no   weak: yes
//	"1"   "1"    strong: yes  weak: yes
//
// # Generating
//
// [FromBytes] (and the streaming [Hasher]) derive a strong tag from content:
// XXH3-64 in 11 base64url characters, stable across processes and replicas;
// generate.go gives the reason for the hash, the benchmarks README the figures.
// [FromVersion] and [FromString] turn an application's version counter or
// revision string into a tag, escaping whatever is not safe so that distinct
// revisions keep distinct tags. [Variant.Tag] derives from such a version tag
// one strong tag per representation (media type, content coding, language),
// so that the JSON and the XML of one version never share a strong tag.
// [Weak] marks a tag weak.
//
// # Middleware
//
// [Middleware] buffers GET and HEAD 2xx responses up to [Options.MaxBuffer]
// (default [DefaultMaxBuffer], 1 MiB), sets ETag and Content-Length, and
// answers 304 when If-None-Match matches, sending only the header fields of
// §15.4.5. A handler's own ETag is kept and used. Past the limit, after a
// Flush, and for event streams or Cache-Control: no-store responses, the
// response streams untagged. HEAD runs the handler as GET so that HEAD and
// GET carry the same ETag and Content-Length (§9.3.2).
//
// Options follow the project's rule: a zero field is the default, and a
// negative MaxBuffer means none (nothing is buffered or hashed; a handler's
// own ETag is still evaluated).
//
//	mux := http.NewServeMux()
//	mux.Handle("/report", report)
//	http.ListenAndServe(":8080", etag.Middleware(etag.Options{})(mux))
//
// A strong tag belongs to one sequence of bytes, so each content encoding must
// get its own (§8.8.3). Put this middleware outside compression, for example
// etag.Middleware(opts)(gzhttp.GzipHandler(h)): tags are then computed on the
// bytes as sent, and each encoding gets and revalidates its own tag with no
// configuration (gzhttp's default output is deterministic; do not enable its
// RandomJitter there). If compression must wrap this middleware instead,
// configure it to change the tags of what it compresses,
// gzhttp.NewWrapper(gzhttp.SuffixETag("-gzip")), and set
// Options.VariantSuffixes to []string{"-gzip", "-zstd"} so that those tags
// revalidate. With gzhttp's defaults in that order, gzip and identity
// responses would share one strong tag.
//
// The middleware evaluates only the entity-tag preconditions (If-Match, then
// If-None-Match, in the order of §13.2.2), with the evaluator package
// conditional uses, so both answer every request alike: a present If-Match
// that nothing can match is 412, an unparsable If-None-Match is ignored on
// GET and HEAD. Package conditional handles Last-Modified and the write-side
// checks.
//
// # Deviations
//
// The legal but useless tag `""` cannot serve as a current tag: it is the zero
// Tag, "no tag", and matches nothing. Match treats "*" anywhere in a list as
// "*", as net/http does, although the grammar allows it only alone.
//
// References:
//   - RFC 9110 §8.8.3 Entity Tag: https://www.rfc-editor.org/rfc/rfc9110#section-8.8.3
//   - RFC 9110 §8.8.3.2 Comparison: https://www.rfc-editor.org/rfc/rfc9110#section-8.8.3.2
//   - RFC 9110 §13.1.1 If-Match: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1
//   - RFC 9110 §13.1.2 If-None-Match: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
//   - RFC 9110 §13.2.2 Precedence: https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2
//   - RFC 9110 §15.4.5 304 Not Modified: https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5
package etag
