package asyncjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Causes of a job context's end, told apart with context.Cause.
var (
	errJobTimeout  = errors.New("asyncjob: job timed out")
	errJobCanceled = errors.New("asyncjob: job canceled")
)

// outcome is the terminal record of a job that a worker ran: its result
// or its failure, to be written by finish.
type outcome struct {
	j   *Job
	res *Result
	err *Error
}

// worker takes jobs from the store until Shutdown begins. A job's outcome
// goes to the worker's finisher when it is idle, and the worker claims its
// next job while the finisher writes it: the claim and the previous
// outcome's write (each a round trip, on pgstore each a commit that waits
// for its WAL flush) overlap instead of following each other. When the
// finisher is still busy with the outcome before, the worker writes the
// outcome itself, as it did before there was a finisher, so an outcome
// never waits for another one: its write starts when its job returns,
// within the lease the companion renewed during the run, and the outcomes
// pending at once are at most two per worker (the finisher's and the
// worker's own). A worker with an outcome pending still runs one job at
// most: Workers bounds the jobs running, not the writes.
func (m *Manager) worker(name string, fin *finisher) {
	defer m.wg.Done()
	// The finisher ends when its last outcome is written; Shutdown waits
	// for it through m.wg.
	defer close(fin.outcomes)
	var backoff *time.Timer
	defer func() {
		if backoff != nil {
			backoff.Stop()
		}
	}()
	for {
		j, err := m.store.Dequeue(m.takeCtx, name, m.opts.Lease)
		if err != nil {
			if m.takeCtx.Err() != nil {
				return
			}
			// A store outage must not spin: wait a little, then retry.
			m.log.Warn("asyncjob: dequeue failed", "worker", name, "err", err)
			if backoff == nil {
				backoff = time.NewTimer(time.Second)
			} else {
				backoff.Reset(time.Second)
			}
			select {
			case <-m.takeCtx.Done():
				return
			case <-backoff.C:
			}
			continue
		}
		o, ok := m.run(name, j)
		if !ok {
			continue
		}
		if fin.busy.CompareAndSwap(false, true) {
			fin.outcomes <- o // never blocks: the finisher holds nothing
		} else {
			m.finish(name, o.j, o.res, o.err)
		}
	}
}

// finisher is a worker's hand-off to the goroutine that writes its
// outcomes. busy is set by the worker when it hands an outcome over and
// cleared by the finisher once that outcome is written, so an outcome is
// handed over only when the last one is written, and outcomes (capacity
// 1) always has room for it.
type finisher struct {
	outcomes chan outcome
	busy     atomic.Bool
}

// finisher writes the outcomes its worker hands it until the worker ends.
func (m *Manager) finisher(name string, fin *finisher) {
	defer m.wg.Done()
	for o := range fin.outcomes {
		m.finish(name, o.j, o.res, o.err)
		fin.busy.Store(false)
	}
}

// run executes one claimed job and returns the outcome to record; ok is
// false when there is none to record (the job was canceled, taken over, or
// handed back at shutdown).
func (m *Manager) run(worker string, j *Job) (o outcome, ok bool) {
	fail := func(j *Job, e *Error) (outcome, bool) { return outcome{j: j, err: e}, true }
	if j.Attempt > m.opts.MaxAttempts {
		return fail(j, &Error{Code: CodeAttempts, Message: "the job was interrupted too often", Retryable: false})
	}
	kind, known := m.opts.Kinds[j.Kind]
	if !known {
		return fail(j, &Error{Code: CodeUnknownKind, Message: "this service cannot run the job", Retryable: false})
	}
	fn, err := kind(j.Payload)
	if err != nil {
		return fail(j, m.jobError(j, err, false, false))
	}
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = m.opts.Timeout
	}
	cctx, cancel := context.WithCancelCause(m.runCtx)
	ctx := context.Context(cctx)
	if timeout > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeoutCause(cctx, timeout, errJobTimeout)
		defer cancelTimeout()
	}
	p := newProgress()
	compDone := make(chan struct{})
	compCtx, stopComp := context.WithCancel(ctx)
	held := j
	go func() {
		defer close(compDone)
		held = m.companion(compCtx, worker, j, p, cancel)
	}()

	res, panicked, err := m.call(ctx, fn, p, j)

	stopComp()
	<-compDone
	// From here on j is the latest record the companion saw written, so
	// that the outcome's compare-and-set usually needs no read first.
	j = held
	cause := context.Cause(ctx)
	cancel(nil)
	switch {
	case errors.Is(cause, errJobCanceled), errors.Is(cause, ErrLeaseLost):
		// The job was canceled, or another worker owns it now: its record
		// is not ours to write.
		return outcome{}, false
	case m.runCtx.Err() != nil && err != nil:
		m.handBack(worker, j)
		return outcome{}, false
	}
	if err != nil {
		return fail(j, m.jobError(j, err, panicked, errors.Is(cause, errJobTimeout)))
	}
	if len(res.Value) > 0 {
		if len(res.Value) > m.opts.MaxResultBytes {
			return fail(j, &Error{Code: CodeBadResult, Message: "the result is too large", Retryable: false})
		}
		// Compacting validates the value and removes newlines, so it fits
		// one SSE data line.
		var buf bytes.Buffer
		if err := json.Compact(&buf, res.Value); err != nil {
			m.log.Error("asyncjob: job returned an invalid JSON result value", "job", j.ID, "kind", j.Kind, "err", err)
			return fail(j, &Error{Code: CodeInternal, Message: "the job failed", Retryable: false})
		}
		res.Value = buf.Bytes()
	}
	return outcome{j: j, res: &res}, true
}

