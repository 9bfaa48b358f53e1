// Package update changes a resource over HTTP without losing concurrent
// writes: optimistic concurrency control as RFC 9110 §13.1.1 and RFC 6585
// §3 describe it, done the same way every time.
//
// [Updater.Do] reads the resource, hands its body to the caller's [Func],
// and writes the result with If-Match set to the entity tag it read, as
// PUT, JSON merge patch (RFC 7396) or JSON Patch (RFC 6902). When another
// writer got there first the server answers 412 Precondition Failed; Do then
// waits a jittered backoff, reads again (with Cache-Control: no-cache, so no
// cache hands back the copy that just lost) and recomputes, up to
// Options.MaxAttempts writes. It never writes without a precondition: a
// representation without a strong ETag is [ErrNoETag]; a 428 is
// [ErrPreconditionRequired]; running out of attempts is
// [ErrTooManyAttempts]. The attempts made are in [Result.Attempts].
//
// Limits: DefaultMaxAttempts 10 writes, backoff DefaultBackoff 10ms
// doubling to DefaultMaxBackoff 1s (full jitter), bodies up to
// DefaultMaxBodyBytes 1 MiB. Numeric options: zero means the default,
// negative means "none" where the field says so and is rejected by [New]
// otherwise.
package update
