package asyncjob

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// Defaults applied by [NewMemStore] to zero fields of [MemStoreOptions].
const (
	// DefaultMemPollInterval is how often a blocked [MemStore.Dequeue]
	// looks for expired leases when nothing wakes it.
	DefaultMemPollInterval = time.Second
	// DefaultMaxJobs bounds the jobs a [MemStore] holds. A job costs about
	// 1 KiB of heap plus its payload and result, so the default bounds the
	// store to roughly 10 MiB with small payloads.
	DefaultMaxJobs = 10_000
)

// MemStoreOptions configures a [MemStore]. The zero value is ready to use.
type MemStoreOptions struct {
	// Now is the clock for leases and expiry. Default time.Now.
	Now func() time.Time
	// PollInterval bounds how long a blocked Dequeue waits before it looks
	// for expired leases again. Default [DefaultMemPollInterval]. A
	// negative value also means the default (the one exception to the
	// package's Options rule): a Dequeue that never looked again would
	// never take over the job of a vanished worker.
	PollInterval time.Duration
	// MaxJobs bounds the jobs held, finished ones included. When a Create
	// finds the store full it forgets the terminal job that finished
	// first (with its idempotency key; its status then answers 404),
	// skipping jobs whose webhook is still pending; when no job can be
	// forgotten, Create returns [ErrQueueFull]. Default [DefaultMaxJobs];
	// negative means unbounded (finished jobs stay for their whole
	// retention).
	MaxJobs int
}

// MemStore is the in-memory [Store]: the default of [New], needing no
// configuration. Several Managers in one process may share a MemStore, which
// behaves like a shared store for them (tests use that to simulate several
// instances). It starts no goroutines; expired jobs are swept as part of the
// calls that change the store, and are invisible to reads from the moment
// they expire. It is safe for concurrent use.
type MemStore struct {
	now     func() time.Time
	poll    time.Duration
	maxJobs int // 0: unbounded

	mu      sync.Mutex
	jobs    map[string]*memJob
	keys    map[string]string // owner\x00key → job ID
	queue   []string          // FIFO of IDs; entries no longer accepted are skipped
	queued  int               // accepted jobs in queue
	running map[string]struct{}
	outbox  map[string]*memJob // jobs whose delivery is pending
	expiry  expiryHeap
	done    doneList      // terminal jobs, in the order they finished
	wake    chan struct{} // closed and replaced when work arrives
}

type memJob struct {
	job        Job
	subs       map[*memSub]struct{}
	heapIdx    int     // index in MemStore.expiry, -1 when not in it
	prev, next *memJob // links of MemStore.done
	inDone     bool
}

type memSub struct {
	ch     chan *Job
	after  uint64
	closed bool
	stop   func() bool
}

// NewMemStore returns an empty MemStore.
func NewMemStore(opts MemStoreOptions) *MemStore {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultMemPollInterval
	}
	switch {
	case opts.MaxJobs == 0:
		opts.MaxJobs = DefaultMaxJobs
	case opts.MaxJobs < 0:
		opts.MaxJobs = 0
	}
	return &MemStore{
		now:     opts.Now,
		poll:    opts.PollInterval,
		maxJobs: opts.MaxJobs,
		jobs:    make(map[string]*memJob),
		keys:    make(map[string]string),
		running: make(map[string]struct{}),
		outbox:  make(map[string]*memJob),
		wake:    make(chan struct{}),
	}
}

func scopedKey(owner, key string) string { return owner + "\x00" + key }

// Len returns the number of jobs held, expired ones not yet swept included.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jobs)
}

