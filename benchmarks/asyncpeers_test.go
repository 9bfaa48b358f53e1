package benchmarks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/internal/testenv"
)

// The asyncjob-against-asynq-and-River measurement (issue 16) runs only
// with -asyncpeers (./run.sh async): it takes a minute or more, and CI's
// `go test ./...` must stay short. TestAsyncPeersAgree, the check that
// every system ran every job exactly once, runs always (on a few jobs).
var (
	asyncPeers     = flag.Bool("asyncpeers", false, "run TestAsyncPeers, the asyncjob against asynq and River measurement")
	asyncRounds    = flag.Int("async.rounds", 3, "TestAsyncPeers: interleaved rounds; the table gives medians")
	asyncRedisJobs = flag.Int("async.redisjobs", 2000, "TestAsyncPeers: jobs per Redis row")
	asyncPGJobs    = flag.Int("async.pgjobs", 500, "TestAsyncPeers: jobs per PostgreSQL row")
	asyncPrivate   = flag.Bool("async.privateredis", false, "TestAsyncPeers: run the Redis rows on a redis-server of its own (on a unix socket), so that INFO commandstats counts only their commands")
	asyncOnly      = flag.String("async.only", "", "TestAsyncPeers: only the systems whose name matches this regexp (for a profile)")
)

const (
	asyncRedisAddr = "127.0.0.1:6379"
	asyncPGURL     = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	// asyncWorkers is every system's concurrency: asyncjob's Workers,
	// asynq's Concurrency, River's MaxWorkers.
	asyncWorkers = 8
	// asyncBatch is the size of River's InsertMany batches and of
	// asyncjob's SubmitBatch ones.
	asyncBatch = 100
)

// asyncPayload is the one input of the no-op job: its index, so that the
// run can count every job's executions.
type asyncPayload struct {
	I int `json:"i"`
}

func (asyncPayload) Kind() string { return "httpsem_bench_noop" }

// asyncSystem is one job system with its workers started. done(i) is
// called from job i's function; enqueue submits the jobs idx (one call per
// job, or one call per batch when the system batches).
type asyncSystem struct {
	enqueue func(ctx context.Context, idx []int) error
	// roundTrips and commands count what the system's clients sent since
	// the last reset (commands is -1 where not measured).
	roundTrips, commands func() int64
	reset                func()
	// verify checks the system's own record of the jobs after they ran.
	verify func(t testing.TB, n int)
	stop   func()
}

// asyncPeer starts a system; batch is how many jobs one enqueue call takes.
type asyncPeer struct {
	name    string
	backend string // "redis" or "postgres"
	batch   int
	start   func(t testing.TB, e *asyncEnv, done func(int)) *asyncSystem
}

// asyncEnv holds the shared servers' handles of one run.
type asyncEnv struct {
	tag       string // unique: key prefix, queue name, database name
	redisOpts redis.Options
	redis     *redis.Client // the admin client: INFO, cleanup
	pgURL     string
}

func (e *asyncEnv) newRedis() *redis.Client {
	o := e.redisOpts
	return redis.NewClient(&o)
}

// privateRedis starts a redis-server on a unix socket in a temporary
// directory, without persistence, stopped at cleanup.
func privateRedis(t testing.TB) redis.Options {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "no redis-server in PATH: %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	o := redis.Options{Network: "unix", Addr: sock}
	c := redis.NewClient(&o)
	defer c.Close()
	require.Eventually(t, func() bool { return c.Ping(context.Background()).Err() == nil }, 10*time.Second, 10*time.Millisecond)
	return o
}

func asyncTag() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "httpsem_bench_" + hex.EncodeToString(b[:])
}

