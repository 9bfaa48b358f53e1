package asyncjob_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob"
)

// holdStore holds the first outcome (terminal Update) of the job whose
// payload is hold until release closes or the caller's context ends, as a
// slow store would.
type holdStore struct {
	asyncjob.Store
	hold    string        // the payload of the job whose first outcome is held
	held    chan struct{} // closed when that outcome's Update arrives
	release chan struct{} // lets it through
	once    sync.Once
	// afterRelease is closed at the first Get of hold after release: the
	// Manager reading the record again because its write lost the
	// compare-and-set.
	afterRelease chan struct{}
	reread       sync.Once
	released     atomic.Bool
	// stale counts outcome writes whose result names another attempt
	// than the record they would be stored on.
	stale atomic.Int32
}

func newHoldStore(payload string) *holdStore {
	return &holdStore{Store: asyncjob.NewMemStore(asyncjob.MemStoreOptions{PollInterval: 5 * time.Millisecond}),
		hold: payload, held: make(chan struct{}), release: make(chan struct{}), afterRelease: make(chan struct{})}
}

func (s *holdStore) Update(ctx context.Context, j *asyncjob.Job) error {
	if j.State.Terminal() && j.Result != nil && len(j.Result.Value) > 0 {
		var v struct{ Attempt int }
		if json.Unmarshal(j.Result.Value, &v) == nil && v.Attempt != j.Attempt {
			s.stale.Add(1)
		}
	}
	if j.State.Terminal() && string(j.Payload) == s.hold {
		first := false
		s.once.Do(func() { first = true })
		if first {
			close(s.held)
			select {
			case <-s.release:
				s.released.Store(true)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return s.Store.Update(ctx, j)
}

func (s *holdStore) Get(ctx context.Context, id string) (*asyncjob.Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err == nil && s.released.Load() && string(j.Payload) == s.hold {
		s.reread.Do(func() { close(s.afterRelease) })
	}
	return j, err
}

// quickKind's jobs return at once, after telling ran their payload, with a
// result that names their attempt (counted by runs per payload).
func quickKind(ran chan<- string, gate map[string]chan struct{}) asyncjob.Kind {
	var mu sync.Mutex
	runs := map[string]int{}
	return func(payload []byte) (asyncjob.Func, error) {
		name := string(payload)
		return func(ctx context.Context, _ asyncjob.Progress) (asyncjob.Result, error) {
			mu.Lock()
			runs[name]++
			n := runs[name]
			mu.Unlock()
			ran <- fmt.Sprintf("%s#%d", name, n)
			if g := gate[fmt.Sprintf("%s#%d", name, n)]; g != nil {
				select {
				case <-g:
				case <-ctx.Done():
					return asyncjob.Result{}, ctx.Err()
				}
			}
			return asyncjob.Result{Value: fmt.Appendf(nil, `{"attempt":%d}`, n)}, nil
		}, nil
	}
}

func waitRan(t *testing.T, ran <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ran:
		require.Equal(t, want, got)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not run", want)
	}
}

func waitState(t *testing.T, s asyncjob.Store, id string, want asyncjob.State) *asyncjob.Job {
	t.Helper()
	var got *asyncjob.Job
	require.Eventually(t, func() bool {
		j, err := s.Get(context.Background(), id)
		got = j
		return err == nil && j.State == want
	}, 10*time.Second, time.Millisecond, "job %s to be %s", id, want)
	return got
}

// TestWorkerClaimsWhileTheOutcomeIsPending: the one worker takes its next
// job while its previous job's outcome is still being written, and until
// that write lands nothing reports the outcome: the record is still
// processing and the job's feed has no terminal event.
func TestWorkerClaimsWhileTheOutcomeIsPending(t *testing.T) {
	t.Parallel()
	store := newHoldStore("one")
	ran := make(chan string, 4)
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: 1,
		Kinds: map[string]asyncjob.Kind{"q": quickKind(ran, nil)}})
	require.NoError(t, err)
	t.Cleanup(func() { shutNow(m) })
	ctx := t.Context()
	j1, err := m.Submit(ctx, asyncjob.Spec{Kind: "q", Payload: []byte("one")})
	require.NoError(t, err)
	feed, err := store.Watch(ctx, j1.ID, 0)
	require.NoError(t, err)
	waitRan(t, ran, "one#1")
	<-store.held
	j2, err := m.Submit(ctx, asyncjob.Spec{Kind: "q", Payload: []byte("two")})
	require.NoError(t, err)
	waitRan(t, ran, "two#1") // fails without the hand-off: the worker is still in j1's write
	waitState(t, store, j2.ID, asyncjob.StateCompleted)

	got, err := store.Get(ctx, j1.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateProcessing, got.State, "the outcome is not recorded yet")
	for drained := false; !drained; {
		select {
		case rec := <-feed:
			assert.False(t, rec.State.Terminal(), "a terminal event before the record")
		default:
			drained = true
		}
	}

	close(store.release)
	deadline := time.After(10 * time.Second)
	for terminal := false; !terminal; {
		select {
		case rec, ok := <-feed:
			require.True(t, ok, "the feed ended without the outcome")
			if terminal = rec.State.Terminal(); terminal {
				assert.Equal(t, asyncjob.StateCompleted, rec.State)
				stored, err := store.Get(ctx, j1.ID)
				require.NoError(t, err)
				assert.Equal(t, asyncjob.StateCompleted, stored.State, "the event follows the record")
			}
		case <-deadline:
			t.Fatal("no terminal event within 10 s")
		}
	}
	assert.JSONEq(t, `{"attempt":1}`, string(waitState(t, store, j1.ID, asyncjob.StateCompleted).Result.Value))
}

