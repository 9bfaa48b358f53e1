package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/internal/feed"
)

// ErrUnavailable wraps every failure to reach Redis or run a command on it
// (connection refused, timeouts, LOADING after a restart, READONLY during a
// failover). The asyncjob HTTP layer answers such errors with 503 Service
// Unavailable and Retry-After; the store recovers by itself when Redis is
// back, because the client reconnects.
var ErrUnavailable = errors.New("redisstore: redis unavailable")

// ErrClosed is returned by Dequeue and Watch after [Store.Close].
var ErrClosed = errors.New("redisstore: store closed")

// ErrPrefix is returned by [New] for a prefix that would break the hash tag.
var ErrPrefix = errors.New("redisstore: Options.Prefix must not contain '{' or '}'")

// Store is an [asyncjob.Store] on Redis: several service instances that use
// one Store configuration on one Redis share their jobs. Create it with
// [New] and stop it with [Store.Close]. It is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	now  func() time.Time
	log  *slog.Logger
	poll time.Duration
	wint time.Duration
	hint time.Duration
	sc   scripts

	// Key names; the "{prefix}" hash tag puts all of them in one slot.
	// update.lua derives the job ID, queue, outbox and channel from the
	// job key and the running set's name: these are base + their suffix.
	jobPrefix string // + job ID: the job hash
	keyPrefix string // + scoped idempotency key
	queue     string // sorted set of waiting job IDs, by submission order
	seq       string // submission counter
	running   string // sorted set of processing job IDs, by lease end
	outbox    string // sorted set of job IDs with a pending delivery, by due time
	channel   string // Pub/Sub channel of the change feed and wake-ups

	// jobPrefix, channel and the fixed keys as script arguments, boxed
	// once: a string passed as an interface is otherwise an allocation on
	// every call.
	argPrefix, argChannel, argQueue, argSeq, argRunning any

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	hub    *feed.Hub[*asyncjob.Job] // watchers and the work token

	mu     sync.Mutex
	ps     *redis.PubSub
	closed bool

	wk       *wakes        // when an idle Dequeue looks again
	leaseEnd atomic.Int64  // earliest lease end the scripts last reported, Unix ns; 0: none
	calls    atomic.Uint64 // the last Create or CreateBatch call's token (see token)
}

// New returns a Store on client and starts its change-feed subscriber. The
// client stays the caller's: Close does not close it, and it must stay open
// until Close returns. New does not contact Redis synchronously, so it
// succeeds while Redis is down; the subscriber connects when Redis answers.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, ErrPrefix
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// asyncjob's Options rule: zero is the default; "none" would stop a
	// store from noticing lost notifications or a dead connection, so a
	// negative interval is rejected.
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"PollInterval", &opts.PollInterval, DefaultPollInterval}, {"WatchInterval", &opts.WatchInterval, DefaultWatchInterval}, {"HealthInterval", &opts.HealthInterval, DefaultHealthInterval}} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			return nil, fmt.Errorf("redisstore: Options.%s: must not be negative", d.name)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := "{" + opts.Prefix + "}:"
	s := &Store{
		rdb:       client,
		now:       opts.Now,
		log:       log,
		poll:      opts.PollInterval,
		wint:      opts.WatchInterval,
		hint:      opts.HealthInterval,
		sc:        newScripts(),
		wk:        newWakes(),
		jobPrefix: base + "job:",
		keyPrefix: base + "key:",
		queue:     base + "queue",
		seq:       base + "seq",
		running:   base + "running",
		outbox:    base + "outbox",
		channel:   base + "feed",
	}
	s.argPrefix, s.argChannel = s.jobPrefix, s.channel
	s.argQueue, s.argSeq, s.argRunning = s.queue, s.seq, s.running
	s.calls.Store(rand.Uint64())
	s.hub = feed.New(feed.Options[*asyncjob.Job]{Read: s.read, Gone: asyncjob.ErrNotFound, Closed: ErrClosed, Interval: s.wint})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.feed()
	return s, nil
}

// Close stops the change-feed subscriber, ends every Watch channel and
// makes blocked Dequeue calls return [ErrClosed]; it waits for the store's
// goroutines. The other methods keep working as long as the client is
// open. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ps := s.ps
	s.ps = nil
	s.mu.Unlock()
	s.cancel()
	if ps != nil {
		_ = ps.Close() // unblocks the subscriber's read
	}
	s.hub.Close() // ends the watches and waits for their goroutines
	s.wg.Wait()
	return nil
}