// Create implements [Store].
func (s *MemStore) Create(ctx context.Context, j *Job, maxQueued int) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if j.ID == "" || j.State != StateAccepted {
		return nil, fmt.Errorf("asyncjob: create needs an ID and state accepted: %w", ErrConflict)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if mj := s.holder(j, now); mj != nil {
		c := mj.job
		return &c, ErrDuplicate
	}
	if _, ok := s.jobs[j.ID]; ok {
		return nil, fmt.Errorf("asyncjob: job %s exists: %w", j.ID, ErrConflict)
	}
	if err := s.room(1, maxQueued); err != nil {
		return nil, err
	}
	c := s.insert(j)
	s.signal()
	return c, nil
}

// CreateBatch implements [BatchCreator]: every check runs under the lock
// before the first job is stored, so a refused batch changes nothing.
func (s *MemStore) CreateBatch(ctx context.Context, jobs []*Job, maxQueued int) ([]*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := CheckBatch(jobs); err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return []*Job{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	for i, j := range jobs {
		if mj := s.holder(j, now); mj != nil {
			c := mj.job
			return nil, &DuplicateError{Index: i, Job: &c, Prior: -1}
		}
	}
	for _, j := range jobs {
		if _, ok := s.jobs[j.ID]; ok {
			return nil, fmt.Errorf("asyncjob: job %s exists: %w", j.ID, ErrConflict)
		}
	}
	if err := s.room(len(jobs), maxQueued); err != nil {
		return nil, err
	}
	out := make([]*Job, len(jobs))
	for i, j := range jobs {
		out[i] = s.insert(j)
	}
	s.signal() // once: every blocked Dequeue looks at the queue again
	return out, nil
}

// holder returns the live job that holds j's idempotency key, or nil.
// Callers hold s.mu.
func (s *MemStore) holder(j *Job, now time.Time) *memJob {
	if j.IdempotencyKey == "" {
		return nil
	}
	if id, ok := s.keys[scopedKey(j.Owner, j.IdempotencyKey)]; ok {
		return s.live(id, now)
	}
	return nil
}

// room makes room for n more jobs or returns [ErrQueueFull]: when the
// waiting jobs plus n exceed maxQueued (> 0), or when MaxJobs leaves less
// than n places after evicting every finished job it may. It evicts only
// when all n fit, so a refusal changes nothing. Callers hold s.mu.
func (s *MemStore) room(n, maxQueued int) error {
	if maxQueued > 0 && s.queued+n > maxQueued {
		return ErrQueueFull
	}
	if s.maxJobs <= 0 {
		return nil
	}
	need := len(s.jobs) + n - s.maxJobs
	if need <= 0 {
		return nil
	}
	if s.evictable(need) < need {
		return ErrQueueFull
	}
	for range need {
		s.evict()
	}
	return nil
}

// insert stores and queues j, which the caller has checked, sets its
// Version to 1 and returns the stored copy. The caller signals. Callers
// hold s.mu.
func (s *MemStore) insert(j *Job) *Job {
	mj := &memJob{job: *j, heapIdx: -1}
	mj.job.Version = 1
	mj.job.LeaseOwner, mj.job.LeaseUntil = "", time.Time{}
	mj.job.Delivery = nil
	s.jobs[j.ID] = mj
	if j.IdempotencyKey != "" {
		s.keys[scopedKey(j.Owner, j.IdempotencyKey)] = j.ID
	}
	s.queue = append(s.queue, j.ID)
	s.queued++
	c := mj.job
	j.Version = 1
	return &c
}

// Get implements [Store].
func (s *MemStore) Get(ctx context.Context, id string) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	mj := s.live(id, s.now())
	if mj == nil {
		s.mu.Unlock()
		return nil, ErrNotFound
	}
	c := mj.job
	s.mu.Unlock()
	return &c, nil
}

