package pgstore

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/httpsem/httpsem/asyncjob"
)

// Group commit of Update. Each job costs a compare-and-set UPDATE when it
// finishes, and with the pool's default of one commit per statement every
// finish waited for a WAL flush of its own: with several workers that is
// most of what a short job costs. Updates that arrive while one is in
// flight are therefore sent together, as one batch in one implicit
// transaction: one round trip and one commit for all of them. Each caller
// still returns only after that commit, so what Update promises (the
// change is stored, durably, when it returns nil) is unchanged.
//
// A statement that fails aborts the implicit transaction and with it the
// others' changes, so a failed batch is run again one statement at a time;
// within a batch the rows are locked in ID order, so that two instances'
// batches do not deadlock on each other.
//
// A claim the claimer offers while updates wait goes in their transaction
// (claimOffer, runCycle): a worker's outcome and its next claim then cost
// one commit, not two. The claim comes last and locks with SKIP LOCKED, so
// it adds no lock wait and no deadlock to the updates'.

// maxGroup bounds the updates sent in one batch and the claims made in
// one statement (README, Limits).
const maxGroup = 64

// groupGap and groupLinger bound the wait of a group of updates for more:
// the workers of one grouped claim finish short jobs within some
// microseconds of each other, and waiting for the last of them makes one
// commit (a WAL flush of some ms, which the later ones would wait for
// after the first one's) of what would otherwise be two or three. Only a
// burst waits (two or more updates ready at once), at most groupGap after
// the last arrival and groupLinger after the first; a lone update goes at
// once. (Claims do not wait: measured, waiting for stragglers cost them
// more than the statements it saved.)
const (
	groupGap    = 200 * time.Microsecond
	groupLinger = time.Millisecond
)

// groupUpdate is one Update waiting for the group's commit.
type groupUpdate struct {
	ctx     context.Context
	id      string
	args    []any
	version int64
	err     error // pgx.ErrNoRows: the compare-and-set did not match
	done    chan struct{}
}

// updateGrouped runs the update statement with args, alone or in a batch
// with concurrent ones, and returns the new version.
func (s *Store) updateGrouped(ctx context.Context, id string, args []any) (int64, error) {
	r := &groupUpdate{ctx: ctx, id: id, args: args, done: make(chan struct{})}
	select {
	case s.updates <- r:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-s.ctx.Done():
		// Closed: the store's other methods keep working, one at a time.
		return s.updateOne(ctx, args)
	}
	select {
	case <-r.done:
		return r.version, r.err
	case <-ctx.Done():
		// The batch goes on without this caller, who cannot know whether
		// the change landed; the Manager reads the record again.
		return 0, ctx.Err()
	}
}

func (s *Store) updateOne(ctx context.Context, args []any) (int64, error) {
	var (
		version int64
		ignored string
	)
	err := s.pool.QueryRow(ctx, s.q.update, args...).Scan(&version, &ignored)
	return version, err
}

// grouper runs the grouped updates until Close, and with them the claims
// the claimer offers it (see claimOffer).
func (s *Store) grouper() {
	defer s.wg.Done()
	group := make([]*groupUpdate, 0, maxGroup)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		var offer *claimOffer
		select {
		case <-s.ctx.Done():
			return
		case r := <-s.updates:
			group = append(group[:0], r)
		case offer = <-s.offers:
			group = group[:0]
		}
		group, offer = s.gather(group, offer, timer)
		if offer == nil && !s.gate.CompareAndSwap(gateOpen, gateClosed) {
			// The claimer is offering its claims: they go with this group.
			select {
			case offer = <-s.offers:
			case <-s.ctx.Done():
			}
		}
		switch {
		case offer == nil:
			s.runGroup(group)
		case len(group) == 0:
			offer.got, offer.ok = s.runClaims(offer.group)
		default:
			offer.got, offer.ok = s.runCycle(group, offer.group)
		}
		// Open before the claimer learns its claims ran, so that its next
		// offer finds the gate open.
		s.gate.Store(gateOpen)
		if offer != nil {
			offer.done <- struct{}{}
		}
		clear(group)
	}
}