func (s *Store) jobKey(id string) string { return s.jobPrefix + id }

// token returns a value unique to one Create or CreateBatch call, which the
// script stores with the record (field cn). The client may run a script
// again after a reply it lost (go-redis retries a command after a read
// timeout or a connection reset, up to Options.MaxRetries), and the second
// run would find the first run's record under the job's ID and report it
// taken: the caller would see a failure for a job that was stored and
// runs, and a client told so submits it again. A run that finds the
// record holding its own call's token answers as the first run did.
//
// A counter from a random start: unique among this store's calls, and
// between stores (other instances) with the odds of two random 64-bit
// starts within as many calls of each other. The ID of the job already
// tells the calls of different jobs apart.
func (s *Store) token() string { return strconv.FormatUint(s.calls.Add(1), 36) }

// idemKey scopes an idempotency key to its owner. The owner's length comes
// first, so no owner/key pair can spell another's key.
func (s *Store) idemKey(owner, key string) string {
	return s.keyPrefix + strconv.Itoa(len(owner)) + ":" + owner + ":" + key
}

// fail wraps a Redis error. A context error stays what it is, so callers
// can tell their own deadline from an outage.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("redisstore: %s: %w", op, ctxErr)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// expiry returns the record's expiry and its TTL in milliseconds (at least
// 1), or two empty strings.
func (s *Store) expiry(j *asyncjob.Job, now time.Time) (string, string) {
	if j.ExpiresAt.IsZero() {
		return "", ""
	}
	ttl := j.ExpiresAt.Sub(now).Milliseconds() + 1
	return nanos(j.ExpiresAt), strconv.FormatInt(max(ttl, 1), 10)
}

// Create implements [asyncjob.Store]. Claiming the idempotency key, storing
// the record and queuing the job are one Lua script: racing submissions on
// any number of instances yield one job.
func (s *Store) Create(ctx context.Context, j *asyncjob.Job, maxQueued int) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if j.ID == "" || j.State != asyncjob.StateAccepted {
		return nil, fmt.Errorf("redisstore: create needs an ID and state accepted: %w", asyncjob.ErrConflict)
	}
	imm, err := encodeImmutable(j)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encode job: %w", err)
	}
	mut, payload, attempt, started, err := mutableValues(j)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encode job: %w", err)
	}
	now := s.now()
	exp, ttl := s.expiry(j, now)
	keyed := j.IdempotencyKey != ""
	// With a waiting worker of this store free for the job, the script
	// claims the job for that worker and publishes nothing (see wakes): a
	// message would cost Redis a write to every subscriber and every
	// instance a wake-up on the submitter's critical path, and the worker's
	// claim a round trip. Jobs that ran before (an attempt, a start time)
	// are only queued, quietly.
	wake := s.argChannel
	wt := s.wk.reserve()
	var until string
	if wt != nil {
		wake = ""
		if attempt == "0" && started == "" {
			until = nanos(now.Add(wt.lease))
			wake = until + " " + wt.worker
		}
	}
	// The script's optional arguments, passed up to the last one that
	// differs from its default (see scripts/create.lua). now goes as an
	// int64: go-redis writes it as the same digits without a string.
	args := [...]any{j.ID, now.UnixNano(), wake, imm, payload, s.token(), max(maxQueued, 0), s.argPrefix, mut, exp, ttl, attempt, started}
	n := len(args)
	for n > 6 && createDefault(n-1, args[n-1], keyed) {
		n--
	}
	cmd := s.sc.create.cmd(5 + n)
	if keyed {
		cmd = append(cmd, "4", s.jobKey(j.ID), s.argQueue, s.argSeq, s.idemKey(j.Owner, j.IdempotencyKey))
	} else {
		cmd = append(cmd, "3", s.jobKey(j.ID), s.argQueue, s.argSeq)
	}
	res, err := s.sc.create.run(ctx, s.rdb, append(cmd, args[:n]...)).Slice()
	if wt != nil {
		s.resolve(wt, j, res, err, &raw{imm: imm, mut: mut, payload: payload, expires: exp, started: nanos(now), leaseTo: until})
	}
	if err != nil {
		return nil, s.fail(ctx, "create", err)
	}
	switch tag, _ := res[0].(string); tag {
	case "ok", "claimed", "again":
		// again: a retry of the script by the client (after a lost reply)
		// found the job its first run stored for this call.
		c := *j
		c.Version, c.LeaseOwner, c.LeaseUntil = 1, "", time.Time{}
		j.Version = 1
		return &c, nil
	case "dup":
		held, err := decode(pairs(res[1:]))
		if err != nil {
			return nil, err
		}
		return held, asyncjob.ErrDuplicate
	case "exists":
		return nil, fmt.Errorf("redisstore: job %s exists: %w", j.ID, asyncjob.ErrConflict)
	case "full":
		return nil, asyncjob.ErrQueueFull
	default:
		return nil, fmt.Errorf("%w: create: unexpected reply %v", ErrUnavailable, res)
	}
}