func redisAnswers() bool {
	c, err := net.DialTimeout("tcp", asyncRedisAddr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// newAsyncEnv connects to the shared Redis and creates a database of its
// own on the shared PostgreSQL; everything is removed at cleanup.
func newAsyncEnv(t testing.TB, private bool) *asyncEnv {
	t.Helper()
	if !private && !redisAnswers() {
		testenv.Missing(t, "no Redis at %s", asyncRedisAddr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, asyncPGURL)
	if err != nil {
		testenv.Missing(t, "no PostgreSQL at %s: %v", asyncPGURL, err)
	}
	defer admin.Close(ctx)
	e := &asyncEnv{tag: asyncTag(), redisOpts: redis.Options{Addr: asyncRedisAddr}}
	if private {
		e.redisOpts = privateRedis(t)
	}
	e.redis = e.newRedis()
	t.Cleanup(func() { _ = e.redis.Close() })
	_, err = admin.Exec(ctx, "CREATE DATABASE "+e.tag)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, asyncPGURL)
		if err != nil {
			t.Logf("drop database %s: %v", e.tag, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+e.tag+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", e.tag, err)
		}
	})
	e.pgURL = strings.Replace(asyncPGURL, "/postgres?", "/"+e.tag+"?", 1)
	return e
}

// delKeys deletes the keys matching pattern (a prefix of this run's own).
func delKeys(t testing.TB, c *redis.Client, pattern string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("scan %s: %v", pattern, err)
	}
	for k := range slices.Chunk(keys, 500) {
		if err := c.Del(ctx, k...).Err(); err != nil {
			t.Logf("del %s: %v", pattern, err)
		}
	}
}

// redisCounter counts what a go-redis client sends: round trips (a
// command or a pipeline) and commands (a pipeline's commands one by one;
// the commands a script runs inside Redis are not seen here, see
// commandStats).
type redisCounter struct{ rt, cmds atomic.Int64 }

func (h *redisCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *redisCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.rt.Add(1)
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (h *redisCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.rt.Add(1)
		h.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

func (h *redisCounter) reset() { h.rt.Store(0); h.cmds.Store(0) }

// commandStats is the number of commands the Redis server executed, from
// INFO commandstats: including those scripts run, and those of any other
// client of the shared server.
func commandStats(ctx context.Context, c *redis.Client) int64 {
	s, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0
	}
	var n int64
	for line := range strings.SplitSeq(s, "\n") {
		_, rest, ok := strings.Cut(line, ":calls=")
		if !ok {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		v, _ := strconv.ParseInt(calls, 10, 64)
		n += v
	}
	return n
}

// serverCPU is the CPU time the Redis server has used, from INFO cpu (of
// every client's work on a shared server).
func serverCPU(ctx context.Context, c *redis.Client) time.Duration {
	s, err := c.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	var sec float64
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
			f, _ := strconv.ParseFloat(v, 64)
			sec += f
		}
	}
	return time.Duration(sec * float64(time.Second))
}

// pgCounter is a pgx tracer counting the statements and batches a pool's
// connections send: each is one round trip. pg_stat_statements is not
// preloaded on the shared server, so this is how round trips are counted
// on both sides (River's pool gets the same tracer).
type pgCounter struct{ n atomic.Int64 }

func (c *pgCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *pgCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *pgCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *pgCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *pgCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
func (c *pgCounter) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *pgCounter) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

func newTracedPool(t testing.TB, url string, tr *pgCounter) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = 16
	cfg.ConnConfig.Tracer = tr
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	return p
}

func noopKind(done func(int)) asyncjob.Kind {
	return func(payload []byte) (asyncjob.Func, error) {
		var p asyncPayload
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, err
		}
		return func(context.Context, asyncjob.Progress) (asyncjob.Result, error) {
			done(p.I)
			return asyncjob.Result{}, nil
		}, nil
	}
}

// startManager runs an asyncjob.Manager on s; verify reads every job back.
// With batch, enqueue submits its jobs with one SubmitBatch, else with one
// Submit each.
func startManager(t testing.TB, s asyncjob.Store, done func(int), batch bool) (*asyncjob.Manager, func(context.Context, []int) error, func(testing.TB, int)) {
	m, err := asyncjob.New(asyncjob.Options{Store: s, Workers: asyncWorkers, QueueSize: -1,
		Kinds: map[string]asyncjob.Kind{"noop": noopKind(done)}})
	require.NoError(t, err)
	var mu sync.Mutex
	ids := map[int]string{}
	spec := func(i int) asyncjob.Spec {
		return asyncjob.Spec{Kind: "noop", Payload: fmt.Appendf(nil, `{"i":%d}`, i)}
	}
	enqueue := func(ctx context.Context, idx []int) error {
		if batch {
			specs := make([]asyncjob.Spec, len(idx))
			for k, i := range idx {
				specs[k] = spec(i)
			}
			jobs, err := m.SubmitBatch(ctx, specs)
			if err != nil {
				return err
			}
			mu.Lock()
			for k, i := range idx {
				ids[i] = jobs[k].ID
			}
			mu.Unlock()
			return nil
		}
		for _, i := range idx {
			j, err := m.Submit(ctx, spec(i))
			if err != nil {
				return err
			}
			mu.Lock()
			ids[i] = j.ID
			mu.Unlock()
		}
		return nil
	}
	verify := func(t testing.TB, n int) {
		require.Len(t, ids, n)
		for i, id := range ids {
			// The function ran; the store records the job completed once
			// the worker's final write lands.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				j, err := s.Get(context.Background(), id)
				if assert.NoError(c, err) {
					assert.Equal(c, asyncjob.StateCompleted, j.State, "job %d", i)
				}
			}, 10*time.Second, 5*time.Millisecond)
		}
	}
	return m, enqueue, verify
}

