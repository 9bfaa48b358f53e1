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

// grouper runs the grouped updates until Close.
func (s *Store) grouper() {
	defer s.wg.Done()
	gather(s.ctx.Done(), s.updates, s.runGroup)
}

// gather runs run on each request from ch together with those already
// waiting behind it and, in a burst, those that come within groupGap (at
// most maxGroup), until done closes.
func gather[T any](done <-chan struct{}, ch <-chan T, run func([]T)) {
	group := make([]T, 0, maxGroup)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-done:
			return
		case r := <-ch:
			group = append(group[:0], r)
		}
		deadline := time.Now().Add(groupLinger)
	more:
		for len(group) < maxGroup {
			settle()
			select {
			case r := <-ch:
				group = append(group, r)
				continue
			default:
			}
			wait := min(groupGap, time.Until(deadline))
			if wait <= 0 || len(group) < 2 {
				// A lone request is not part of a burst: it goes at once.
				break
			}
			timer.Reset(wait)
			select {
			case r := <-ch:
				group = append(group, r)
			case <-timer.C:
				break more
			case <-done:
				break more // those gathered are still run
			}
		}
		timer.Stop()
		run(group)
		clear(group)
	}
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
				if got, ok := s.runClaims(group); ok {
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
	return got, err == nil && !failed
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
	err := s.queryClaim(ctx, func(rows pgx.Rows) error {
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
	}, s.q.dequeueGroup, owners, until, now, s.channel)
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