// resolve answers the waiter wt that Create reserved, from the script's
// reply res (or its error err) for job j: the job claimed for wt, as the
// record f now holds it; else the submission number of the job it queued,
// which wt then looks for. A call that failed may have run the script and
// claimed the job for wt (its reply lost), and so may the first run of a
// call whose retry found the ID taken: the job is released, in case, and
// wt looks again.
func (s *Store) resolve(wt *waiter, j *asyncjob.Job, res []any, err error, f *raw) {
	var seq int64
	unsure := err != nil
	if err == nil && len(res) > 0 {
		switch res[0] {
		case "claimed":
			f.state, f.version, f.attempt, f.leaseBy = string(asyncjob.StateProcessing), "2", "1", wt.worker
			if c, derr := decodeRaw(f); derr == nil {
				s.wk.resolve(wt, c, 0, false)
				return
			}
			unsure = true
		case "ok":
			if len(res) == 2 {
				seq = score(res[1])
			}
		case "exists", "again":
			// again: the first run of this call stored the job and may
			// have claimed it for wt; its claim no longer stands as made.
			unsure = true
		}
	}
	if unsure && f.leaseTo != "" {
		s.release(j.ID, wt.worker)
	}
	s.wk.resolve(wt, nil, seq, unsure)
}

// createDefault reports whether v, create.lua's argument at index i (from
// 0), is what the script assumes when the argument is missing.
func createDefault(i int, v any, keyed bool) bool {
	switch i {
	case 6: // max queued
		return v == 0
	case 7: // prefix, read only for a key
		return !keyed
	case 8: // field m
		return v == emptyMutable
	case 11: // field att
		return v == "0"
	default: // expiry, TTL, field sa
		return v == ""
	}
}

// Get implements [asyncjob.Store] with one HGETALL.
func (s *Store) Get(ctx context.Context, id string) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.rdb.HGetAll(ctx, s.jobKey(id)).Result()
	if err != nil {
		return nil, s.fail(ctx, "get", err)
	}
	return s.live(f)
}

// live decodes a record read whole, or reports it missing or expired.
func (s *Store) live(f map[string]string) (*asyncjob.Job, error) {
	if len(f) == 0 || f[fImm] == "" {
		return nil, asyncjob.ErrNotFound
	}
	j, err := decode(f)
	if err != nil {
		return nil, err
	}
	// Redis's TTL removes the record; the callers' clock decides first, so
	// that an expired job is gone the moment ExpiresAt passes.
	if !j.ExpiresAt.IsZero() && !s.now().Before(j.ExpiresAt) {
		return nil, asyncjob.ErrNotFound
	}
	return j, nil
}