// Update implements [Store].
func (s *MemStore) Update(ctx context.Context, j *Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	mj := s.live(j.ID, now)
	if mj == nil {
		return ErrNotFound
	}
	cur := &mj.job
	if cur.Version != j.Version || !CanTransition(cur.State, j.State) {
		return ErrConflict
	}
	next := *j
	next.Kind, next.Owner, next.CreatedAt = cur.Kind, cur.Owner, cur.CreatedAt
	next.IdempotencyKey, next.Fingerprint = cur.IdempotencyKey, cur.Fingerprint
	next.LeaseOwner, next.LeaseUntil = cur.LeaseOwner, cur.LeaseUntil
	next.Version = cur.Version + 1
	if cur.State == StateAccepted && next.State != StateAccepted {
		s.queued--
	}
	if next.State.Terminal() {
		next.LeaseOwner, next.LeaseUntil = "", time.Time{}
		delete(s.running, next.ID)
		if !mj.inDone {
			s.done.pushBack(mj)
		}
	}
	switch {
	case cur.Delivery != nil:
		next.Delivery = cur.Delivery
	case next.Delivery != nil:
		d := *next.Delivery
		d.LeaseOwner, d.LeaseUntil = "", time.Time{}
		next.Delivery = &d
		if d.State == DeliveryPending {
			s.outbox[next.ID] = mj
		}
	}
	mj.job = next
	s.setExpiry(mj)
	j.Version = next.Version
	s.publish(mj)
	s.sweep(now)
	return nil
}

// Dequeue implements [Store].
func (s *MemStore) Dequeue(ctx context.Context, worker string, lease time.Duration) (*Job, error) {
	var idle feed.Idle // a MemStore is never closed
	defer idle.Stop()
	for {
		if err := idle.Check(ctx); err != nil {
			return nil, err
		}
		s.mu.Lock()
		now := s.now()
		s.sweep(now)
		if mj := s.next(now); mj != nil {
			j := &mj.job
			j.State = StateProcessing
			j.Attempt++
			if j.StartedAt.IsZero() {
				j.StartedAt = now
			}
			j.LeaseOwner, j.LeaseUntil = worker, now.Add(lease)
			j.Version++
			s.running[j.ID] = struct{}{}
			s.publish(mj)
			c := *j
			s.mu.Unlock()
			return &c, nil
		}
		wake := s.wake
		s.mu.Unlock()
		if err := idle.Wait(ctx, wake, s.poll); err != nil {
			return nil, err
		}
	}
}

// next pops the oldest queued job, else finds a processing job whose lease
// has expired. Callers hold s.mu.
func (s *MemStore) next(now time.Time) *memJob {
	for len(s.queue) > 0 {
		id := s.queue[0]
		s.queue[0] = ""
		s.queue = s.queue[1:]
		if mj, ok := s.jobs[id]; ok && mj.job.State == StateAccepted {
			s.queued--
			return mj
		}
	}
	if len(s.queue) == 0 {
		s.queue = nil // let the backing array go
	}
	var best *memJob
	for id := range s.running {
		mj, ok := s.jobs[id]
		if !ok || mj.job.State != StateProcessing {
			delete(s.running, id)
			continue
		}
		if mj.job.LeaseUntil.After(now) {
			continue
		}
		if best == nil || mj.job.CreatedAt.Before(best.job.CreatedAt) {
			best = mj
		}
	}
	return best
}

// Renew implements [Store].
func (s *MemStore) Renew(ctx context.Context, id, worker string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	mj := s.live(id, now)
	if mj == nil {
		return ErrNotFound
	}
	if mj.job.State != StateProcessing || mj.job.LeaseOwner != worker {
		return ErrLeaseLost
	}
	// A lease that expired but was not taken over yet is still ours: no
	// other worker ran the job in between, so renewing is safe.
	mj.job.LeaseUntil = now.Add(lease)
	return nil
}

// Release implements [Store].
func (s *MemStore) Release(ctx context.Context, id, worker string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mj := s.live(id, s.now())
	if mj == nil {
		return ErrNotFound
	}
	if mj.job.State != StateProcessing || mj.job.LeaseOwner != worker {
		return ErrLeaseLost
	}
	mj.job.LeaseUntil = time.Time{}
	s.signal()
	return nil
}

