// Package redisstore is an [asyncjob.Store] on Redis, so that every instance
// of a service shares one set of jobs: a job accepted by one instance may be
// run by any, polled, streamed (SSE, WebSocket) and canceled through any, and
// survives the crash of the instance that ran it.
//
//	client, err := redisstore.NewClient("redis://localhost:6379/0") // or unix:///run/redis.sock
//	store, err := redisstore.New(client, redisstore.Options{Prefix: "reports"})
//	m, err := asyncjob.New(asyncjob.Options{Store: store, Kinds: kinds})
//	// on shutdown: m.Shutdown(ctx); store.Close(); client.Close()
//
// # Data model
//
// All keys of a store start with "{Prefix}:" (Options.Prefix, default
// "asyncjob"):
//
//	{P}:job:<id>            hash: the job record (see record.go)
//	{P}:key:<n>:<owner>:<k> string: the job ID holding idempotency key k of owner (n = len(owner))
//	{P}:queue               sorted set: waiting job IDs by submission order
//	{P}:seq                 counter: submission order
//	{P}:running             sorted set: processing job IDs by lease end
//	{P}:outbox              sorted set: job IDs with a pending webhook, by due time (next attempt, or lease end while claimed)
//	{P}:feed                Pub/Sub channel: changes and wake-ups
//
// Every change is one Lua script (scripts/*.lua, each headed by its
// KEYS/ARGV/return contract), so it is atomic: Create claims the
// idempotency key, stores the record and queues the job in one step, so
// racing retries on any instances yield one job (CreateBatch,
// create_batch.lua, does the same for a whole batch: every job or none);
// Update is a compare-and-set
// on the Version that also enforces [asyncjob.CanTransition], so two
// instances can never both finish or both cancel a job; Dequeue pops the
// oldest waiting job, or takes over a processing job whose lease ended, and
// claims it (attempt count incremented) in one step. The webhook outbox
// lives in the job hash (fields di, d, ds, dn, dlo, dlu) and the outbox
// set: update.lua enters a job's first delivery in the same script that
// makes it terminal, claim_delivery.lua leases the earliest due one, and
// record_delivery.lua stores an attempt's outcome for the lease holder
// only, so a delivery whose instance died is due again when its lease
// ends. A finished job's
// retention is the TTL of its record and of its idempotency key; the
// calling instance's clock (Options.Now) decides expiry and leases first, so
// instances need clocks synchronised well within a lease.
//
// # Redis Cluster: one hash slot per store
//
// The braces make Prefix the hash tag of every key, so a store lives in
// one hash slot: one shard of a Cluster. This is deliberate. Submitting a
// job must claim the key, store the record and enqueue it atomically, and
// the queue is one key that every submission and every worker touches;
// Redis has no transactions across slots, and splitting these steps over
// slots would leave windows in which a crash loses an accepted job or
// creates two jobs for one key. One slot keeps every script atomic and
// works unchanged on standalone Redis, Sentinel and Cluster (any
// [redis.UniversalClient]); the scripts name keys of the popped job
// themselves, which Redis allows for keys of the script's own slot. The
// cost: one store's throughput and memory are bounded by one shard
// (tens of thousands of submissions per second). To spread load over a
// Cluster, run several stores with different prefixes (per tenant or job
// family), which land on different slots.
//
// # Queue: sorted sets and lease fields, not Streams
//
// The queue is a sorted set of waiting jobs plus a sorted set of running
// jobs scored by lease end, rather than a Stream with a consumer group and
// XAUTOCLAIM. The job record is the truth for state and lease; a consumer
// group would keep a second, competing truth (pending entries, idle times
// measured on Redis's clock) that cannot be updated atomically with the
// record from the same script as cleanly, could not remove a canceled
// waiting job without scanning, and would not give the exact count of
// waiting jobs that Options.QueueSize needs (ZCARD does).
//
// # Change feed
//
// Every change of a Version of a watched job publishes "<version> <id>" on
// the store's channel; Create publishes "w <submission number>" and
// Release "w" to wake waiting workers, except when the submitting store
// has a waiting worker that no other job has spoken for: that Create
// publishes nothing and hands the job to its own worker (see Round trips).
// A job is watched from the moment a
// watcher first reads its record: the script that reads it also marks it
// (field "wt"), so no change after that read goes unpublished, and the
// many jobs that nobody watches cost no messages. Each Store holds a
// single subscription and fans messages out to its watchers (SSE streams,
// WebSocket feeds, Prefer: wait, the cancellation watch of jobs that run
// past 20 ms), which re-read the record on a message, so the record, never
// the message, is what watchers see. Pub/Sub delivers at most once; the store re-reads
// every watched job after the subscription reconnects and every
// Options.WatchInterval, so the latest record is never lost. Every
// instance receives every change of the store; a message is a few bytes.
//
// # Round trips
//
// A job costs its instances three round trips to Redis: the Create
// script, the Dequeue script and the script that records the outcome (a
// compare-and-set from the record the worker holds; see asyncjob's
// worker); two when the instance that submits it has an idle worker (see
// below). Each script writes a record with one HSET and reads it with one
// HMGET, about 20 commands per job in all (10 with the claim in Create).
// An idle worker does not ask Redis whether work came: each store counts
// the jobs it may find from the submission numbers that Create publishes
// and from the dequeue script's replies, and runs the script only when
// that count says a job may be waiting, after a Release or a reconnection
// of the feed, or when its wait ends at the earliest lease end or
// Options.PollInterval. A lost message therefore costs latency, never a
// job. With several instances each published job wakes a worker on every
// instance, and all but one find nothing.
//
// A Create made on a store that has a waiting worker free for the job (no
// counted job or owed look has spoken for it, nor another Create) reserves
// that worker, and its script claims the job for it, as the dequeue script
// would (state processing, attempt 1, that worker's lease), in the same
// HSET that stores it, unless jobs are queued before it (then it queues
// the job and publishes its number, as any Create does, and the worker
// looks for it). A claim publishes nothing: the message
// would cost Redis a write to every subscriber and each instance a
// wake-up on the submitter's critical path, and the claim a round trip.
// A reserved worker waits for its Create's answer even when its own
// Dequeue ends meanwhile (Shutdown, Close), and releases a job it will not
// run, so that any worker takes it over at once (the release waits at most
// 5 s; should it fail, the job's lease frees it); a Create that fails after
// it may have claimed releases the job the same way (else its lease's end
// frees it). A job that ran before (an attempt, a start time) is queued
// without a message when the store has a free waiting worker, which then
// looks for it.
//
// # Failures
//
// When Redis cannot be reached every method returns an error wrapping
// [ErrUnavailable] (never [asyncjob.ErrNotFound] or a conflict), which the
// asyncjob HTTP layer answers with 503 Service Unavailable, Retry-After and
// the error envelope. The client reconnects by itself, and so does the change
// feed, which then resynchronises its watchers. go-redis runs a command
// again after a read timeout or a lost connection (Options.MaxRetries), so
// a script may run twice for one call; Create and CreateBatch pass a token
// unique to the call, kept in the record (field cn), and a run that finds
// its own call's job answers as the first run did: the call succeeds, the
// job is stored and queued once, and a job the first run claimed for a
// waiting worker goes to that worker. Without it the second run found the
// ID taken, and the caller got a failure for a job that existed and ran:
// an HTTP client, answered 503, would submit it again. A Create that fails
// outright (its reply lost and no retry left) still leaves the outcome
// unknown: a retry with the same Idempotency-Key is the client's way to
// learn it. What Redis acknowledged is
// kept as durably as Redis is configured to keep it: with appendonly yes and
// appendfsync always nothing accepted is lost across a Redis crash (the
// restart test checks this); appendfsync everysec may lose the last second.
// A job whose worker died is taken over when its lease ends (at-least-once
// execution; the attempt count is recorded; only the lease holder can
// write the one terminal record).
package redisstore