// Update implements [asyncjob.Store] as a compare-and-set script that checks
// the Version and [asyncjob.CanTransition].
func (s *Store) Update(ctx context.Context, j *asyncjob.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !j.State.Valid() {
		return fmt.Errorf("redisstore: invalid state %q: %w", j.State, asyncjob.ErrConflict)
	}
	mut, payload, attempt, started, err := mutableValues(j)
	if err != nil {
		return fmt.Errorf("redisstore: encode job: %w", err)
	}
	now := s.now()
	exp, ttl := s.expiry(j, now)
	// update.lua names the queue, the outbox and the feed channel after
	// the running set: s.running is their base name .. "running". The
	// Version and now go as integers: go-redis writes them as the same
	// digits without a string.
	cmd := s.sc.update.cmd(3 + 13)
	cmd = append(cmd, "2", s.jobKey(j.ID), s.argRunning,
		j.Version, string(j.State), now.UnixNano(), mut, payload, attempt, started, exp, ttl)
	if j.Delivery != nil && j.Delivery.ID != "" {
		del, err := deliveryArgs(j.Delivery)
		if err != nil {
			return fmt.Errorf("redisstore: encode delivery: %w", err)
		}
		cmd = append(cmd, del...)
	} else if exp == "" {
		cmd = cmd[:len(cmd)-2] // no expiry: update.lua's default
	}
	res, err := s.sc.update.run(ctx, s.rdb, cmd).Slice()
	if err != nil {
		return s.fail(ctx, "update", err)
	}
	switch tag, _ := res[0].(string); tag {
	case "ok":
		v, _ := res[1].(int64)
		j.Version = uint64(v)
		return nil
	case "nf":
		return asyncjob.ErrNotFound
	case "conflict":
		return asyncjob.ErrConflict
	default:
		return fmt.Errorf("%w: update: unexpected reply %v", ErrUnavailable, res)
	}
}

// Renew implements [asyncjob.Store].
func (s *Store) Renew(ctx context.Context, id, worker string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	r, err := s.sc.renew.runKeys(ctx, s.rdb, []string{s.jobKey(id), s.running}, id, worker, nanos(now), nanos(now.Add(lease))).Text()
	if err != nil {
		return s.fail(ctx, "renew", err)
	}
	return leaseReply("renew", r)
}

// Release implements [asyncjob.Store].
func (s *Store) Release(ctx context.Context, id, worker string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := s.sc.release.runKeys(ctx, s.rdb, []string{s.jobKey(id), s.running}, id, worker, nanos(s.now()), s.argChannel).Text()
	if err != nil {
		return s.fail(ctx, "release", err)
	}
	return leaseReply("release", r)
}

func leaseReply(op, r string) error {
	switch r {
	case "ok":
		return nil
	case "nf":
		return asyncjob.ErrNotFound
	case "lost":
		return asyncjob.ErrLeaseLost
	}
	return fmt.Errorf("%w: %s: unexpected reply %q", ErrUnavailable, op, r)
}

// ClaimDelivery implements [asyncjob.Store] with one script over the outbox,
// a sorted set scored by each delivery's due time.
func (s *Store) ClaimDelivery(ctx context.Context, worker string, lease time.Duration) (*asyncjob.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	res, err := s.sc.claimDelivery.runKeys(ctx, s.rdb, []string{s.outbox},
		worker, nanos(now), nanos(now.Add(lease)), s.argPrefix).Slice()
	if err != nil {
		return nil, s.fail(ctx, "claim delivery", err)
	}
	switch tag, _ := res[0].(string); tag {
	case "job":
		return decode(pairs(res[1:]))
	case "none":
		return nil, asyncjob.ErrNoDelivery
	default:
		return nil, fmt.Errorf("%w: claim delivery: unexpected reply %v", ErrUnavailable, res)
	}
}

// RecordDelivery implements [asyncjob.Store].
func (s *Store) RecordDelivery(ctx context.Context, id, worker string, d asyncjob.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.ID = "-" // any non-empty ID: the script keeps the stored one
	del, err := deliveryArgs(&d)
	if err != nil {
		return fmt.Errorf("redisstore: encode delivery: %w", err)
	}
	res, err := s.sc.recordDelivery.runKeys(ctx, s.rdb, []string{s.jobKey(id), s.outbox},
		id, worker, nanos(s.now()), s.argChannel, del[1], del[2], del[3]).Slice()
	if err != nil {
		return s.fail(ctx, "record delivery", err)
	}
	switch tag, _ := res[0].(string); tag {
	case "ok":
		return nil
	case "nf":
		return asyncjob.ErrNotFound
	case "lost":
		return asyncjob.ErrLeaseLost
	default:
		return fmt.Errorf("%w: record delivery: unexpected reply %v", ErrUnavailable, res)
	}
}

var _ asyncjob.Store = (*Store)(nil)
