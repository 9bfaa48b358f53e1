// Package poll follows long-running operations served by asyncjob (or any
// server speaking the same wire format) to their end.
//
// A job starts with 202 Accepted and a status URL in Location (RFC 9110
// §15.3.3). [Poller.Follow] (or [Poller.Submit], which sends the request
// first) polls that URL:
//
//   - each wait is the response's Retry-After (RFC 9110 §10.2.3), as
//     delay-seconds or as an HTTP-date measured against the response's Date,
//     clamped to [Options.MinInterval, Options.MaxInterval];
//   - each poll carries If-None-Match with the last ETag, so an unchanged
//     status costs a 304 (RFC 9110 §13.1.2) and no progress report;
//   - a 303 See Other ends the wait: its Location is the result
//     (RFC 9110 §15.4.4), fetched with Options.FetchResult;
//   - a failed job ends with its *asyncjob.Error (code, message,
//     retryable), a canceled one with [ErrCanceled], an error response with
//     the *httperr.Error of its envelope; 429, 502, 503 and 504 are retried
//     (Options.MaxErrors) after their Retry-After; [Retryable] says
//     whether submitting again may help;
//   - with Options.Events the status is followed over Server-Sent Events
//     instead (HTML Living Standard §9.2), reconnecting with Last-Event-ID
//     and the stream's retry time;
//   - with Options.Wait the submission carries Prefer: wait=N (RFC 7240
//     §4.3) and a final answer in the first response ends at once;
//   - ctx ends the wait; with Options.CancelOnExit it also sends DELETE.
//
// Limits: every wait is clamped (DefaultMinInterval 100ms,
// DefaultMaxInterval 30s), status documents and event records are bounded
// (DefaultMaxStatusBytes 1 MiB), transient failures in a row are bounded
// (DefaultMaxErrors 3). Numeric options: zero means the default, negative
// means "none" where the field says so and is rejected by [New] otherwise.
package poll
