package pgstore

import (
	"context"
	"errors"
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
// waiting behind it (at most maxGroup), until done closes.
func gather[T any](done <-chan struct{}, ch <-chan T, run func([]T)) {
	group := make([]T, 0, maxGroup)
	for {
		select {
		case <-done:
			return
		case r := <-ch:
			group = append(group[:0], r)
		}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-ch:
				group = append(group, r)
			default:
				break more
			}
		}
		run(group)
		clear(group)
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

// Group claims. A claim is an UPDATE and a commit too, one per job, and the
// workers of a busy queue claim at once: Dequeues that arrive while one is
// in flight claim together, in one statement (dequeueGroup) that takes the
// oldest waiting jobs, then jobs whose lease ended, one for each, in the
// order the Dequeues came. A Dequeue that gets none waits as if it had
// found the queue empty (it was, but for rows the others locked).
//
// A caller whose context ends while its claim is in flight gives up its
// place: the grouper then releases the job it claimed for it, so that the
// job does not wait for its lease to end (Release lets any worker take it
// over at once).

// claim states.
const (
	claimWaiting int32 = iota
	claimDelivered
	claimAbandoned
)

// groupClaim is one Dequeue waiting for a grouped claim.
type groupClaim struct {
	worker     string
	now, until time.Time
	state      atomic.Int32
	job        *asyncjob.Job
	err        error // pgx.ErrNoRows: nothing to claim
	done       chan struct{}
}

// claimGrouped claims a job for worker, alone or together with concurrent
// Dequeues; pgx.ErrNoRows when there is none.
func (s *Store) claimGrouped(ctx context.Context, worker string, now, until time.Time) (*asyncjob.Job, error) {
	r := &groupClaim{worker: worker, now: now, until: until, done: make(chan struct{})}
	select {
	case s.claims <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.ctx.Done():
		return s.claimOne(ctx, worker, now, until)
	}
	select {
	case <-r.done:
		return r.job, r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(claimWaiting, claimAbandoned) {
			return nil, ctx.Err()
		}
		<-r.done // delivered meanwhile: the job is this caller's
		return r.job, r.err
	}
}

func (s *Store) claimOne(ctx context.Context, worker string, now, until time.Time) (*asyncjob.Job, error) {
	var ignored string
	return s.scanJob(s.pool.QueryRow(ctx, s.q.dequeue, worker, now, until, s.channel), &ignored)
}

// claimer runs the grouped claims until Close.
func (s *Store) claimer() {
	defer s.wg.Done()
	gather(s.ctx.Done(), s.claims, s.runClaims)
}

// runClaims claims for the Dequeues of group and completes each.
func (s *Store) runClaims(group []*groupClaim) {
	ctx, cancel := context.WithTimeout(s.ctx, s.maxRW+s.poll)
	defer cancel()
	if len(group) == 1 {
		r := group[0]
		r.job, r.err = s.claimOne(ctx, r.worker, r.now, r.until)
	} else {
		s.claimMany(ctx, group)
	}
	for _, r := range group {
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
}

// claimMany runs dequeueGroup for group; after a failed statement it claims
// for each Dequeue alone.
func (s *Store) claimMany(ctx context.Context, group []*groupClaim) {
	owners := make([]string, len(group))
	until := make([]time.Time, len(group))
	now := group[0].now
	for i, r := range group {
		owners[i], until[i] = r.worker, r.until
		r.err = pgx.ErrNoRows
		if r.now.After(now) {
			now = r.now
		}
	}
	rows, err := s.pool.Query(ctx, s.q.dequeueGroup, owners, until, now)
	if err == nil {
		for rows.Next() {
			var ord int64
			j, serr := s.scanJob(rows, &ord)
			if serr != nil {
				err = serr
				break
			}
			if ord >= 1 && int(ord) <= len(group) {
				group[ord-1].job, group[ord-1].err = j, nil
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		// The statement's transaction rolled back: nobody holds a job. Claim
		// one by one, as without grouping.
		s.log.Warn("pgstore: grouped claim failed; claiming one by one", "err", err)
		for _, r := range group {
			r.job, r.err = s.claimOne(ctx, r.worker, r.now, r.until)
		}
	}
}