// gather adds to group the updates already waiting behind it and, in a
// burst, those that come within groupGap (at most maxGroup in all). Claims
// do not wait: once the claimer has offered its claims, the group goes
// with what has come.
func (s *Store) gather(group []*groupUpdate, offer *claimOffer, timer *time.Timer) ([]*groupUpdate, *claimOffer) {
	deadline := time.Now().Add(groupLinger)
	for len(group) < maxGroup {
		settle()
		select {
		case r := <-s.updates:
			group = append(group, r)
			continue
		default:
		}
		wait := min(groupGap, time.Until(deadline))
		if offer != nil || wait <= 0 || len(group) < 2 {
			// A lone update is not part of a burst: it goes at once.
			break
		}
		timer.Reset(wait)
		select {
		case r := <-s.updates:
			group = append(group, r)
		case offer = <-s.offers:
			// The updates that came with these claims are taken on the
			// next turn, without waiting.
		case <-timer.C:
			return group, offer
		case <-s.ctx.Done():
			return group, offer // those gathered are still run
		}
		timer.Stop()
	}
	return group, offer
}

// settle lets the goroutines that are ready to run do so before a group
// is closed: the workers a group commit or a grouped claim has just
// released come back (with their next Dequeue, with their outcome) a few
// microseconds apart, and would otherwise each go alone, or with a few,
// while the first one's statement is in flight. It costs nothing when
// nobody else is ready, and it never waits for anyone who is not.
func settle() {
	for range 2 {
		runtime.Gosched()
	}
}

// runGroup runs the updates of group and completes each.
func (s *Store) runGroup(group []*groupUpdate) {
	defer func() {
		for _, r := range group {
			close(r.done)
		}
	}()
	if len(group) == 1 {
		r := group[0]
		r.version, r.err = s.updateOne(r.ctx, r.args)
		return
	}
	ctx, cancel := groupContext(s.ctx, group)
	defer cancel()
	slices.SortFunc(group, func(a, b *groupUpdate) int { return strings.Compare(a.id, b.id) })
	b := &pgx.Batch{}
	for _, r := range group {
		b.Queue(s.q.update, r.args...)
	}
	br := s.pool.SendBatch(ctx, b)
	failed := false
	for _, r := range group {
		var ignored string
		r.err = br.QueryRow().Scan(&r.version, &ignored)
		if r.err != nil && !errors.Is(r.err, pgx.ErrNoRows) {
			failed = true
		}
	}
	// Close reports the outcome of the commit: only then did any of them
	// happen.
	if err := br.Close(); err != nil || failed {
		for _, r := range group {
			r.version, r.err = s.updateOne(r.ctx, r.args)
		}
	}
}

// groupContext ends when the store closes or the last of the callers'
// deadlines passes (a caller without one: never), so that a batch is not
// cut short by one caller's deadline or cancellation.
func groupContext(base context.Context, group []*groupUpdate) (context.Context, context.CancelFunc) {
	var last time.Time
	for _, r := range group {
		d, ok := r.ctx.Deadline()
		if !ok {
			return context.WithCancel(base)
		}
		if d.After(last) {
			last = d
		}
	}
	return context.WithDeadline(base, last)
}

// Group claims. A claim is an UPDATE too, and the workers of a busy queue
// claim at once. Dequeues therefore wait with the claimer, one goroutine
// that looks at the queue for all of them together: one statement
// (dequeueGroup) takes the oldest waiting jobs, then jobs whose lease
// ended, one for each waiting Dequeue in the order they came (at most
// maxGroup). Those that get none go on waiting. The claimer looks only
// when a look may find something (wakes: a Create or a notification since
// the last look that came up short) and every Options.PollInterval while
// Dequeues wait, so an idle worker costs no round trip, and a batch of
// jobs wakes all the waiting workers with one statement rather than one
// after the other.
//
// A caller whose context ends while it waits gives up its place; if its
// claim was in flight, the claimer then releases the job it claimed for
// it, so that the job does not wait for its lease to end (Release lets
// any worker take it over at once).

