package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// ErrUnavailable wraps every failure to reach PostgreSQL or run a statement
// on it (connection refused, a restart in progress, a broken connection).
// The asyncjob HTTP layer answers such errors with 503 Service Unavailable
// and Retry-After; the store recovers by itself when the database is back,
// because the pool opens new connections.
var ErrUnavailable = errors.New("pgstore: database unavailable")

// ErrClosed is returned by Dequeue and Watch after [Store.Close].
var ErrClosed = errors.New("pgstore: store closed")

// Store is an [asyncjob.Store] on PostgreSQL: several service instances
// that use one Store configuration (one Options.Schema) on one database
// share their jobs. Create it with [New], create its table with
// [Store.Migrate] (or the SQL in [Schema]) and stop it with [Store.Close].
// It is safe for concurrent use.
type Store struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	log   *slog.Logger
	poll  time.Duration
	wint  time.Duration
	sint  time.Duration
	batch int
	hint  time.Duration
	maxRW time.Duration

	schema  string // Options.Schema as given
	channel string // LISTEN/NOTIFY channel
	q       queries

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	hub    *feed.Hub[*asyncjob.Job] // watchers and the work token
	wakes  *wakes                   // when the claimer looks (wake.go)

	mu     sync.Mutex
	closed bool

	nmu      sync.Mutex
	notes    []string            // notifications to send, deduplicated
	noteSet  map[string]struct{} // the members of notes
	noteWake chan struct{}       // capacity 1: notes is not empty
	notePID  atomic.Uint32       // the notifier's backend, whose "w" the listener ignores

	updates chan *groupUpdate // to the grouper (group.go)
	claims  chan *groupClaim  // to the claimer (group.go)
	offers  chan *claimOffer  // from the claimer to the grouper (group.go)
	gate    atomic.Int32      // whether the grouper takes an offer (group.go)
}

// New returns a Store on pool and starts its listener (the connection that
// receives the change feed), its notifier (the connection that sends the
// notifications of the store's committed changes; both outside the pool)
// and its sweeper. The
// pool stays the caller's: Close does not close it, and it must stay open
// until Close returns. New does not contact the database, so it succeeds
// while PostgreSQL is down; the listener connects when it answers. New
// does not create the table either: call [Store.Migrate] once (any
// instance, any number of times) or apply [Schema] with a migration tool.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	if opts.Schema == "" {
		opts.Schema = DefaultSchema
	}
	if len(opts.Schema) > maxSchemaLen || strings.ContainsRune(opts.Schema, 0) {
		return nil, fmt.Errorf("pgstore: Options.Schema: %q is longer than %d bytes or contains NUL", opts.Schema, maxSchemaLen)
	}
	if err := durOption("PollInterval", &opts.PollInterval, DefaultPollInterval, false); err != nil {
		return nil, err
	}
	if err := durOption("WatchInterval", &opts.WatchInterval, DefaultWatchInterval, false); err != nil {
		return nil, err
	}
	if err := durOption("SweepInterval", &opts.SweepInterval, DefaultSweepInterval, true); err != nil {
		return nil, err
	}
	if err := durOption("HealthInterval", &opts.HealthInterval, DefaultHealthInterval, false); err != nil {
		return nil, err
	}
	if err := durOption("MaxReconnectWait", &opts.MaxReconnectWait, DefaultMaxReconnectWait, false); err != nil {
		return nil, err
	}
	switch {
	case opts.SweepBatch == 0:
		opts.SweepBatch = DefaultSweepBatch
	case opts.SweepBatch < 0:
		return nil, fmt.Errorf("pgstore: Options.SweepBatch: %d is negative; sweeps must be bounded", opts.SweepBatch)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		pool:     pool,
		now:      opts.Now,
		log:      log,
		poll:     opts.PollInterval,
		wint:     opts.WatchInterval,
		sint:     opts.SweepInterval,
		batch:    opts.SweepBatch,
		hint:     opts.HealthInterval,
		maxRW:    opts.MaxReconnectWait,
		schema:   opts.Schema,
		channel:  opts.Schema + ".jobs",
		q:        newQueries(pgx.Identifier{opts.Schema, "jobs"}.Sanitize()),
		noteSet:  make(map[string]struct{}),
		noteWake: make(chan struct{}, 1),
		updates:  make(chan *groupUpdate),
		claims:   make(chan *groupClaim),
		offers:   make(chan *claimOffer),
		wakes:    newWakes(),
	}
	s.hub = feed.New(feed.Options[*asyncjob.Job]{Read: s.read, Gone: asyncjob.ErrNotFound, Closed: ErrClosed, Interval: s.wint})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(4)
	go s.listen()
	go s.notifier()
	go s.grouper()
	go s.claimer()
	if s.sint > 0 {
		s.wg.Add(1)
		go s.sweeper()
	}
	return s, nil
}

// durOption applies the project-wide rule to a duration option: zero means
// def; negative is "off" where off is allowed, else an error.
func durOption(name string, d *time.Duration, def time.Duration, offAllowed bool) error {
	switch {
	case *d == 0:
		*d = def
	case *d < 0 && !offAllowed:
		return fmt.Errorf("pgstore: Options.%s: %v is negative", name, *d)
	}
	return nil
}

