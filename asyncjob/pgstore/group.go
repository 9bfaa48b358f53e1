package pgstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

// maxGroup bounds the updates sent in one batch.
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
	group := make([]*groupUpdate, 0, maxGroup)
	for {
		select {
		case <-s.ctx.Done():
			return
		case r := <-s.updates:
			group = append(group[:0], r)
		}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-s.updates:
				group = append(group, r)
			default:
				break gather
			}
		}
		s.runGroup(group)
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