// claim states.
const (
	claimWaiting int32 = iota
	claimDelivered
	claimAbandoned
)

// groupClaim is one Dequeue waiting for the claimer.
type groupClaim struct {
	worker string
	lease  time.Duration
	state  atomic.Int32
	job    *asyncjob.Job
	err    error // pgx.ErrNoRows: nothing claimed yet
	done   chan struct{}
}

// claimGrouped waits until the claimer claims a job for worker, ctx ends
// or the store closes.
func (s *Store) claimGrouped(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	r := &groupClaim{worker: worker, lease: lease, done: make(chan struct{})}
	select {
	case s.claims <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ctx.Done():
		return nil, ErrClosed
	}
	var err error
	select {
	case <-r.done:
		return r.job, r.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-s.ctx.Done():
		err = ErrClosed
	}
	if r.state.CompareAndSwap(claimWaiting, claimAbandoned) {
		s.wakes.poke()
		return nil, err
	}
	<-r.done // delivered meanwhile: the job is this caller's
	return r.job, r.err
}

func (s *Store) claimOne(ctx context.Context, worker string, now, until time.Time) (*asyncjob.Job, error) {
	var j *asyncjob.Job
	err := s.queryClaim(ctx, func(rows pgx.Rows) error {
		if !rows.Next() {
			return pgx.ErrNoRows
		}
		var (
			ignored string
			err     error
		)
		j, err = s.scanJob(rows, &ignored)
		return err
	}, s.q.dequeue, worker, now, until, s.channel)
	if err != nil {
		return nil, err
	}
	s.notifyVersion(j.ID, j.Version)
	return j, nil
}

// queryClaim runs a claim statement and scan on its rows. The claim's
// commit waits for its WAL flush like every other write: a claim that a
// crash of the database could undo would hand its version number to the
// next claim of the job, and the worker that held the lost one could then
// write over the new holder's record with a compare-and-set that still
// matches. Its notifications go through the notifier after the commit
// (notifyVersion), which holds no notification lock across the flush.
func (s *Store) queryClaim(ctx context.Context, scan func(pgx.Rows) error, sql string, args ...any) error {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	err = scan(rows)
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	return err
}

// claimer serves the waiting Dequeues until Close.
func (s *Store) claimer() {
	defer s.wg.Done()
	var (
		waiting []*groupClaim
		last    time.Time // of the last look
		timer   = time.NewTimer(time.Hour)
		offer   = &claimOffer{done: make(chan struct{}, 1)}
	)
	timer.Stop()
	defer timer.Stop()
	defer func() {
		// Closed: the waiting Dequeues return ErrClosed themselves.
		for _, r := range waiting {
			if r.state.CompareAndSwap(claimWaiting, claimDelivered) {
				r.err = ErrClosed
				close(r.done)
			}
		}
	}()
	for {
		// Every Dequeue that has come claims in the next look.
		settle()
	more:
		for {
			select {
			case r := <-s.claims:
				waiting = append(waiting, r)
			default:
				break more
			}
		}
		waiting = slices.DeleteFunc(waiting, func(r *groupClaim) bool { return r.state.Load() != claimWaiting })
		if len(waiting) > 0 {
			want, mark := s.wakes.want()
			if want || time.Since(last) >= s.poll {
				group := waiting[:min(len(waiting), maxGroup)]
				if got, ok := s.claimWith(offer, group); ok {
					s.wakes.done(mark, len(group), got)
				}
				last = time.Now()
				continue
			}
			timer.Reset(s.poll - time.Since(last))
		}
		select {
		case <-s.ctx.Done():
			return
		case r := <-s.claims:
			waiting = append(waiting, r)
		case <-s.wakes.signal:
		case <-s.hub.Work():
			// A notification or a reconnection of the listener: work may
			// be waiting that this store did not create.
			s.wakes.announce(1)
		case <-timer.C:
		}
		timer.Stop()
	}
}