// Close stops the listener, the notifier (pending notifications are
// dropped: workers and watchers elsewhere poll) and the sweeper, ends
// every Watch channel and
// makes blocked Dequeue calls return [ErrClosed]; it waits for the store's
// goroutines. The other methods keep working as long as the pool is open.
// Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.hub.Close() // ends the watches and waits for their goroutines
	s.wg.Wait()
	return nil
}

// Pool returns the store's pool, for the caller's own statements (the
// transaction of [WithTx], ad-hoc queries on the table).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Table returns the quoted, schema-qualified name of the store's table.
func (s *Store) Table() string { return pgx.Identifier{s.schema, "jobs"}.Sanitize() }

// Channel returns the LISTEN/NOTIFY channel of the store's change feed.
func (s *Store) Channel() string { return s.channel }

// fail wraps a database error. A context error stays what it is, so
// callers can tell their own deadline from an outage.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("pgstore: %s: %w", op, ctxErr)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// querier is what the store runs statements on: the pool, or the caller's
// transaction (see [WithTx]).
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// db returns the caller's transaction when ctx carries one, else the pool.
func (s *Store) db(ctx context.Context) (querier, bool) {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok && tx != nil {
		return tx, true
	}
	return s.pool, false
}

// Create implements [asyncjob.Store]. Claiming the idempotency key,
// checking the queue bound and storing the job are one INSERT … ON
// CONFLICT DO NOTHING: racing submissions on any number of instances
// insert one row, because the unique index on (owner, idem_key) admits one
// and makes the others wait for its transaction to end. When ctx carries a
// transaction ([WithTx]), the job and its claim are part of it.
//
// The queue bound (maxQueued) counts waiting jobs in the same statement,
// without a lock: submissions racing at the bound may overshoot it by at
// most their number, which keeps Create from serialising every submitter
// on one lock. The count stops at maxQueued, so it costs at most that many
// index entries.
func (s *Store) Create(ctx context.Context, j *asyncjob.Job, maxQueued int) (*asyncjob.Job, error) {
	db, inTx := s.db(ctx)
	return s.create(ctx, db, inTx, j, maxQueued)
}

// CreateTx is Create inside tx: the job, and the idempotency key it
// claims, exist only if tx commits, and workers are notified at commit.
// While tx is open, a racing submission with the same key waits for it.
func (s *Store) CreateTx(ctx context.Context, tx pgx.Tx, j *asyncjob.Job, maxQueued int) (*asyncjob.Job, error) {
	if tx == nil {
		return nil, errors.New("pgstore: CreateTx: nil transaction")
	}
	return s.create(ctx, tx, true, j, maxQueued)
}

// maxCreateTries bounds the retries of Create when the holder of a key
// disappears (expired, swept) between the INSERT and the look-up.
const maxCreateTries = 4

func (s *Store) create(ctx context.Context, db querier, inTx bool, j *asyncjob.Job, maxQueued int) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if j.ID == "" || j.State != asyncjob.StateAccepted {
		return nil, fmt.Errorf("pgstore: create needs an ID and state accepted: %w", asyncjob.ErrConflict)
	}
	data, err := encodeData(j)
	if err != nil {
		return nil, fmt.Errorf("pgstore: encode job: %w", err)
	}
	var key *string
	if j.IdempotencyKey != "" {
		key = &j.IdempotencyKey
	}
	maxQueued = max(maxQueued, 0)
	for range maxCreateTries {
		now := s.now()
		var seq int64
		var ignored string
		insert := s.q.insert
		if inTx {
			insert = s.q.insertTx
		}
		err := db.QueryRow(ctx, insert, j.ID, j.Kind, j.Owner, key, j.Fingerprint, payloadArg(j.Payload),
			j.CreatedAt, j.Attempt, ts(j.StartedAt), ts(j.ExpiresAt), data, maxQueued, s.channel).Scan(&seq, &ignored)
		if err == nil {
			if !inTx {
				s.wakes.announce(1)
				s.notify("w")
			}
			c := *j
			c.Version, c.LeaseOwner, c.LeaseUntil = 1, "", time.Time{}
			j.Version = 1
			return &c, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, s.fail(ctx, "create", err)
		}
		// Nothing inserted: a live holder of the key (reported first), an
		// expired one (deleted here, then retry), an existing ID, or a
		// full queue.
		if key != nil {
			held, err := s.scanJob(db.QueryRow(ctx, s.q.holder, j.Owner, *key))
			switch {
			case err == nil && live(held, now):
				return held, asyncjob.ErrDuplicate
			case err == nil:
				if _, err := db.Exec(ctx, s.q.deleteExpired, held.ID, now); err != nil {
					return nil, s.fail(ctx, "create", err)
				}
				continue
			case !errors.Is(err, pgx.ErrNoRows):
				return nil, s.fail(ctx, "create", err)
			}
		}
		var exists, full bool
		if err := db.QueryRow(ctx, s.q.whyNot, j.ID, maxQueued).Scan(&exists, &full); err != nil {
			return nil, s.fail(ctx, "create", err)
		}
		switch {
		case exists:
			return nil, fmt.Errorf("pgstore: job %s exists: %w", j.ID, asyncjob.ErrConflict)
		case full:
			return nil, asyncjob.ErrQueueFull
		}
		// The holder went away between the two statements: try again.
	}
	return nil, fmt.Errorf("pgstore: create: key holder kept changing: %w", asyncjob.ErrConflict)
}