// redisstorePeer is a Manager on redisstore; batch > 1 submits with
// SubmitBatch.
func redisstorePeer(name string, batch int) asyncPeer {
	return asyncPeer{name: name, backend: "redis", batch: batch,
		start: func(t testing.TB, e *asyncEnv, done func(int)) *asyncSystem {
			c := e.newRedis()
			h := &redisCounter{}
			c.AddHook(h)
			prefix := e.tag + "_redisstore"
			s, err := redisstore.New(c, redisstore.Options{Prefix: prefix})
			require.NoError(t, err)
			m, enqueue, verify := startManager(t, s, done, batch > 1)
			return &asyncSystem{enqueue: enqueue, roundTrips: h.rt.Load, commands: h.cmds.Load, reset: h.reset, verify: verify,
				stop: func() {
					_ = m.Shutdown(context.Background())
					_ = s.Close()
					_ = c.Close()
					// redisstore wraps its prefix in a hash tag: {prefix}:job:...
					delKeys(t, e.redis, "{"+prefix+"}*")
					delKeys(t, e.redis, prefix+"*")
				}}
		}}
}

type asynqHandler func(int)

func (h asynqHandler) ProcessTask(_ context.Context, task *asynq.Task) error {
	var p asyncPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return err
	}
	h(p.I)
	return nil
}

// asynqPeer is asynq on its own queue of the same Redis; checkEvery is its
// TaskCheckInterval (0: its default, 1 s), how long an idle worker sleeps
// before it looks at an empty queue again: asynq has no wake-up on enqueue.
func asynqPeer(name string, checkEvery time.Duration) asyncPeer {
	return asyncPeer{name: name, backend: "redis", batch: 1,
		start: func(t testing.TB, e *asyncEnv, done func(int)) *asyncSystem {
			c := e.newRedis()
			h := &redisCounter{}
			c.AddHook(h)
			queue := e.tag + "_asynq"
			srv := asynq.NewServerFromRedisClient(c, asynq.Config{Concurrency: asyncWorkers, Queues: map[string]int{queue: 1},
				TaskCheckInterval: checkEvery, LogLevel: asynq.ErrorLevel})
			require.NoError(t, srv.Start(asynqHandler(done)))
			cl := asynq.NewClientFromRedisClient(c)
			enqueue := func(ctx context.Context, idx []int) error {
				for _, i := range idx {
					if _, err := cl.EnqueueContext(ctx, asynq.NewTask("noop", fmt.Appendf(nil, `{"i":%d}`, i)), asynq.Queue(queue)); err != nil {
						return err
					}
				}
				return nil
			}
			verify := func(t testing.TB, n int) {
				in := asynq.NewInspectorFromRedisClient(c)
				require.EventuallyWithT(t, func(ct *assert.CollectT) {
					q, err := in.GetQueueInfo(queue)
					if assert.NoError(ct, err) {
						assert.Equal(ct, n, q.Processed, "processed")
						assert.Zero(ct, q.Failed, "failed")
						assert.Zero(ct, q.Pending+q.Active+q.Retry+q.Scheduled, "left")
					}
				}, 10*time.Second, 5*time.Millisecond)
			}
			return &asyncSystem{enqueue: enqueue, roundTrips: h.rt.Load, commands: h.cmds.Load, reset: h.reset, verify: verify,
				stop: func() {
					srv.Shutdown()
					_ = cl.Close()
					_ = c.Close()
					delKeys(t, e.redis, "asynq:{"+queue+"}*")
					_ = e.redis.SRem(context.Background(), "asynq:queues", queue).Err()
				}}
		}}
}

