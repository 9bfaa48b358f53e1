package feed

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	errGone   = errors.New("gone")
	errClosed = errors.New("closed")
	errDown   = errors.New("down")
)

// rec is a test record: its version and whether it is final.
type rec struct {
	v     uint64
	final bool
}

// records is a fake store: Read serves its map and reports every read on
// reads, so tests wait for a read instead of sleeping.
type records struct {
	mu    sync.Mutex
	m     map[string]rec
	fail  error // returned by every Read while set
	reads chan string
}

func newRecords() *records {
	return &records{m: make(map[string]rec), reads: make(chan string, 64)}
}

func (r *records) set(id string, x rec) {
	r.mu.Lock()
	r.m[id] = x
	r.mu.Unlock()
}

func (r *records) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *records) read(_ context.Context, id string) (rec, uint64, bool, error) {
	r.mu.Lock()
	x, ok := r.m[id]
	fail := r.fail
	r.mu.Unlock()
	defer func() {
		select {
		case r.reads <- id:
		default:
		}
	}()
	switch {
	case fail != nil:
		return rec{}, 0, false, fail
	case !ok:
		return rec{}, 0, false, errGone
	}
	return x, x.v, x.final, nil
}

// newHub returns a Hub on r that the test closes. The interval is long
// unless a test asks otherwise, so only messages cause reads.
func newHub(t *testing.T, r *records, interval time.Duration) *Hub[rec] {
	t.Helper()
	if interval == 0 {
		interval = time.Hour
	}
	h := New(Options[rec]{Read: r.read, Gone: errGone, Closed: errClosed, Interval: interval})
	t.Cleanup(h.Close)
	return h
}

// receive waits for the next record on ch; ok is false when ch closed.
func receive(t *testing.T, ch <-chan rec) (rec, bool) {
	t.Helper()
	select {
	case x, ok := <-ch:
		return x, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no record and no close")
		return rec{}, false
	}
}

func waitRead(t *testing.T, r *records, id string) {
	t.Helper()
	for {
		select {
		case got := <-r.reads:
			if got == id {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no read of %s", id)
		}
	}
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		payload  string
		seen     uint64 // version the watcher of "a" already saw announced
		wantWork bool
		wantPoke bool
	}{
		{"work", "w", 0, true, false},
		{"version of a", "7 a", 0, false, true},
		{"newer than seen", "8 a", 7, false, true},
		{"same as seen", "7 a", 7, false, false},
		{"older than seen", "6 a", 7, false, false},
		{"other job", "7 b", 0, false, false},
		{"id with a space", "7 a b", 0, false, false},
		{"no id", "7", 0, false, false},
		{"empty", "", 0, false, false},
		{"not a number", "x a", 0, false, false},
		{"negative", "-1 a", 0, false, false},
		{"overflow", "18446744073709551616 a", 0, false, false},
		{"work with junk", "w ", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, newRecords(), 0)
			w := &watcher[rec]{id: "a", pokes: make(chan struct{}, 1), seen: tt.seen}
			h.watchers["a"] = map[*watcher[rec]]struct{}{w: {}}
			h.Dispatch(tt.payload)
			assert.Equal(t, tt.wantWork, len(h.work) == 1, "work token")
			assert.Equal(t, tt.wantPoke, len(w.pokes) == 1, "poke")
		})
	}
}

func TestResyncPokesEveryWatcherAndWakesWork(t *testing.T) {
	t.Parallel()
	h := newHub(t, newRecords(), 0)
	var ws []*watcher[rec]
	for _, id := range []string{"a", "a", "b"} {
		// A high seen version: Resync must re-read even so.
		w := &watcher[rec]{id: id, pokes: make(chan struct{}, 1), seen: 99}
		if h.watchers[id] == nil {
			h.watchers[id] = make(map[*watcher[rec]]struct{})
		}
		h.watchers[id][w] = struct{}{}
		ws = append(ws, w)
	}
	h.Resync()
	assert.Len(t, h.work, 1)
	for i, w := range ws {
		assert.Len(t, w.pokes, 1, "watcher %d", i)
	}
}

func TestSignalWorkIsOneToken(t *testing.T) {
	t.Parallel()
	h := newHub(t, newRecords(), 0)
	for range 3 {
		h.SignalWork()
	}
	<-h.Work()
	select {
	case <-h.Work():
		t.Fatal("three signals left more than one token")
	default:
	}
}

func TestWatchFirstRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rec      *rec // nil: no such record
		fail     error
		after    uint64
		wantErr  error
		wantSent *rec
		wantDone bool // the channel is closed at once
	}{
		{name: "newer is sent", rec: &rec{v: 3}, after: 1, wantSent: &rec{v: 3}},
		{name: "not newer waits", rec: &rec{v: 3}, after: 3},
		{name: "final newer is sent, then closed", rec: &rec{v: 4, final: true}, after: 1, wantSent: &rec{v: 4, final: true}, wantDone: true},
		{name: "final seen closes", rec: &rec{v: 4, final: true}, after: 4, wantDone: true},
		{name: "missing is the error", wantErr: errGone},
		{name: "unreachable is the error", rec: &rec{v: 1}, fail: errDown, wantErr: errDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRecords()
			if tt.rec != nil {
				r.set("a", *tt.rec)
			}
			r.setFail(tt.fail)
			h := newHub(t, r, 0)
			ch, err := h.Watch(t.Context(), "a", tt.after)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, h.watchers, "a failed Watch stays registered")
				return
			}
			require.NoError(t, err)
			if tt.wantSent != nil {
				got, ok := receive(t, ch)
				require.True(t, ok)
				assert.Equal(t, *tt.wantSent, got)
			}
			if tt.wantDone {
				_, ok := receive(t, ch)
				assert.False(t, ok, "channel not closed after a final record")
				assert.Empty(t, h.watchers)
				return
			}
			select {
			case x := <-ch:
				t.Fatalf("sent %v with nothing new", x)
			default:
			}
		})
	}
}

