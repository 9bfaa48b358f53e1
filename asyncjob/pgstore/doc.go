// Package pgstore is an [asyncjob.Store] on PostgreSQL (github.com/jackc/pgx/v5),
// for services that already run PostgreSQL and want their jobs durable and,
// when they choose, enqueued inside their own transactions: a job that exists
// if and only if the business write that asked for it commits.
//
//	pool, _ := pgxpool.New(ctx, "postgres://app@db/app")
//	store, _ := pgstore.New(pool, pgstore.Options{})
//	defer store.Close()
//	_ = store.Migrate(ctx) // or apply pgstore.Schema("asyncjob") with your migration tool
//	m, _ := asyncjob.New(asyncjob.Options{Store: store, Kinds: kinds})
//
// # Storage
//
// One table, "<Options.Schema>.jobs", holds every job: the columns the store
// queries (state, version, attempt, lease, expiry, owner and idempotency key)
// and the rest of the record as JSON. Partial indexes serve the queue (waiting
// jobs by submission order), lease takeover (processing jobs by lease end),
// retention (jobs by expiry) and idempotency (a unique index on owner and
// key). [Store.Migrate] creates them idempotently; [Schema] returns the same
// SQL for migration tools, and schema.sql in this directory is it for the
// default schema.
//
// # Claiming work
//
// [Store.Dequeue] claims with one UPDATE whose candidates are chosen with
// FOR UPDATE SKIP LOCKED: workers on any number of instances never hold one
// job at once and never wait for each other's row locks. A claim sets
// lease_until; a job whose lease ended (its worker died) is taken over by the
// next Dequeue, with its attempt count incremented. Like the job and its
// outcome, a claim is flushed before Dequeue returns it: a claim a crash
// of the database could undo would give its version number to the next
// claim of the job, and two records to one version.
//
// # Notifications
//
// Each Store holds one listening connection outside the pool (LISTEN on
// "<schema>.jobs") and fans notifications out in process to idle workers
// and Watch channels. It sends the notifications of its own committed
// changes on a second connection, batched and with asynchronous commit:
// a NOTIFY inside a writing transaction would hold PostgreSQL's
// cluster-wide notification lock across that transaction's WAL flush and
// serialise every such commit. That connection waits up to 2 ms after a
// change for the next ones, so that one statement sends a burst. Jobs created in
// a caller's transaction notify inside it, delivered at its commit. Both
// connections reconnect with exponential backoff; a
// notification lost meanwhile delays a worker by at most
// Options.PollInterval and a watcher by at most Options.WatchInterval,
// because both re-read the table, the only truth.
//
// # Batches
//
// [Store.CreateBatch] (what asyncjob.Manager.SubmitBatch calls) inserts a
// whole batch with one INSERT of unnest arrays: one round trip and one
// fsync'd commit for all its jobs, which is what makes batches fast on a
// database whose commits wait for the disk. The statement inserts every
// row or none (a taken key or ID fails it; the queue bound admits all or
// nothing), in batch order, and the workers are woken once.
//
// Claims and outcomes are grouped the other way round, by arrival: the
// Dequeues waiting when the store looks at the queue claim together, in
// one UPDATE that takes the oldest waiting jobs (then jobs whose lease
// ended), one for each, and the store looks only when a Create, Release
// or notification since its last look that came up short says a job may
// be there, or after Options.PollInterval; the Updates that arrive while one is in flight (the
// workers finishing jobs at once) are sent as one pgx batch, one implicit
// transaction and one commit. Each caller returns after that commit, as it
// would alone. A batch the database refuses is run again one statement at
// a time, so one bad update fails only itself; a job claimed for a
// Dequeue that gave up meanwhile is released at once. A claim made while
// Updates wait for their group goes in their transaction, last (the
// Manager claims a worker's next job while its last outcome is written),
// so the two cost one commit; that transaction waits at most 100 ms for a
// row lock (SET LOCAL lock_timeout), after which the claim and the
// Updates run apart, so a lock a caller's transaction holds does not hold
// claims back.
//
// # Transactions
//
// [WithTx] makes Create, CreateBatch (in a savepoint, so that a refused
// batch leaves the transaction usable), Get and Update run in the
// caller's pgx.Tx, so asyncjob.Manager.Submit and SubmitBatch enqueue
// inside it; [Store.CreateTx] does the same for a Job built by hand. Both
// the job and its idempotency claim appear at commit and vanish on
// rollback.
//
// # Expiry and errors
//
// A job whose ExpiresAt passed is invisible at once and frees its
// idempotency key; a sweeper deletes such rows every Options.SweepInterval
// in batches of Options.SweepBatch, each a short transaction. Every failure
// to reach the database wraps [ErrUnavailable] (the HTTP layer answers 503
// with Retry-After), and every statement is bounded by the caller's context.
//
// # Options
//
// Durations and counts follow the project-wide rule: zero means the exported
// default; negative turns SweepInterval off and is rejected elsewhere by
// [New] with an error naming the field.
//
// Clocks: leases and expiry use Options.Now (default time.Now) of the
// instance that writes; every instance sharing a store must keep its clock
// synchronised well within the lease.
package pgstore