// pgstorePeer is a Manager on pgstore; batch > 1 submits with SubmitBatch
// (one INSERT, one commit per batch, as River's InsertMany).
func pgstorePeer(name string, batch int) asyncPeer {
	return asyncPeer{name: name, backend: "postgres", batch: batch,
		start: func(t testing.TB, e *asyncEnv, done func(int)) *asyncSystem {
			tr := &pgCounter{}
			pool := newTracedPool(t, e.pgURL, tr)
			s, err := pgstore.New(pool, pgstore.Options{})
			require.NoError(t, err)
			require.NoError(t, s.Migrate(context.Background()))
			_, err = pool.Exec(context.Background(), "TRUNCATE "+s.Table())
			require.NoError(t, err)
			m, enqueue, verify := startManager(t, s, done, batch > 1)
			return &asyncSystem{enqueue: enqueue, roundTrips: tr.n.Load, commands: func() int64 { return -1 },
				reset: func() { tr.n.Store(0) }, verify: verify,
				stop: func() {
					_ = m.Shutdown(context.Background())
					_ = s.Close()
					pool.Close()
				}}
		}}
}

type riverWorker struct {
	river.WorkerDefaults[asyncPayload]
	done func(int)
}

func (w *riverWorker) Work(_ context.Context, j *river.Job[asyncPayload]) error {
	w.done(j.Args.I)
	return nil
}

// riverPeer is River with the pgx driver on the same database; fast sets
// FetchCooldown and FetchPollInterval to their 1 ms minimum (the defaults
// are 100 ms and 1 s); batch > 1 inserts with InsertMany.
func riverPeer(name string, fast bool, batch int) asyncPeer {
	return asyncPeer{name: name, backend: "postgres", batch: batch,
		start: func(t testing.TB, e *asyncEnv, done func(int)) *asyncSystem {
			ctx := context.Background()
			tr := &pgCounter{}
			pool := newTracedPool(t, e.pgURL, tr)
			drv := riverpgxv5.New(pool)
			mig, err := rivermigrate.New(drv, nil)
			require.NoError(t, err)
			_, err = mig.Migrate(ctx, rivermigrate.DirectionUp, nil)
			require.NoError(t, err)
			_, err = pool.Exec(ctx, "TRUNCATE river_job")
			require.NoError(t, err)
			workers := river.NewWorkers()
			river.AddWorker(workers, &riverWorker{done: done})
			cfg := &river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: asyncWorkers}},
				Workers: workers, Logger: slog.New(slog.DiscardHandler)}
			if fast {
				cfg.FetchCooldown = river.FetchCooldownMin
				cfg.FetchPollInterval = river.FetchPollIntervalMin
			}
			cl, err := river.NewClient(drv, cfg)
			require.NoError(t, err)
			require.NoError(t, cl.Start(ctx))
			enqueue := func(ctx context.Context, idx []int) error {
				if batch == 1 {
					for _, i := range idx {
						if _, err := cl.Insert(ctx, asyncPayload{I: i}, nil); err != nil {
							return err
						}
					}
					return nil
				}
				ps := make([]river.InsertManyParams, len(idx))
				for k, i := range idx {
					ps[k] = river.InsertManyParams{Args: asyncPayload{I: i}}
				}
				_, err := cl.InsertMany(ctx, ps)
				return err
			}
			verify := func(t testing.TB, n int) {
				// River records completions in batches after the worker returns.
				require.EventuallyWithT(t, func(c *assert.CollectT) {
					var done, all int
					err := pool.QueryRow(context.Background(),
						"SELECT count(*) FILTER (WHERE state = 'completed'), count(*) FROM river_job").Scan(&done, &all)
					if assert.NoError(c, err) {
						assert.Equal(c, n, all, "jobs")
						assert.Equal(c, n, done, "completed")
					}
				}, 10*time.Second, 5*time.Millisecond)
			}
			return &asyncSystem{enqueue: enqueue, roundTrips: tr.n.Load, commands: func() int64 { return -1 },
				reset: func() { tr.n.Store(0) }, verify: verify,
				stop: func() {
					sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					_ = cl.Stop(sctx)
					pool.Close()
				}}
		}}
}