func TestWatchFollowsMessages(t *testing.T) {
	t.Parallel()
	r := newRecords()
	r.set("a", rec{v: 1})
	h := newHub(t, r, 0)
	ch, err := h.Watch(t.Context(), "a", 1)
	require.NoError(t, err)
	waitRead(t, r, "a")

	r.set("a", rec{v: 2})
	h.Dispatch("2 a")
	got, ok := receive(t, ch)
	require.True(t, ok)
	assert.Equal(t, uint64(2), got.v)

	// A resync reads again, but a version already sent is not sent twice
	// (the next receive would get it instead of version 5).
	h.Resync()
	waitRead(t, r, "a")

	r.set("a", rec{v: 5, final: true})
	h.Dispatch("5 a")
	got, ok = receive(t, ch)
	require.True(t, ok)
	assert.Equal(t, rec{v: 5, final: true}, got)
	_, ok = receive(t, ch)
	assert.False(t, ok, "final record did not end the watch")
}

// A slow receiver finds the latest record, not a backlog.
func TestWatchReplacesUntakenRecord(t *testing.T) {
	t.Parallel()
	r := newRecords()
	r.set("a", rec{v: 1})
	h := newHub(t, r, 0)
	ch, err := h.Watch(t.Context(), "a", 0)
	require.NoError(t, err)
	waitRead(t, r, "a")
	for v := uint64(2); v <= 4; v++ {
		r.set("a", rec{v: v})
		h.Dispatch(strconv.FormatUint(v, 10) + " a")
		waitRead(t, r, "a")
	}
	got, ok := receive(t, ch)
	require.True(t, ok)
	assert.Equal(t, uint64(4), got.v)
	select {
	case x := <-ch:
		t.Fatalf("backlog: %v after the latest", x)
	default:
	}
}

func TestWatchEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(h *Hub[rec], r *records, cancel context.CancelFunc)
	}{
		{"ctx ends", func(_ *Hub[rec], _ *records, cancel context.CancelFunc) { cancel() }},
		{"hub closes", func(h *Hub[rec], _ *records, _ context.CancelFunc) { h.Close() }},
		{"record gone", func(h *Hub[rec], r *records, _ context.CancelFunc) {
			r.mu.Lock()
			delete(r.m, "a")
			r.mu.Unlock()
			h.Dispatch("9 a")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRecords()
			r.set("a", rec{v: 1})
			h := newHub(t, r, 0)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ch, err := h.Watch(ctx, "a", 1)
			require.NoError(t, err)
			tt.end(h, r, cancel)
			_, ok := receive(t, ch)
			assert.False(t, ok)
			h.Close() // waits for the goroutine: nothing leaks
			assert.Empty(t, h.watchers)
		})
	}
}

func TestWatchRetriesAndTicks(t *testing.T) {
	t.Parallel()
	r := newRecords()
	r.set("a", rec{v: 1})
	h := newHub(t, r, time.Millisecond)
	ch, err := h.Watch(t.Context(), "a", 1)
	require.NoError(t, err)
	waitRead(t, r, "a") // the first read
	// Unreachable: the watch keeps going on its ticks, without messages.
	r.setFail(errDown)
	waitRead(t, r, "a")
	waitRead(t, r, "a")
	r.set("a", rec{v: 2})
	r.setFail(nil)
	got, ok := receive(t, ch)
	require.True(t, ok)
	assert.Equal(t, uint64(2), got.v)
}

func TestWatchRefused(t *testing.T) {
	t.Parallel()
	r := newRecords()
	r.set("a", rec{v: 1})
	h := newHub(t, r, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Watch(ctx, "a", 0)
	require.ErrorIs(t, err, context.Canceled)
	h.Close()
	h.Close() // idempotent
	_, err = h.Watch(t.Context(), "a", 0)
	require.ErrorIs(t, err, errClosed)
}

func TestNewRequiresOptions(t *testing.T) {
	t.Parallel()
	r := newRecords()
	ok := Options[rec]{Read: r.read, Gone: errGone, Closed: errClosed, Interval: time.Second}
	tests := []struct {
		name string
		edit func(*Options[rec])
	}{
		{"no Read", func(o *Options[rec]) { o.Read = nil }},
		{"no Gone", func(o *Options[rec]) { o.Gone = nil }},
		{"no Closed", func(o *Options[rec]) { o.Closed = nil }},
		{"zero Interval", func(o *Options[rec]) { o.Interval = 0 }},
		{"negative Interval", func(o *Options[rec]) { o.Interval = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.edit(&o)
			assert.Panics(t, func() { New(o) })
		})
	}
}

// BenchmarkDispatch measures one feed message, on a hub that watches
// 1,000 jobs: the version of a watched job, of an unwatched one, and a
// wake-up. Every row must allocate nothing.
func BenchmarkDispatch(b *testing.B) {
	h := New(Options[rec]{Read: newRecords().read, Gone: errGone, Closed: errClosed, Interval: time.Hour})
	b.Cleanup(h.Close)
	for i := range 1000 {
		id := "job" + strconv.Itoa(i)
		h.watchers[id] = map[*watcher[rec]]struct{}{{id: id, pokes: make(chan struct{}, 1)}: {}}
	}
	for _, bb := range []struct{ name, payload string }{
		{"watched", "12345 job500"},
		{"unwatched", "12345 other"},
		{"work", "w"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Dispatch(bb.payload)
			}
		})
	}
}