// runClaims claims for the Dequeues of group, completes each that got a
// job (or an error) and returns how many got a job; ok is false when a
// statement failed, which says nothing about the queue.
func (s *Store) runClaims(group []*groupClaim) (got int, ok bool) {
	ctx, cancel := context.WithTimeout(s.ctx, s.maxRW+s.poll)
	defer cancel()
	now := s.now()
	var err error
	if len(group) == 1 {
		r := group[0]
		r.job, r.err = s.claimOne(ctx, r.worker, now, now.Add(r.lease))
	} else {
		err = s.claimMany(ctx, group, now)
	}
	return s.deliverClaims(group, err)
}

// deliverClaims completes each Dequeue of group that got a job (or an
// error) and returns how many got a job; ok is false when stmtErr or a
// claim's error says a statement failed, which says nothing about the
// queue.
func (s *Store) deliverClaims(group []*groupClaim, stmtErr error) (got int, ok bool) {
	failed := false
	for _, r := range group {
		switch {
		case r.job != nil:
			got++
		case errors.Is(r.err, pgx.ErrNoRows):
			continue // waits on
		case r.err == nil:
			r.err = pgx.ErrNoRows // a reply without a job: as if none
			continue
		case s.ctx.Err() != nil:
			r.err = ErrClosed
		default:
			failed = true
			r.err = s.fail(s.ctx, "dequeue", r.err)
		}
		if r.state.CompareAndSwap(claimWaiting, claimDelivered) || r.job == nil {
			close(r.done)
			continue
		}
		// Abandoned with a job: hand the job back at once.
		rctx, rcancel := context.WithTimeout(s.ctx, s.maxRW)
		if err := s.Release(rctx, r.job.ID, r.worker); err != nil {
			s.log.Warn("pgstore: releasing a job claimed for a Dequeue that gave up failed; it is taken over when its lease ends", "job", r.job.ID, "err", err)
		}
		rcancel()
		close(r.done)
	}
	return got, stmtErr == nil && !failed
}

// claimOffer is the claimer's group of Dequeues, offered to the grouper so
// that the claim goes in one transaction with the updates waiting then:
// when the jobs of a grouped claim end together, their workers' next
// claim and their outcomes come together too (the Manager claims the next
// job while the outcome is written), and one commit, one WAL flush, serves
// both rather than two that follow each other at the disk (measured: 0.45
// statements per job on batched submissions, from 0.6). The offer is made
// only while the grouper waits or gathers (its gate is open), and the
// group then goes at once, without waiting for more updates; while the
// grouper's statement is in flight the claimer claims alone, as it did
// before, so a claim never waits behind an update that waits for a row
// lock, and the claim and the updates of one transaction wait for a lock
// at most cycleLockTimeout.
type claimOffer struct {
	group []*groupClaim
	got   int
	ok    bool
	done  chan struct{} // capacity 1: the grouper ran group
}

// claimWith claims for group through the grouper when its gate is open
// (with the updates it has then, if any), else alone, and returns what
// runClaims does.
func (s *Store) claimWith(offer *claimOffer, group []*groupClaim) (got int, ok bool) {
	if !s.gate.CompareAndSwap(gateOpen, gateOffered) {
		return s.runClaims(group) // the grouper's statement is in flight
	}
	offer.group = group
	defer func() { offer.group = nil }()
	select {
	case s.offers <- offer:
		<-offer.done
		return offer.got, offer.ok
	case <-s.ctx.Done():
		return s.runClaims(group)
	}
}

// The grouper's gate: open while it waits or gathers, so that the claimer
// may offer its claims (open to offered, then the offer is sent and taken
// at once); closed while a group without claims is in flight.
const (
	gateOpen int32 = iota
	gateOffered
	gateClosed
)

// cycleLockTimeout bounds how long the transaction of a claim and updates
// waits for a lock (a row a caller's transaction holds, a table lock of a
// migration): claims never wait for row locks (SKIP LOCKED), and should
// not wait for an update's. Past it the transaction rolls back and both
// are run again apart, the updates as a failed batch is.
const cycleLockTimeout = 100 * time.Millisecond

