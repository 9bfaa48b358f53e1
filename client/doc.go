// Package client is the other half of httpsem's contract: Go clients for the
// patterns its server packages serve, tested against them. It holds no code
// of its own; the three parts are separate packages because each is used
// alone and each has its own Options, and a program that only wants a cache
// should not compile a job poller:
//
//   - [github.com/httpsem/httpsem/client/poll] follows a long-running
//     operation (asyncjob): from a 202 Accepted or a status URL, polling
//     with If-None-Match and Retry-After (or over Server-Sent Events with
//     Last-Event-ID), to the 303 See Other of the result, a typed failure,
//     or cancellation.
//   - [github.com/httpsem/httpsem/client/update] does read-modify-write
//     without lost updates: If-Match with the tag read, PUT, merge patch or
//     JSON Patch, re-read and retry on 412 with jittered backoff, never an
//     unconditional write.
//   - [github.com/httpsem/httpsem/client/cache] is a private HTTP cache
//     (RFC 9111) as an http.RoundTripper.
//
// They parse with the library's own code — entity tags with package etag,
// Cache-Control with package cache, error bodies into *httperr.Error, dates,
// delta-seconds and lists with the shared header helpers — so that a rule is
// never written twice on the two sides of the wire.
//
// Options follow the project rule: in every numeric field zero means the
// exported DefaultXxx constant, and a negative value either means "none"
// where the field's doc says so, or is rejected by the constructor with an
// error "pkg: Options.Field: ...".
package client