// Watch implements [Store].
func (s *MemStore) Watch(ctx context.Context, id string, after uint64) (<-chan *Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mj := s.live(id, s.now())
	if mj == nil {
		return nil, ErrNotFound
	}
	sub := &memSub{ch: make(chan *Job, 1), after: after}
	if mj.job.Version > after {
		c := mj.job
		sub.ch <- &c
	}
	if mj.job.State.Terminal() {
		close(sub.ch)
		return sub.ch, nil
	}
	if mj.subs == nil {
		mj.subs = make(map[*memSub]struct{})
	}
	mj.subs[sub] = struct{}{}
	sub.stop = context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if m, ok := s.jobs[id]; ok {
			delete(m.subs, sub)
		}
		sub.close()
	})
	return sub.ch, nil
}

// ClaimDelivery implements [Store]. It scans the pending deliveries, which
// a full store bounds by MaxJobs.
func (s *MemStore) ClaimDelivery(ctx context.Context, worker string, lease time.Duration) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	var best *memJob
	for id, mj := range s.outbox {
		d := mj.job.Delivery
		if d == nil || d.State != DeliveryPending {
			delete(s.outbox, id)
			continue
		}
		if d.NextAttemptAt.After(now) || d.LeaseOwner != "" && d.LeaseUntil.After(now) {
			continue
		}
		if best == nil || d.NextAttemptAt.Before(best.job.Delivery.NextAttemptAt) {
			best = mj
		}
	}
	if best == nil {
		return nil, ErrNoDelivery
	}
	// A fresh Delivery, never a change in place: copies handed out earlier
	// share the old pointer.
	d := *best.job.Delivery
	d.LeaseOwner, d.LeaseUntil = worker, now.Add(lease)
	best.job.Delivery = &d
	c := best.job
	return &c, nil
}

// RecordDelivery implements [Store].
func (s *MemStore) RecordDelivery(ctx context.Context, id, worker string, d Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	mj := s.live(id, now)
	if mj == nil {
		return ErrNotFound
	}
	cur := mj.job.Delivery
	if cur == nil || worker == "" || cur.LeaseOwner != worker {
		return ErrLeaseLost
	}
	d.ID = cur.ID
	d.LeaseOwner, d.LeaseUntil = "", time.Time{}
	mj.job.Delivery = &d
	mj.job.Version++
	if d.State == DeliveryPending {
		s.outbox[id] = mj
	} else {
		delete(s.outbox, id)
	}
	s.publish(mj)
	s.sweep(now)
	return nil
}

func (sub *memSub) close() {
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}

// publish hands the current record to every watcher, replacing a record the
// watcher has not taken yet (latest wins), and ends the feeds on a terminal
// state. Callers hold s.mu, which makes s the only sender, so the send after
// the drain never blocks.
func (s *MemStore) publish(mj *memJob) {
	if len(mj.subs) == 0 {
		return
	}
	terminal := mj.job.State.Terminal()
	for sub := range mj.subs {
		// A client resuming from a Last-Event-ID newer than the record
		// (another instance's id, a forged one) must not get older
		// records, only an end when the job finishes.
		if mj.job.Version > sub.after {
			c := mj.job
			select {
			case <-sub.ch:
			default:
			}
			sub.ch <- &c
		}
		if terminal {
			s.endSub(mj, sub)
		}
	}
}

func (s *MemStore) endSub(mj *memJob, sub *memSub) {
	delete(mj.subs, sub)
	if sub.stop != nil {
		sub.stop()
	}
	sub.close()
}

// live returns the job unless it is missing or expired. Callers hold s.mu.
func (s *MemStore) live(id string, now time.Time) *memJob {
	mj, ok := s.jobs[id]
	if !ok || !mj.job.ExpiresAt.IsZero() && !now.Before(mj.job.ExpiresAt) {
		return nil
	}
	return mj
}

