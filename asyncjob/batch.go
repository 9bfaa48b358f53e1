package asyncjob

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// BatchCreator is the optional interface of a [Store] that stores many jobs
// as one atomic step; [Manager.SubmitBatch] needs it. [MemStore],
// asyncjob/redisstore and asyncjob/pgstore implement it. The conformance
// suite in asyncjob/storetest checks its contract on every store that does.
type BatchCreator interface {
	// CreateBatch stores jobs, each filled in as for [Store.Create] (State
	// accepted, Version 0, a fresh ID), sets every Version to 1 (also in
	// jobs) and queues them in slice order: Dequeue serves them in that
	// order, after every job queued before the batch and before every job
	// queued after it. It returns the stored copies, in the same order.
	//
	// It is all or nothing: either every job is stored, keyed and queued,
	// or none is and the store is as before. In particular:
	//
	//   - When a job's IdempotencyKey (scoped to its Owner) is held by a
	//     live job, or repeats the key of an earlier job of the batch,
	//     CreateBatch stores nothing and returns a [*DuplicateError]
	//     (which wraps [ErrDuplicate]) naming that job and the holder.
	//     Claiming the keys is atomic with storing the jobs, so racing
	//     Create and CreateBatch calls that share a key yield one holder.
	//   - When maxQueued > 0 and the jobs waiting in the queue plus
	//     len(jobs) exceed maxQueued, it returns [ErrQueueFull]; a batch
	//     longer than maxQueued never fits. A duplicate is reported before
	//     a full queue. A store that bounds the jobs it holds returns
	//     ErrQueueFull when it cannot make room for all of them.
	//   - An ID that already exists, or repeats within the batch, yields
	//     [ErrConflict], as does a job without an ID or not accepted.
	//
	// An empty batch stores nothing and returns an empty slice. [CheckBatch]
	// is the part of these checks that needs no stored data.
	CreateBatch(ctx context.Context, jobs []*Job, maxQueued int) ([]*Job, error)
}

// Errors of [Manager.SubmitBatch].
var (
	// ErrBatchUnsupported means the Manager's Store does not implement
	// [BatchCreator]. SubmitBatch then stores nothing: submitting the jobs
	// one by one could leave half a batch behind.
	ErrBatchUnsupported = errors.New("asyncjob: the store does not support batch submission (it does not implement asyncjob.BatchCreator)")
	// ErrBatchTooLarge means a batch holds more specs than
	// Options.MaxBatch allows.
	ErrBatchTooLarge = errors.New("asyncjob: batch too large")
)

// DuplicateError refuses a batch one of whose idempotency keys is taken.
// It wraps [ErrDuplicate]: errors.Is(err, ErrDuplicate) holds, and
// errors.As finds the details.
type DuplicateError struct {
	// Index is the position in the batch of the job (the spec) whose key
	// is taken.
	Index int
	// Job is the live job that holds the key, or nil when Prior names the
	// holder.
	Job *Job
	// Prior is the position of an earlier job of the same batch with the
	// same owner and key, or -1 when Job holds the key.
	Prior int
}

// Error implements the error interface.
func (e *DuplicateError) Error() string {
	if e.Job != nil {
		return "asyncjob: batch job " + strconv.Itoa(e.Index) + ": idempotency key already used by job " + e.Job.ID
	}
	return "asyncjob: batch job " + strconv.Itoa(e.Index) + ": idempotency key repeats batch job " + strconv.Itoa(e.Prior)
}

// Unwrap returns [ErrDuplicate].
func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// BatchError refuses a batch one of whose specs [Manager.Submit] would
// refuse: Err is that error (an unknown kind, a refused payload or
// callback URL), Index the spec's position.
type BatchError struct {
	Index int
	Err   error
}

// Error implements the error interface.
func (e *BatchError) Error() string {
	return "asyncjob: batch spec " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *BatchError) Unwrap() error { return e.Err }

// CheckBatch checks what a [BatchCreator] must refuse without looking at
// stored data: a job without an ID or not accepted, and an ID repeated
// within the batch ([ErrConflict]); an owner and idempotency key repeated
// within the batch ([*DuplicateError] with Prior set). Stores call it
// first, so the rule has one home.
func CheckBatch(jobs []*Job) error {
	ids := make(map[string]struct{}, len(jobs))
	var keys map[string]int
	for i, j := range jobs {
		if j == nil || j.ID == "" || j.State != StateAccepted {
			return fmt.Errorf("asyncjob: batch job %d: create needs an ID and state accepted: %w", i, ErrConflict)
		}
		if _, dup := ids[j.ID]; dup {
			return fmt.Errorf("asyncjob: batch job %d: ID %s repeats: %w", i, j.ID, ErrConflict)
		}
		ids[j.ID] = struct{}{}
		if j.IdempotencyKey == "" {
			continue
		}
		if keys == nil {
			keys = make(map[string]int)
		}
		sk := scopedKey(j.Owner, j.IdempotencyKey)
		if k, dup := keys[sk]; dup {
			return &DuplicateError{Index: i, Prior: k}
		}
		keys[sk] = i
	}
	return nil
}

// SubmitBatch creates a job from every spec and queues them, in order, as
// one atomic step of the store: either every job is stored and queued, or
// none is. It returns the jobs in the order of specs.
//
// Every spec is checked as [Manager.Submit] checks it, before anything is
// stored; the first one Submit would refuse refuses the batch with a
// [*BatchError] that names it and wraps Submit's error. The batch is
// refused as a whole, with nothing stored, when:
//
//   - the Manager is shutting down ([ErrClosed]);
//   - it holds more than Options.MaxBatch specs ([ErrBatchTooLarge]);
//   - the Store does not implement [BatchCreator] ([ErrBatchUnsupported]);
//   - a spec's IdempotencyKey is held by a live job of the same owner, or
//     repeats an earlier spec's: a [*DuplicateError] naming the spec and
//     the holder (unlike Submit, the held job is not returned as a
//     result: a batch is either new or refused);
//   - the queue cannot take all of it: the jobs waiting plus len(specs)
//     would exceed Options.QueueSize ([ErrQueueFull]).
//
// An empty batch returns an empty slice and stores nothing. The batch is
// one store call: with asyncjob/pgstore one INSERT (one commit), with
// asyncjob/redisstore one script, with a MemStore one critical section.
func (m *Manager) SubmitBatch(ctx context.Context, specs []Spec) ([]*Job, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	if len(specs) > m.opts.MaxBatch {
		return nil, fmt.Errorf("%w: %d specs, Options.MaxBatch is %d", ErrBatchTooLarge, len(specs), m.opts.MaxBatch)
	}
	bc, ok := m.store.(BatchCreator)
	if !ok {
		return nil, ErrBatchUnsupported
	}
	if len(specs) == 0 {
		return []*Job{}, nil
	}
	now := m.opts.Now()
	jobs := make([]*Job, len(specs))
	for i, s := range specs {
		j, err := m.newJob(s, now)
		if err != nil {
			return nil, &BatchError{Index: i, Err: err}
		}
		jobs[i] = j
	}
	return bc.CreateBatch(ctx, jobs, m.queueLimit())
}
