package asyncjob

import (
	"context"
	"time"
)

// Store holds jobs, their idempotency keys, the work queue with its leases and
// the per-job change feed. The in-memory [MemStore] is the default; a shared
// store (such as asyncjob/redisstore) lets several Managers — several service
// instances — share one set of jobs: any instance may accept, run, poll,
// stream or cancel any job.
//
// Every method takes a context first and must return promptly when it ends.
// Missing or expired jobs are reported as [ErrNotFound]; a compare-and-set
// that loses a race returns [ErrConflict] and changes nothing; any other
// error is a system failure (the HTTP layer answers it with 503 and
// Retry-After). Implementations must be safe for concurrent use, and every
// method that changes a job must be atomic with respect to all the others.
// The conformance suite in asyncjob/storetest checks these contracts.
type Store interface {
	// Create stores j, which the caller has filled in with State accepted,
	// Version 0 and a fresh ID, sets its Version to 1 and queues it for
	// work. It returns the stored copy.
	//
	// When j.IdempotencyKey is not empty, claiming the key (scoped to
	// j.Owner) and storing the job are one atomic step: if a live job already
	// holds the key, Create stores nothing and returns that job with
	// [ErrDuplicate], however many callers race. The key is released when
	// the job that holds it expires.
	//
	// When maxQueued > 0 and at least maxQueued jobs wait in the queue
	// (accepted, not yet dequeued), Create stores nothing and returns
	// [ErrQueueFull]; a duplicate is reported before a full queue. A store
	// that bounds the jobs it holds (see [MemStoreOptions.MaxJobs]) also
	// returns ErrQueueFull when it cannot make room. An ID that already
	// exists yields [ErrConflict].
	Create(ctx context.Context, j *Job, maxQueued int) (*Job, error)

	// Get returns a copy of the job, or [ErrNotFound].
	Get(ctx context.Context, id string) (*Job, error)

	// Update replaces the stored job with j if the stored Version equals
	// j.Version and the move from the stored state to j.State is allowed by
	// [CanTransition]; it then increments the Version (also in j) and
	// publishes the new record on the change feed. A changed Version or a
	// forbidden transition yields [ErrConflict], a missing job
	// [ErrNotFound]. ID, Kind, Owner, IdempotencyKey, Fingerprint and
	// CreatedAt are immutable and the lease fields are kept as stored;
	// entering a terminal state clears the lease. A job whose ExpiresAt is
	// set is forgotten (with its key) once that time has passed.
	//
	// Update is also how a webhook delivery enters the outbox: when the
	// stored job has no Delivery and j.Delivery is set, Update stores it in
	// the same atomic step, and a pending one becomes claimable by
	// [Store.ClaimDelivery] from j.Delivery.NextAttemptAt on. When the
	// stored job has a Delivery already, Update keeps the stored one and
	// ignores j.Delivery: after its creation a delivery changes only
	// through ClaimDelivery and RecordDelivery, so a job update can never
	// undo a delivery's progress.
	Update(ctx context.Context, j *Job) error

	// Dequeue claims the next job for worker and returns it, blocking until
	// one is available or ctx ends (then it returns ctx.Err()). Jobs waiting
	// in the queue are served first in submission order; a processing job
	// whose lease has expired is taken over. Claiming sets State to
	// processing, increments Attempt, sets StartedAt when it is zero, gives
	// the lease to worker until now+lease, increments Version and publishes
	// the change — all atomically, so no two workers ever hold one job.
	Dequeue(ctx context.Context, worker string, lease time.Duration) (*Job, error)

	// Renew extends worker's lease on job id to now+lease without changing
	// Version. It returns [ErrLeaseLost] when worker no longer holds the
	// lease (it expired and another worker took over, or the job is no
	// longer processing) and [ErrNotFound] when the job is gone.
	Renew(ctx context.Context, id, worker string, lease time.Duration) error

	// Release gives up worker's lease on job id at once, so that another
	// worker may take the job over (used when a Manager shuts down with the
	// job unfinished). It returns [ErrLeaseLost] when worker does not hold
	// the lease and [ErrNotFound] when the job is gone.
	Release(ctx context.Context, id, worker string) error

	// Watch returns the change feed of job id: a channel that receives a
	// copy of the job after every change whose Version is greater than
	// after, starting with the current record when its Version is greater
	// than after. A slow receiver may miss intermediate records but always
	// gets the latest one; Versions arrive strictly increasing. The channel
	// is closed after a record in a terminal state has been sent (or at once
	// when the job is already terminal and not newer than after), when the
	// job is forgotten, and when ctx ends. It returns [ErrNotFound] when the
	// job does not exist. Changes made through any client of a shared store
	// reach every watcher.
	Watch(ctx context.Context, id string, after uint64) (<-chan *Job, error)

	// ClaimDelivery claims a due webhook delivery for worker and returns a
	// copy of its job; it does not block. A delivery is due when it is
	// pending, its NextAttemptAt has passed and nobody holds its lease (no
	// LeaseOwner, or LeaseUntil has passed: the Manager that held it died
	// or gave up). Of the due deliveries the one with the earliest
	// NextAttemptAt is claimed first. Claiming sets Delivery.LeaseOwner to
	// worker and Delivery.LeaseUntil to now+lease atomically, so no two
	// workers ever hold one delivery; it changes nothing else, neither the
	// Version nor the change feed. Deliveries of expired jobs are never
	// due. It returns [ErrNoDelivery] when none is due.
	ClaimDelivery(ctx context.Context, worker string, lease time.Duration) (*Job, error)

	// RecordDelivery stores the outcome of an attempt on job id's delivery,
	// which worker must hold (its lease may have passed, as long as no
	// other worker claimed the delivery since). It replaces the stored
	// Delivery with d, keeping the stored ID and clearing the lease,
	// increments the job's Version and publishes the record on the change
	// feed; the job's other fields are kept. When d.State is pending the
	// delivery becomes due again at d.NextAttemptAt (a worker that stops
	// mid-delivery hands it back this way, with NextAttemptAt now). It
	// returns [ErrLeaseLost] when worker does not hold the delivery's
	// lease (or the job has no delivery) and [ErrNotFound] when the job is
	// gone.
	RecordDelivery(ctx context.Context, id, worker string, d Delivery) error
}