// record is mutateFrom for a job's outcome, retried on system errors (a
// store that is briefly unreachable, a pool that is briefly exhausted) with
// a doubling backoff until ctx ends: an outcome that is not recorded is
// only found again when the lease expires, and the job then runs twice. A
// write that failed may still have landed, so every retry reads the record
// afresh.
func (m *Manager) record(ctx context.Context, known *Job, fn func(j *Job) error) (*Job, error) {
	wait := 10 * time.Millisecond
	rec, err := m.mutateFrom(ctx, known, fn)
	for {
		if err == nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
			return rec, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return rec, err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
		rec, err = m.mutate(ctx, known.ID, fn)
	}
}

// handBack gives a job that Shutdown interrupted to whoever can finish it:
// on a shared store it releases the lease, so another instance takes the
// job over at once; in the Manager's own store, which dies with it, it
// records the job as failed with the retryable code SHUTDOWN, so that the
// client learns to submit again rather than poll a job nobody runs.
func (m *Manager) handBack(worker string, j *Job) {
	if m.ownStore {
		if !m.finish(worker, j, nil, &Error{Code: CodeShutdown, Message: "the service shut down before the job finished", Retryable: true}) {
			m.handBackErrs.Add(1)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.StoreTimeout)
	defer cancel()
	if err := m.store.Release(ctx, j.ID, worker); err != nil && !errors.Is(err, ErrLeaseLost) && !errors.Is(err, ErrNotFound) {
		m.handBackErrs.Add(1)
		m.log.Warn("asyncjob: release failed", "job", j.ID, "err", err)
	}
}

// call runs fn, turning a panic into an error and logging its stack. This is
// the library's one recover: a job function must never crash the process.
func (m *Manager) call(ctx context.Context, fn Func, p Progress, j *Job) (res Result, panicked bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			m.log.Error("asyncjob: job panicked", "job", j.ID, "kind", j.Kind, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			res, panicked, err = Result{}, true, fmt.Errorf("asyncjob: panic: %v", v)
		}
	}()
	res, err = fn(ctx, p)
	return res, false, err
}

// jobError maps a job function's error to the failure the client sees.
// Only an *Error's text is shown; anything else is logged and replaced by a
// generic message.
func (m *Manager) jobError(j *Job, err error, panicked, timedOut bool) *Error {
	var je *Error
	switch {
	case panicked:
		return &Error{Code: CodeInternal, Message: "the job failed", Retryable: false}
	case errors.As(err, &je):
		c := *je
		return &c
	case timedOut:
		return &Error{Code: CodeTimeout, Message: "the job did not finish in time", Retryable: true}
	}
	m.log.Error("asyncjob: job failed", "job", j.ID, "kind", j.Kind, "err", err)
	return &Error{Code: CodeInternal, Message: "the job failed", Retryable: false}
}

// watchDelay is how long a job runs before its companion watches its
// record. On a shared store a watch costs a read of the record: for the
// many jobs that finish sooner that would be a third of their store
// traffic, to learn of a cancel that finish learns of anyway (its
// compare-and-set meets the canceled record and leaves it alone). A
// running job's context thus ends within about watchDelay of a cancel on
// any instance, plus the change feed's latency.
const watchDelay = 20 * time.Millisecond