// TestShutdownWaitsForThePendingOutcome: Shutdown returns only after the
// outcome a finisher is writing has landed.
func TestShutdownWaitsForThePendingOutcome(t *testing.T) {
	t.Parallel()
	store := newHoldStore("one")
	ran := make(chan string, 4)
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: 1,
		Kinds: map[string]asyncjob.Kind{"q": quickKind(ran, nil)}})
	require.NoError(t, err)
	ctx := t.Context()
	j1, err := m.Submit(ctx, asyncjob.Spec{Kind: "q", Payload: []byte("one")})
	require.NoError(t, err)
	waitRan(t, ran, "one#1")
	<-store.held
	shut := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- m.Shutdown(sctx)
	}()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with an outcome pending", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(store.release)
	require.NoError(t, <-shut)
	got, err := store.Get(context.Background(), j1.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateCompleted, got.State, "recorded before Shutdown returned")
}

// TestShutdownDeadlineBoundsThePendingOutcome: an outcome whose write does
// not land is given up after StoreTimeout, as an outcome written by its
// worker always was: Shutdown returns, and the job, still processing, runs
// again when its lease ends.
func TestShutdownDeadlineBoundsThePendingOutcome(t *testing.T) {
	t.Parallel()
	store := newHoldStore("one")
	ran := make(chan string, 4)
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: 1, StoreTimeout: 200 * time.Millisecond,
		Kinds: map[string]asyncjob.Kind{"q": quickKind(ran, nil)}})
	require.NoError(t, err)
	ctx := t.Context()
	j1, err := m.Submit(ctx, asyncjob.Spec{Kind: "q", Payload: []byte("one")})
	require.NoError(t, err)
	waitRan(t, ran, "one#1")
	<-store.held // never released
	sctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	require.NoError(t, m.Shutdown(sctx))
	assert.Less(t, time.Since(start), 5*time.Second)
	got, err := store.Get(context.Background(), j1.ID)
	require.NoError(t, err)
	assert.Equal(t, asyncjob.StateProcessing, got.State, "the outcome was not recorded; the job runs again")
}

// TestPendingOutcomeOfALapsedLeaseStaysUnrecorded: an outcome whose write
// outlives the job's lease must not land on the job's next claim, even when
// that claim is its own worker's (which claims while its finisher writes):
// the record then belongs to the run in progress, whose outcome is the one
// recorded.
func TestPendingOutcomeOfALapsedLeaseStaysUnrecorded(t *testing.T) {
	t.Parallel()
	store := newHoldStore("one")
	ran := make(chan string, 4)
	second := make(chan struct{})
	m, err := asyncjob.New(asyncjob.Options{Store: store, Workers: 1, Lease: 30 * time.Millisecond,
		Kinds: map[string]asyncjob.Kind{"q": quickKind(ran, map[string]chan struct{}{"one#2": second})}})
	require.NoError(t, err)
	t.Cleanup(func() { shutNow(m) })
	ctx := t.Context()
	j1, err := m.Submit(ctx, asyncjob.Spec{Kind: "q", Payload: []byte("one")})
	require.NoError(t, err)
	waitRan(t, ran, "one#1")
	<-store.held
	// The lease ends with the first outcome pending; the worker takes the
	// job over itself.
	waitRan(t, ran, "one#2")
	close(store.release)
	<-store.afterRelease // the first outcome lost its compare-and-set and reads again
	close(second)
	got := waitState(t, store, j1.ID, asyncjob.StateCompleted)
	require.NoError(t, m.Shutdown(context.Background()))
	assert.JSONEq(t, `{"attempt":2}`, string(got.Result.Value), "the outcome of the run that held the lease")
	assert.Zero(t, store.stale.Load(), "outcome writes of attempt 1 onto attempt 2's claim")
}

// shutNow shuts m down at once, for a test's cleanup: its jobs are
// canceled, and a held outcome gives up at its StoreTimeout.
func shutNow(m *asyncjob.Manager) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = m.Shutdown(ctx)
}