func asyncPeerList() []asyncPeer {
	return []asyncPeer{
		redisstorePeer("redisstore", 1),
		redisstorePeer("redisstore, SubmitBatch 100", asyncBatch),
		asynqPeer("asynq", 0),
		asynqPeer("asynq, 1 ms TaskCheckInterval", time.Millisecond),
		pgstorePeer("pgstore", 1),
		pgstorePeer("pgstore, SubmitBatch 100", asyncBatch),
		riverPeer("River, defaults, Insert", false, 1),
		riverPeer("River, defaults, InsertMany 100", false, asyncBatch),
		riverPeer("River, 1 ms fetch, Insert", true, 1),
		riverPeer("River, 1 ms fetch, InsertMany 100", true, asyncBatch),
	}
}

// asyncResult is one row of one round.
type asyncResult struct {
	jobsPerSec       float64
	p50, p99         time.Duration // per enqueue call (a whole batch for InsertMany)
	rtPerJob         float64
	cmdsPerJob       float64 // client-side commands; -1 when not measured
	serverCmdsPerJob float64 // INFO commandstats delta; -1 when not measured
	serverCPUPerJob  float64 // µs of Redis CPU (INFO cpu delta); -1 when not measured
	counts           []int32 // executions of each job
	elapsed          time.Duration
}

