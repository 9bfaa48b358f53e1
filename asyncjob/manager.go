package asyncjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Func is the work of one job. ctx ends on cancel, timeout or shutdown, and
// the function must return soon after. p reports progress. The returned
// [Result] says where the result lives or carries a small JSON value; an
// [*Error] (possibly wrapped) controls the failure shown to the client. A
// panic is recovered and recorded as code INTERNAL, not retryable.
type Func func(ctx context.Context, p Progress) (Result, error)

// Kind builds the [Func] of a job from the payload stored at submission. It
// is called once at submission to validate the payload (an error rejects
// the request with 422, or with its own status when it is an
// *httperr.Error) and again on whichever instance runs the job, so it must
// depend on the payload only.
type Kind func(payload []byte) (Func, error)

// Spec describes a job to submit.
type Spec struct {
	// Kind names an entry of Options.Kinds. Required.
	Kind string
	// Payload is the job's input, stored with it.
	Payload []byte
	// Owner scopes visibility and the idempotency key.
	Owner string
	// IdempotencyKey makes the submission idempotent; Fingerprint
	// identifies the request so a reuse of the key for another request can
	// be told apart ([Manager.Submit] returns [ErrDuplicate] either way).
	IdempotencyKey string
	Fingerprint    string
	// CallbackURL receives the terminal status as a signed webhook.
	CallbackURL string
	// Timeout overrides Options.Timeout for this job.
	Timeout time.Duration
	// Estimate is the submitter's guess of the run time, used for
	// estimated_completion instead of the running average.
	Estimate time.Duration
}

// Manager accepts, runs, serves and cancels jobs. Create it with [New] and
// stop it with [Manager.Shutdown]. It is safe for concurrent use.
type Manager struct {
	opts      Options
	store     Store
	ownStore  bool // the Manager made store: nobody else can take a job over
	id        string
	log       *slog.Logger
	closed    atomic.Bool
	takeCtx   context.Context // ends when Shutdown starts: no more dequeues or claims
	stopTake  context.CancelFunc
	runCtx    context.Context // ends when Shutdown's context ends: jobs are canceled
	stopRun   context.CancelFunc
	hookCtx   context.Context // ends with runCtx: webhook attempts are cut short
	stopHooks context.CancelFunc
	wg        sync.WaitGroup // workers, their finishers and the delivery dispatcher
	dwg       sync.WaitGroup // webhook attempts in flight
	hookWake  chan struct{}  // a token: a delivery may be due
	nextDue   atomic.Int64   // Unix ns of the earliest retry this Manager scheduled, 0 if none
	claims    atomic.Uint64  // numbers the delivery leases
	// handBackErrs counts jobs Shutdown could not hand back (store failed).
	handBackErrs atomic.Int64
	shutOnce     sync.Once
	shutDone     chan struct{}

	bufs sync.Pool // *[]byte for status documents

	estMu sync.Mutex
	est   map[string]time.Duration // EWMA of run time per kind
}

// New returns a Manager and starts its workers and, with a Notifier, its
// webhook dispatcher. It fails when Options.Kinds is empty while workers
// would run ([ErrNoKinds]), when a Kind is nil, and when a field is
// negative where "none" would be unsafe (see the package's Options rule).
func New(opts Options) (*Manager, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{
		opts: o, store: o.Store, id: NewID()[:8], log: log,
		est: make(map[string]time.Duration), shutDone: make(chan struct{}),
		hookWake: make(chan struct{}, 1),
	}
	m.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	if m.store == nil {
		m.store = NewMemStore(MemStoreOptions{Now: o.Now})
		m.ownStore = true
	}
	m.takeCtx, m.stopTake = context.WithCancel(context.Background())
	m.runCtx, m.stopRun = context.WithCancel(context.Background())
	m.hookCtx, m.stopHooks = context.WithCancel(m.runCtx)
	for i := 0; i < o.Workers; i++ {
		name := fmt.Sprintf("%s/%d", m.id, i)
		fin := &finisher{outcomes: make(chan outcome, 1)}
		m.wg.Add(2)
		go m.finisher(name, fin)
		go m.worker(name, fin)
	}
	if o.Notifier != nil && o.DeliveryWorkers > 0 {
		m.wg.Add(1)
		go m.dispatch()
	}
	return m, nil
}

func defaultID(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return id
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// Store returns the Manager's store.
func (m *Manager) Store() Store { return m.store }

// StatusURL returns the status URL of job id (Options.StatusURLFunc).
func (m *Manager) StatusURL(id string) string { return m.opts.StatusURLFunc(id) }

// Submit creates a job from s and queues it. It returns [ErrClosed] after
// Shutdown began, [ErrQueueFull] when the queue is full, [ErrUnknownKind],
// a *webhook.URLError for a refused callback URL, and the error of the
// Kind for an invalid payload. When s.IdempotencyKey is held by a live job
// of the same owner it returns that job and [ErrDuplicate]; compare its
// Fingerprint with s.Fingerprint to tell a retry from a conflicting reuse.
func (m *Manager) Submit(ctx context.Context, s Spec) (*Job, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	j, err := m.newJob(s, m.opts.Now())
	if err != nil {
		return nil, err
	}
	return m.store.Create(ctx, j, m.queueLimit())
}

// newJob checks s as every submission (Submit, each spec of SubmitBatch)
// is checked — a known kind, an allowed callback URL, a payload the Kind
// accepts — and returns the job to store, created at now.
func (m *Manager) newJob(s Spec, now time.Time) (*Job, error) {
	kind, ok := m.opts.Kinds[s.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, s.Kind)
	}
	if s.CallbackURL != "" {
		if m.opts.Notifier == nil {
			return nil, errNoCallbacks
		}
		if err := m.opts.Notifier.CheckURL(s.CallbackURL); err != nil {
			return nil, &callbackError{err}
		}
	}
	if _, err := kind(s.Payload); err != nil {
		return nil, &payloadError{err}
	}
	j := &Job{
		ID:             NewID(),
		Kind:           s.Kind,
		Payload:        s.Payload,
		Owner:          s.Owner,
		State:          StateAccepted,
		CreatedAt:      now,
		Timeout:        s.Timeout,
		IdempotencyKey: s.IdempotencyKey,
		Fingerprint:    s.Fingerprint,
		CallbackURL:    s.CallbackURL,
	}
	if d := m.estimate(s.Kind, s.Estimate); d > 0 {
		j.EstimatedAt = now.Add(d)
	}
	return j, nil
}