// sweep forgets expired jobs and their keys. The heap makes it cost
// O(log n) per expired job, so calling it on every change is cheap.
// Callers hold s.mu.
func (s *MemStore) sweep(now time.Time) {
	for len(s.expiry) > 0 && !now.Before(s.expiry[0].job.ExpiresAt) {
		s.forget(s.expiry[0])
	}
}

// evict forgets the terminal job that finished first and whose webhook is
// not pending, making room for one more. It reports false when every job
// is live (or owes a delivery). Callers hold s.mu.
func (s *MemStore) evict() bool {
	for mj := s.done.head; mj != nil; mj = mj.next {
		if canEvict(mj) {
			s.forget(mj)
			return true
		}
	}
	return false
}

// evictable counts the jobs evict may forget, stopping at limit. Callers
// hold s.mu.
func (s *MemStore) evictable(limit int) int {
	n := 0
	for mj := s.done.head; mj != nil && n < limit; mj = mj.next {
		if canEvict(mj) {
			n++
		}
	}
	return n
}

// canEvict reports whether a terminal job may be forgotten before its
// retention ends: not while its webhook is pending.
func canEvict(mj *memJob) bool {
	d := mj.job.Delivery
	return d == nil || d.State != DeliveryPending
}

// forget removes mj and everything that refers to it: its key, queue
// indexes, heap entry, list links and watchers. Callers hold s.mu.
func (s *MemStore) forget(mj *memJob) {
	id := mj.job.ID
	delete(s.jobs, id)
	delete(s.running, id)
	delete(s.outbox, id)
	if mj.heapIdx >= 0 {
		heap.Remove(&s.expiry, mj.heapIdx)
	}
	if mj.inDone {
		s.done.remove(mj)
	}
	if k := mj.job.IdempotencyKey; k != "" {
		sk := scopedKey(mj.job.Owner, k)
		if s.keys[sk] == id {
			delete(s.keys, sk)
		}
	}
	for sub := range mj.subs {
		s.endSub(mj, sub)
	}
}

// setExpiry puts mj in the expiry heap at its ExpiresAt, or takes it out.
// Callers hold s.mu.
func (s *MemStore) setExpiry(mj *memJob) {
	switch {
	case mj.job.ExpiresAt.IsZero() && mj.heapIdx >= 0:
		heap.Remove(&s.expiry, mj.heapIdx)
	case mj.job.ExpiresAt.IsZero():
	case mj.heapIdx >= 0:
		heap.Fix(&s.expiry, mj.heapIdx)
	default:
		heap.Push(&s.expiry, mj)
	}
}

func (s *MemStore) signal() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// expiryHeap orders jobs by ExpiresAt; each job knows its index, so that a
// forgotten job leaves the heap at once and the heap never holds more than
// the store.
type expiryHeap []*memJob

func (h expiryHeap) Len() int { return len(h) }
func (h expiryHeap) Less(i, j int) bool {
	return h[i].job.ExpiresAt.Before(h[j].job.ExpiresAt)
}
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *expiryHeap) Push(x any) {
	mj := x.(*memJob)
	mj.heapIdx = len(*h)
	*h = append(*h, mj)
}
func (h *expiryHeap) Pop() any {
	old := *h
	mj := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	mj.heapIdx = -1
	return mj
}

// doneList is the intrusive list of terminal jobs in finishing order, the
// eviction order of a full store.
type doneList struct{ head, tail *memJob }

func (l *doneList) pushBack(mj *memJob) {
	mj.prev, mj.next, mj.inDone = l.tail, nil, true
	if l.tail != nil {
		l.tail.next = mj
	} else {
		l.head = mj
	}
	l.tail = mj
}

func (l *doneList) remove(mj *memJob) {
	if mj.prev != nil {
		mj.prev.next = mj.next
	} else {
		l.head = mj.next
	}
	if mj.next != nil {
		mj.next.prev = mj.prev
	} else {
		l.tail = mj.prev
	}
	mj.prev, mj.next, mj.inDone = nil, nil, false
}