// runAsync submits n jobs from producers goroutines to a freshly started
// system and waits until every job's function has run: submit → complete
// is from the first submission to the last job's run.
func runAsync(t testing.TB, e *asyncEnv, p asyncPeer, n, producers int, verify bool) asyncResult {
	t.Helper()
	counts := make([]atomic.Int32, n)
	var left atomic.Int64
	left.Store(int64(n))
	allDone := make(chan struct{})
	done := func(i int) {
		if i < 0 || i >= n {
			return
		}
		counts[i].Add(1)
		if left.Add(-1) == 0 {
			close(allDone)
		}
	}
	t00 := time.Now()
	sys := p.start(t, e, done)
	stopped := false
	defer func() {
		if !stopped {
			sys.stop()
		}
	}()
	ctx := context.Background()
	sys.reset()
	var before int64
	var cpuBefore time.Duration
	if p.backend == "redis" {
		before = commandStats(ctx, e.redis)
		cpuBefore = serverCPU(ctx, e.redis)
	}
	lat := make([][]time.Duration, producers)
	errs := make([]error, producers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range producers {
		wg.Go(func() {
			var mine []int
			for i := w; i < n; i += producers {
				mine = append(mine, i)
			}
			for chunk := range slices.Chunk(mine, p.batch) {
				t0 := time.Now()
				if err := sys.enqueue(ctx, chunk); err != nil {
					errs[w] = err
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...), p.name)
	select {
	case <-allDone:
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: %d of %d jobs did not run within 2 minutes", p.name, left.Load(), n)
	}
	elapsed := time.Since(start)
	r := asyncResult{jobsPerSec: float64(n) / elapsed.Seconds(), elapsed: elapsed,
		rtPerJob: float64(sys.roundTrips()) / float64(n), cmdsPerJob: -1, serverCmdsPerJob: -1, serverCPUPerJob: -1}
	if c := sys.commands(); c >= 0 {
		r.cmdsPerJob = float64(c) / float64(n)
	}
	if p.backend == "redis" {
		// -1: the INFO call itself.
		r.serverCmdsPerJob = float64(commandStats(ctx, e.redis)-before-1) / float64(n)
		r.serverCPUPerJob = float64(serverCPU(ctx, e.redis)-cpuBefore) / float64(time.Microsecond) / float64(n)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	t1 := time.Now()
	if verify {
		sys.verify(t, n)
	}
	t2 := time.Now()
	stopped = true
	sys.stop()
	t.Logf("%s: start %v, run %v, verify %v, stop %v", p.name, start.Sub(t00), elapsed, t2.Sub(t1), time.Since(t2))
	r.counts = make([]int32, n)
	for i := range counts {
		r.counts[i] = counts[i].Load()
	}
	return r
}

// TestAsyncPeersAgree checks that every system ran every job exactly once
// and recorded it completed, with 1 and with 8 producers: the throughput
// rows are only worth reading if they are.
func TestAsyncPeersAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts every job system")
	}
	e := newAsyncEnv(t, false)
	for _, p := range asyncPeerList() {
		for _, producers := range []int{1, 8} {
			t.Run(fmt.Sprintf("%s/producers=%d", p.name, producers), func(t *testing.T) {
				const n = 100 // one River batch
				r := runAsync(t, e, p, n, producers, true)
				for i, c := range r.counts {
					assert.EqualValues(t, 1, c, "job %d ran %d times", i, c)
				}
			})
		}
	}
}

// TestAsyncPeers is the measurement of benchmarks/README.md's "asyncjob
// against asynq and River": every row with 1 and 8 producers, rounds times
// in an order that reverses every round, then the medians as a Markdown
// table on stdout (and each run with -v).
func TestAsyncPeers(t *testing.T) {
	if !*asyncPeers {
		t.Skip("the measurement runs with -asyncpeers (./run.sh async)")
	}
	only, err := regexp.Compile(*asyncOnly)
	require.NoError(t, err, "-async.only")
	e := newAsyncEnv(t, *asyncPrivate)
	peers := slices.DeleteFunc(asyncPeerList(), func(p asyncPeer) bool { return !only.MatchString(p.name) })
	type key struct {
		peer      string
		producers int
	}
	res := map[key][]asyncResult{}
	for round := range *asyncRounds {
		order := slices.Clone(peers)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, p := range order {
			for _, producers := range []int{1, 8} {
				n := *asyncRedisJobs
				if p.backend == "postgres" {
					n = *asyncPGJobs
				}
				r := runAsync(t, e, p, n, producers, false)
				for i, c := range r.counts {
					if c != 1 {
						t.Errorf("%s: job %d ran %d times", p.name, i, c)
					}
				}
				t.Logf("round %d %-36s producers=%d %5d jobs %8.0f jobs/s p50 %v p99 %v %.2f rt/job %.2f cmds/job %.2f server cmds/job %.1f server CPU µs/job",
					round+1, p.name, producers, n, r.jobsPerSec, r.p50, r.p99, r.rtPerJob, r.cmdsPerJob, r.serverCmdsPerJob, r.serverCPUPerJob)
				k := key{p.name, producers}
				res[k] = append(res[k], r)
			}
		}
	}
	median := func(rs []asyncResult, f func(asyncResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return medianOf(v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nmedians of %d rounds; %d Redis jobs, %d PostgreSQL jobs per row; %d workers\n\n", *asyncRounds, *asyncRedisJobs, *asyncPGJobs, asyncWorkers)
	b.WriteString("| system | producers | jobs/s | enqueue p50 | enqueue p99 | round trips/job | client cmds/job | server cmds/job | Redis CPU µs/job |\n|---|---|---|---|---|---|---|---|---|\n")
	opt := func(v float64) string {
		if v < 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f", v)
	}
	for _, p := range peers {
		for _, producers := range []int{1, 8} {
			rs := res[key{p.name, producers}]
			fmt.Fprintf(&b, "| %s | %d | %.0f | %v | %v | %.1f | %s | %s | %s |\n", p.name, producers,
				median(rs, func(r asyncResult) float64 { return r.jobsPerSec }),
				time.Duration(median(rs, func(r asyncResult) float64 { return float64(r.p50) })).Round(time.Microsecond),
				time.Duration(median(rs, func(r asyncResult) float64 { return float64(r.p99) })).Round(time.Microsecond),
				median(rs, func(r asyncResult) float64 { return r.rtPerJob }),
				opt(median(rs, func(r asyncResult) float64 { return r.cmdsPerJob })),
				opt(median(rs, func(r asyncResult) float64 { return r.serverCmdsPerJob })),
				opt(median(rs, func(r asyncResult) float64 { return r.serverCPUPerJob })))
		}
	}
	writeRoundRatios(&b, func(name string, producers int) []float64 {
		var v []float64
		for _, r := range res[key{name, producers}] {
			v = append(v, r.jobsPerSec)
		}
		return v
	})
	fmt.Fprint(os.Stdout, b.String())
}