// queueLimit is Options.QueueSize as the maxQueued of a Store: 0 when
// unbounded.
func (m *Manager) queueLimit() int {
	return max(m.opts.QueueSize, 0)
}

var errNoCallbacks = errors.New("asyncjob: callbacks are not enabled (Options.Notifier is nil)")

// callbackError marks a callback URL the Notifier refused.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return "asyncjob: callback URL refused: " + e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

// payloadError marks an error of a Kind rejecting a payload at submission.
type payloadError struct{ err error }

func (e *payloadError) Error() string { return "asyncjob: invalid payload: " + e.err.Error() }
func (e *payloadError) Unwrap() error { return e.err }

// Get returns the job id if owner may see it, else [ErrNotFound].
func (m *Manager) Get(ctx context.Context, id, owner string) (*Job, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	j, err := m.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Owner != owner {
		return nil, ErrNotFound
	}
	return j, nil
}

// Cancel cancels job id on behalf of owner and returns the job as stored
// afterwards. Canceling a canceled job succeeds again (idempotent); a job
// that completed or failed yields the job and [ErrFinished]; a job owner may
// not see yields [ErrNotFound]. The worker running the job — on this or any
// instance sharing the store — sees its context canceled: a job that has
// run for 20 ms at once (through the store's change feed), one canceled
// sooner when it reaches 20 ms (workers watch a job only from then on, so
// that the many shorter jobs cost no watch). Either way the canceled record
// stands: a worker records an outcome only on a job it still holds.
func (m *Manager) Cancel(ctx context.Context, id, owner string) (*Job, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	now := m.opts.Now()
	changed := false
	j, err := m.mutate(ctx, id, func(j *Job) error {
		if j.Owner != owner {
			return ErrNotFound
		}
		switch j.State {
		case StateCanceled:
			return errUnchanged
		case StateCompleted, StateFailed:
			return ErrFinished
		}
		j.State = StateCanceled
		j.FinishedAt = now
		j.ExpiresAt = now.Add(m.opts.Retention)
		j.Delivery = pendingDelivery(j, now)
		changed = true
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return j, nil
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return j, err
	}
	if changed && j.Delivery != nil {
		m.wakeDispatch()
	}
	return j, nil
}

var errUnchanged = errors.New("asyncjob: unchanged")

// maxCAS bounds compare-and-set retries; each retry means another writer
// made progress, so running out signals pathological contention.
const maxCAS = 32

// mutate applies fn to a fresh copy of job id and stores it with
// compare-and-set, retrying on conflicts. fn's error aborts; mutate returns
// it with the job fn saw.
func (m *Manager) mutate(ctx context.Context, id string, fn func(j *Job) error) (*Job, error) {
	for range maxCAS {
		j, err := m.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(j); err != nil {
			return j, err
		}
		err = m.store.Update(ctx, j)
		if err == nil {
			return j, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
	}
	return nil, ErrConflict
}

// mutateFrom is mutate that starts from known, the caller's copy of the
// record, instead of reading it: a worker knows the record it holds, so
// while nobody else changes the job each of its writes costs one round
// trip, not two. A copy that is no longer current loses the
// compare-and-set, and mutate takes over from a fresh read, where fn
// checks again that the job is still the caller's.
func (m *Manager) mutateFrom(ctx context.Context, known *Job, fn func(j *Job) error) (*Job, error) {
	c := *known
	if err := fn(&c); err != nil {
		return &c, err
	}
	err := m.store.Update(ctx, &c)
	if err == nil {
		return &c, nil
	}
	if !errors.Is(err, ErrConflict) {
		return nil, err
	}
	return m.mutate(ctx, known.ID, fn)
}

// estimate returns the expected run time: the hint, else the running
// average for the kind, else 0 (unknown).
func (m *Manager) estimate(kind string, hint time.Duration) time.Duration {
	if hint > 0 {
		return hint
	}
	m.estMu.Lock()
	defer m.estMu.Unlock()
	return m.est[kind]
}

// observe folds a run time into the kind's exponentially weighted average
// (weight 1/8: recent runs count most, one outlier does not dominate).
func (m *Manager) observe(kind string, d time.Duration) {
	if d <= 0 {
		return
	}
	m.estMu.Lock()
	defer m.estMu.Unlock()
	if old, ok := m.est[kind]; ok {
		d = old + (d-old)/8
	}
	m.est[kind] = d
}
