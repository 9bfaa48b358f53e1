// Package asyncjob runs long operations — report generation, transcoding,
// bulk sends, settlement — outside the request that starts them, with the
// HTTP semantics clients expect: 202 Accepted and a status URL, polling
// with ETags, 303 See Other to the result, Server-Sent Events, WebSocket
// (asyncjob/wsfeed), signed webhooks (asyncjob/webhook, through the small
// [Notifier] interface, so this package does not import it) and idempotent
// retries.
//
// # Tour
//
//	m, err := asyncjob.New(asyncjob.Options{
//		Kinds: map[string]asyncjob.Kind{"report": buildReport},
//		OwnerFunc: func(r *http.Request) string { return userID(r) },
//	})
//	mux.Handle("POST /reports", m.SubmitHandler("report", nil))
//	mux.Handle("/jobs/{id}", m.JobHandler(nil))
//	defer m.Shutdown(ctx)
//	jobs, err := m.SubmitBatch(ctx, specs) // all stored and queued, or none
//
// A [Kind] turns the stored payload into a [Func], which runs on a bounded
// worker pool with a per-job timeout and reports progress through
// [Progress]. It returns a [Result] (a URL, a small JSON value, or both) or
// an error; an [*Error] sets the code, message and retryable flag the
// client sees, any other error or a panic becomes code INTERNAL, with the
// panic's stack logged. States go accepted → processing → completed |
// failed | canceled.
//
// [Manager.SubmitBatch] submits many jobs as one atomic store step (one
// INSERT and one commit on asyncjob/pgstore, one script on
// asyncjob/redisstore): every spec is checked as Submit checks it, and
// either every job is stored and queued, in order, or none is — a held
// idempotency key refuses the batch with a [*DuplicateError] naming the
// spec and the holder, a queue that cannot take the whole batch with
// [ErrQueueFull]. A Store offers it by implementing [BatchCreator]; on one
// that does not, SubmitBatch refuses with [ErrBatchUnsupported] rather
// than store a batch job by job, which could leave half of it.
//
// # HTTP
//
//   - Submit ([Manager.SubmitHandler]): 202 with Location, Retry-After and
//     {"job_id","status","status_url","estimated_completion"}; Prefer
//     respond-async and wait=N with Preference-Applied (RFC 7240); 503 with
//     Retry-After when the queue is full.
//   - Status ([Manager.StatusHandler]): 200 with progress, ETag,
//     Cache-Control: no-cache and Retry-After; 304 on a matching
//     If-None-Match; 303 to the result when completed; 404 for unknown and
//     foreign jobs.
//   - Cancel ([Manager.CancelHandler]): DELETE, 202, idempotent; 409 once
//     finished.
//   - Events ([Manager.EventsHandler]): text/event-stream with Last-Event-ID
//     resume, heartbeats and a final "shutdown" record when the Manager
//     stops. Other transports (asyncjob/wsfeed) send the same events
//     through [Manager.Feed].
//   - [OpenAPI] describes all of it for merging into an application's
//     OpenAPI 3.1 document.
//
// Every error goes through httperr (Options.ErrorWriter).
//
// # Idempotency
//
// Idempotency-Key follows draft-ietf-httpapi-idempotency-key-header: the
// key is an sf-string; the bare form is accepted as the same key (see
// [ParseIdempotencyKey]). Keys are scoped to the owner. The request
// fingerprint is method, path, owner and body hash ([Fingerprint]). Claiming
// the key and creating the job is one atomic [Store.Create], so racing
// retries — also on different instances sharing a store — yield one job;
// each gets the same 202 answer. The same key with another request gets
// 422. A key lives as long as its job: Options.Retention (default 24 h)
// after the job finished.
//
// # Stores and instances
//
// A [Store] holds jobs, keys, the queue with leases, and a per-job change
// feed. [MemStore] is the default. A shared store (asyncjob/redisstore)
// lets several instances share one set of jobs: any instance accepts, runs,
// serves, streams and cancels any job; a job whose worker died is taken
// over when its lease expires (at-least-once execution, attempts counted,
// one terminal record). asyncjob/storetest checks any Store against the
// contract.
//
// # Webhooks: a durable outbox
//
// A job submitted with a callback URL gets its terminal status POSTed,
// signed, by a [Notifier] (asyncjob/webhook's *Sender). The pending delivery
// is written in the same [Store.Update] that makes the job terminal, with
// its attempt count and next attempt time; any Manager sharing the store
// claims due deliveries with a lease ([Store.ClaimDelivery]), makes one
// attempt and records the outcome ([Store.RecordDelivery]). A Manager that
// dies mid-attempt loses the lease and another resumes the delivery. The
// webhook-id is the job ID on every attempt of every instance, so delivery
// is at least once and receivers deduplicate on it. At most
// Options.DeliveryWorkers attempts run at once per Manager; a waiting
// delivery costs a store record, not a goroutine or a connection. After
// Options.DeliveryAttempts failures (or one answer that retrying cannot
// change: 3xx, 4xx other than 429, a refused address) the job's delivery
// record says failed, with the last status and error.
//
// # Shutdown
//
// [Manager.Shutdown] stops accepting work (503 with Retry-After), ends every
// stream with a final event, lets running jobs finish until its context
// ends, then hands them back: released to other instances on a shared
// store, failed with the retryable code SHUTDOWN in the Manager's own store.
//
// # Options
//
// One rule for every numeric field of [Options] (and of [MemStoreOptions]
// and the sub-packages' options): zero means the exported default constant
// (DefaultXxx); a negative value means "none" where the field's comment
// says what that does (Workers: no workers; QueueSize: unbounded; Timeout:
// no timeout; MaxWait: Prefer: wait not honoured; Heartbeat: no
// heartbeats; DeliveryWorkers: this Manager sends no webhooks;
// MemStoreOptions.MaxJobs: unbounded); everywhere else, where "none" would
// be unsafe or meaningless, [New] rejects it with an error
// "asyncjob: Options.Field: must not be negative".
//
// # Limits
//
// Workers (default 8), QueueSize (1024), MaxBatch (1000 specs per
// SubmitBatch), Timeout (1 h), Retention (24 h), MaxBodyBytes (1 MiB),
// MaxResultBytes (64 KiB), MaxAttempts (3), MaxWait (60 s),
// Idempotency-Key length (256 bytes), progress messages (512 bytes), jobs
// held by a MemStore (MaxJobs, 10,000: the oldest finished ones are
// forgotten first; about 6 MiB of live heap for 10,000 small jobs),
// webhook attempts in flight per Manager (DeliveryWorkers, 16), webhook
// attempts per job (DeliveryAttempts, 5, backoff 1 s doubling to 1 min).
// See [Options].
//
// # References
//
//   - RFC 9110 §15.3.3 (202), §15.4.4 (303), §13.1.2 (If-None-Match),
//     §10.2.3 (Retry-After): https://www.rfc-editor.org/rfc/rfc9110
//   - RFC 7240 (Prefer): https://www.rfc-editor.org/rfc/rfc7240
//   - RFC 8941 §3.3.3 (sf-string): https://www.rfc-editor.org/rfc/rfc8941
//   - Idempotency-Key: https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
//   - Server-Sent Events: https://html.spec.whatwg.org/multipage/server-sent-events.html
//   - Standard Webhooks: https://www.standardwebhooks.com/
//
// # Deviations
//
// The bare (unquoted) Idempotency-Key is accepted although the draft asks
// for an sf-string. The change feed coalesces: a slow SSE client may skip
// intermediate progress records, never the terminal one.
package asyncjob
