// Package httperr is the one way every httpsem package writes an error response.
//
// By default an error is written as the JSON envelope
//
//	{"error":{"code":"CONFLICT","message":"...","current_etag":"\"v2\""}}
//
// with Content-Type: application/json. [Problem] renders the same [Error] as an
// RFC 9457 problem details document (application/problem+json), and any type that
// implements [Writer] can replace both.
//
// Before the body is written, [Write] removes the headers that described the
// success representation (ETag, Last-Modified, Content-Encoding, Content-Length,
// Content-Range, Content-Type), so an error never inherits a validator or an
// encoding from the response it replaced. Bodies carry the [Error] fields only,
// never internal error text.
//
// An error written often on a hot path (the 412 with the current entity-tag)
// can be encoded once with [Prepare]: [WritePrepared] then writes the same
// bytes as [WriteWith] while encoding only the extra member's value, and
// [WritePreparedScratch] builds the body in a buffer the caller recycles.
//
// See https://www.rfc-editor.org/rfc/rfc9457 for problem details.
package httperr