func live(j *asyncjob.Job, now time.Time) bool {
	return j.ExpiresAt.IsZero() || now.Before(j.ExpiresAt)
}

// Get implements [asyncjob.Store] with one SELECT by primary key. Under a
// context that carries a transaction ([WithTx]) it reads in it.
func (s *Store) Get(ctx context.Context, id string) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	db, _ := s.db(ctx)
	return s.get(ctx, db, id)
}

func (s *Store) get(ctx context.Context, db querier, id string) (*asyncjob.Job, error) {
	j, err := s.scanJob(db.QueryRow(ctx, s.q.get, id, s.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, asyncjob.ErrNotFound
	}
	if err != nil {
		return nil, s.fail(ctx, "get", err)
	}
	return j, nil
}

// Update implements [asyncjob.Store] as one compare-and-set UPDATE that
// checks the Version and, through the set of states from which
// [asyncjob.CanTransition] allows j.State, the transition.
func (s *Store) Update(ctx context.Context, j *asyncjob.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	args, err := s.updateArgs(j, now)
	if err != nil {
		return err
	}
	db, inTx := s.db(ctx)
	update := s.q.update
	if inTx {
		update = s.q.updateTx
	}
	var version int64
	if inTx {
		var ignored string
		err = db.QueryRow(ctx, update, args...).Scan(&version, &ignored)
	} else {
		version, err = s.updateGrouped(ctx, j.ID, args)
	}
	if err == nil {
		j.Version = uint64(version)
		if !inTx {
			s.notifyVersion(j.ID, j.Version)
		}
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return s.fail(ctx, "update", err)
	}
	var exists bool
	if err := db.QueryRow(ctx, s.q.exists, j.ID, now).Scan(&exists); err != nil {
		return s.fail(ctx, "update", err)
	}
	if !exists {
		return asyncjob.ErrNotFound
	}
	return asyncjob.ErrConflict
}

// updateArgs are the arguments of the update statement that stores j at now.
func (s *Store) updateArgs(j *asyncjob.Job, now time.Time) ([]any, error) {
	from := fromStates[j.State]
	if from == nil {
		return nil, fmt.Errorf("pgstore: invalid state %q: %w", j.State, asyncjob.ErrConflict)
	}
	data, err := encodeData(j)
	if err != nil {
		return nil, fmt.Errorf("pgstore: encode job: %w", err)
	}
	del, err := encodeDelivery(j.Delivery)
	if err != nil {
		return nil, fmt.Errorf("pgstore: encode delivery: %w", err)
	}
	return []any{j.ID, int64(j.Version), string(j.State), j.Attempt, ts(j.StartedAt), ts(j.ExpiresAt),
		data, j.State.Terminal(), from, now, s.channel, del.id, del.state, del.due, del.data}, nil
}

// fromStates maps each state to the states a job may move to it from,
// derived once from asyncjob.CanTransition, the one home of that rule.
var fromStates = func() map[asyncjob.State][]string {
	all := []asyncjob.State{asyncjob.StateAccepted, asyncjob.StateProcessing, asyncjob.StateCompleted, asyncjob.StateFailed, asyncjob.StateCanceled}
	m := make(map[asyncjob.State][]string, len(all))
	for _, to := range all {
		for _, from := range all {
			if asyncjob.CanTransition(from, to) {
				m[to] = append(m[to], string(from))
			}
		}
	}
	return m
}()

// Renew implements [asyncjob.Store].
func (s *Store) Renew(ctx context.Context, id, worker string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	tag, err := s.pool.Exec(ctx, s.q.renew, id, worker, now, now.Add(lease))
	if err != nil {
		return s.fail(ctx, "renew", err)
	}
	return s.leaseResult(ctx, "renew", tag, id, now)
}

// Release implements [asyncjob.Store]: the lease ends now, and workers on
// every instance are woken to take the job over.
func (s *Store) Release(ctx context.Context, id, worker string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	tag, err := s.pool.Exec(ctx, s.q.release, id, worker, now, s.channel)
	if err != nil {
		return s.fail(ctx, "release", err)
	}
	if tag.RowsAffected() == 1 {
		s.wakes.announce(1)
		s.notify("w")
	}
	return s.leaseResult(ctx, "release", tag, id, now)
}

// leaseResult tells a held lease from a lost one and a missing job.
func (s *Store) leaseResult(ctx context.Context, op string, tag pgconn.CommandTag, id string, now time.Time) error {
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, s.q.exists, id, now).Scan(&exists); err != nil {
		return s.fail(ctx, op, err)
	}
	if !exists {
		return asyncjob.ErrNotFound
	}
	return asyncjob.ErrLeaseLost
}

var _ asyncjob.Store = (*Store)(nil)