// runCycle runs the updates of ups and the claim of group in one
// transaction, one round trip and one commit, completes each update and
// returns what runClaims does. After a failure (nothing was stored) the
// claim is made alone first, so that the workers do not wait for the
// updates, then the updates are run one by one, as after a failed batch.
func (s *Store) runCycle(ups []*groupUpdate, group []*groupClaim) (got int, ok bool) {
	defer func() {
		for _, r := range ups {
			close(r.done)
		}
	}()
	ctx, cancel := groupContext(s.ctx, ups)
	defer cancel()
	ctx, cancelClaim := context.WithTimeout(ctx, s.maxRW+s.poll)
	defer cancelClaim()
	slices.SortFunc(ups, func(a, b *groupUpdate) int { return strings.Compare(a.id, b.id) })
	now := s.now()
	owners := make([]string, len(group))
	until := make([]time.Time, len(group))
	for i, r := range group {
		owners[i], until[i] = r.worker, now.Add(r.lease)
		r.job, r.err = nil, pgx.ErrNoRows
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(s.q.lockTimeout)
	for _, r := range ups {
		b.Queue(s.q.update, r.args...)
	}
	// The claim comes after the updates, so it sees the jobs they finished
	// as finished, and its row locks (SKIP LOCKED) wait for nobody.
	b.Queue(s.q.dequeueGroup, owners, until, now, s.channel)
	b.Queue("COMMIT")
	br := s.pool.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	failed := err != nil
	for _, r := range ups {
		var ignored string
		r.err = br.QueryRow().Scan(&r.version, &ignored)
		if r.err != nil && !errors.Is(r.err, pgx.ErrNoRows) {
			failed = true
		}
	}
	var claimErr error
	rows, err := br.Query()
	if err == nil {
		claimErr = s.scanClaims(rows, group)
		rows.Close()
		if claimErr == nil {
			claimErr = rows.Err()
		}
	} else {
		claimErr = err
	}
	tag, err := br.Exec()
	// Close reports the outcome of the commit: only then did any of it
	// happen. A COMMIT of a transaction that failed answers ROLLBACK.
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if failed || claimErr != nil || err != nil || tag.String() != "COMMIT" {
		s.log.Warn("pgstore: claim with updates failed; running them apart", "err", errors.Join(claimErr, err))
		got, ok = s.runClaims(group)
		for _, r := range ups {
			r.version, r.err = s.updateOne(r.ctx, r.args)
		}
		return got, ok
	}
	for _, r := range group {
		if r.job != nil {
			s.notifyVersion(r.job.ID, r.job.Version)
		}
	}
	return s.deliverClaims(group, nil)
}

// scanClaims reads dequeueGroup's rows into group.
func (s *Store) scanClaims(rows pgx.Rows, group []*groupClaim) error {
	for rows.Next() {
		var (
			ord     int64
			ignored string
		)
		j, err := s.scanJob(rows, &ord, &ignored)
		if err != nil {
			return err
		}
		if ord >= 1 && int(ord) <= len(group) {
			group[ord-1].job, group[ord-1].err = j, nil
		}
	}
	return nil
}

// claimMany runs dequeueGroup for group; after a failed statement it claims
// for each Dequeue alone, and returns that statement's error.
func (s *Store) claimMany(ctx context.Context, group []*groupClaim, now time.Time) error {
	owners := make([]string, len(group))
	until := make([]time.Time, len(group))
	for i, r := range group {
		owners[i], until[i] = r.worker, now.Add(r.lease)
		r.job, r.err = nil, pgx.ErrNoRows
	}
	err := s.queryClaim(ctx, func(rows pgx.Rows) error { return s.scanClaims(rows, group) },
		s.q.dequeueGroup, owners, until, now, s.channel)
	if err != nil {
		// The statement's transaction rolled back: nobody holds a job. Claim
		// one by one, as without grouping.
		s.log.Warn("pgstore: grouped claim failed; claiming one by one", "err", err)
		for _, r := range group {
			r.job, r.err = s.claimOne(ctx, r.worker, now, now.Add(r.lease))
		}
		return err
	}
	for _, r := range group {
		if r.job != nil {
			s.notifyVersion(r.job.ID, r.job.Version)
		}
	}
	return nil
}