// companion runs beside a job: it renews the lease, writes coalesced
// progress, and cancels the job when its record turns canceled (through
// the store's change feed, so a DELETE on any instance reaches it) or the
// lease is lost. It returns the latest record it knows the worker holds:
// j, or what the progress writes and the feed made of it.
func (m *Manager) companion(ctx context.Context, worker string, j *Job, p *progress, cancel context.CancelCauseFunc) *Job {
	var feed <-chan *Job
	watch := time.NewTimer(watchDelay)
	defer watch.Stop()
	tick := time.NewTicker(max(m.opts.Lease/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return j
		case <-watch.C:
			var err error
			if feed, err = m.store.Watch(ctx, j.ID, j.Version); err != nil {
				if ctx.Err() == nil {
					m.log.Warn("asyncjob: watch failed", "job", j.ID, "err", err)
				}
				feed = nil // renewals still detect a cancel, one interval late
			}
		case rec, ok := <-feed:
			if !ok {
				feed = nil
				continue
			}
			if rec.State == StateCanceled {
				cancel(errJobCanceled)
				return j
			}
			if rec.State.Terminal() || rec.LeaseOwner != "" && rec.LeaseOwner != worker {
				cancel(ErrLeaseLost)
				return j
			}
			if rec.Version > j.Version {
				j = rec
			}
		case <-tick.C:
			sctx, scancel := context.WithTimeout(ctx, m.opts.StoreTimeout)
			err := m.store.Renew(sctx, j.ID, worker, m.opts.Lease)
			scancel()
			if errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrNotFound) {
				cancel(m.lostCause(j.ID))
				return j
			}
			if err != nil && ctx.Err() == nil {
				m.log.Warn("asyncjob: lease renewal failed", "job", j.ID, "err", err)
			}
		case <-p.signal:
			percent, msg, ok := p.take()
			if !ok {
				continue
			}
			sctx, scancel := context.WithTimeout(ctx, m.opts.StoreTimeout)
			rec, err := m.mutateFrom(sctx, j, func(c *Job) error {
				if c.State != StateProcessing || c.LeaseOwner != worker {
					return ErrLeaseLost
				}
				if c.Progress == percent && c.Message == msg {
					return errUnchanged
				}
				c.Progress, c.Message = percent, msg
				return nil
			})
			scancel()
			switch {
			case err == nil:
				j = rec
			case errors.Is(err, ErrLeaseLost):
				cancel(m.lostCause(j.ID))
				return j
			case !errors.Is(err, errUnchanged) && ctx.Err() == nil:
				m.log.Warn("asyncjob: progress update failed", "job", j.ID, "err", err)
			}
		}
	}
}

// lostCause tells a canceled job from one taken over by another worker.
func (m *Manager) lostCause(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.StoreTimeout)
	defer cancel()
	if c, err := m.store.Get(ctx, id); err == nil && c.State == StateCanceled {
		return errJobCanceled
	}
	return ErrLeaseLost
}

// finish records the terminal state of a job the worker holds, with its
// webhook delivery pending when it has a callback, unless the job was
// canceled or taken over meanwhile (then the record is left alone: one job
// has one terminal record). It reports whether the job is terminal now.
//
// The claim it records is j's: the same worker and the same attempt. The
// worker claims its next job while its finisher writes this outcome, so
// were the lease to end meanwhile (a store slower than the lease), the
// worker itself could claim the job again under the same name; the
// attempt tells that claim, whose run is not this one, from j's.
func (m *Manager) finish(worker string, j *Job, res *Result, jerr *Error) bool {
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.StoreTimeout)
	defer cancel()
	now := m.opts.Now()
	attempt := j.Attempt
	rec, err := m.record(ctx, j, func(c *Job) error {
		if c.State != StateProcessing || c.LeaseOwner != worker || c.Attempt != attempt {
			return ErrLeaseLost
		}
		c.FinishedAt = now
		c.ExpiresAt = now.Add(m.opts.Retention)
		// The progress note described the work in flight; on a terminal
		// record it would be stale ("aggregating orders" on a finished job).
		c.Message = ""
		if jerr != nil {
			c.State, c.Error = StateFailed, jerr
		} else {
			c.State, c.Result, c.Progress = StateCompleted, res, 100
		}
		c.Delivery = pendingDelivery(c, now)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrNotFound) {
			return true // canceled, taken over or forgotten: someone else's record
		}
		m.log.Error("asyncjob: recording the outcome failed", "job", j.ID, "err", err)
		return false
	}
	if rec.State == StateCompleted {
		m.observe(rec.Kind, rec.FinishedAt.Sub(rec.StartedAt))
	}
	if rec.Delivery != nil {
		m.wakeDispatch()
	}
	return true
}
