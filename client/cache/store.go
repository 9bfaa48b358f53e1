package cache

import (
	"container/list"
	"context"
	"net/http"
	"sync"
	"time"
)

// Entry is one stored response: a variant of its URL (RFC 9111 §4.1).
// Entries are immutable once stored; the Transport replaces an entry
// instead of changing it, so a Store may hand out the same pointer to
// concurrent readers.
type Entry struct {
	// StatusCode and Header are the stored response's (hop-by-hop fields
	// removed, RFC 9111 §3.1).
	StatusCode int
	Header     http.Header
	Body       []byte
	// RequestTime and ResponseTime bracket the exchange that produced (or
	// last validated) the entry, for the age calculation (RFC 9111 §4.2.3).
	RequestTime, ResponseTime time.Time
	// VaryNames are the fields the response varies on and VaryValues the
	// request's values of them, normalised (RFC 9111 §4.1).
	VaryNames, VaryValues []string

	memo *memo // set by the Transport that stored the entry
}

// Size is what the entry counts against a byte bound: body, header names
// and values, and vary values.
func (e *Entry) Size() int64 {
	n := int64(len(e.Body)) + 64
	for k, vs := range e.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v)) + 16
		}
	}
	for i := range e.VaryNames {
		n += int64(len(e.VaryNames[i]) + len(e.VaryValues[i]))
	}
	return n
}

// Store keeps the variants of each URL. Get returns them (nil when none);
// Set replaces them (an empty slice deletes); Delete forgets them. A Store
// must be safe for concurrent use and must not modify the entries. Errors
// are the Store's own business: a cache that cannot read or write simply
// misses.
type Store interface {
	Get(ctx context.Context, key string) []*Entry
	Set(ctx context.Context, key string, variants []*Entry)
	Delete(ctx context.Context, key string)
}

// Memory is the default [Store]: in memory, bounded in bytes, least
// recently used first out. It is safe for concurrent use.
type Memory struct {
	max int64

	mu    sync.Mutex
	size  int64
	lru   *list.List // of *memItem, most recent at the front
	items map[string]*list.Element
}

type memItem struct {
	key      string
	variants []*Entry
	size     int64
}

// NewMemory returns an empty Memory store holding at most maxBytes (as
// counted by [Entry.Size]); a non-positive maxBytes means
// [DefaultMaxBytes].
func NewMemory(maxBytes int64) *Memory {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Memory{max: maxBytes, lru: list.New(), items: map[string]*list.Element{}}
}

// Get implements [Store].
func (m *Memory) Get(_ context.Context, key string) []*Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil
	}
	m.lru.MoveToFront(el)
	return el.Value.(*memItem).variants
}

// Set implements [Store]. Variants larger than the whole bound are not
// kept.
func (m *Memory) Set(_ context.Context, key string, variants []*Entry) {
	size := int64(len(key))
	for _, e := range variants {
		size += e.Size()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(key)
	if len(variants) == 0 || size > m.max {
		return
	}
	it := &memItem{key: key, variants: variants, size: size}
	m.items[key] = m.lru.PushFront(it)
	m.size += size
	for m.size > m.max {
		m.remove(m.lru.Back().Value.(*memItem).key)
	}
}

// Delete implements [Store].
func (m *Memory) Delete(_ context.Context, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(key)
}

// Len returns the number of URLs stored and the bytes they count.
func (m *Memory) Len() (urls int, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items), m.size
}

func (m *Memory) remove(key string) {
	el, ok := m.items[key]
	if !ok {
		return
	}
	m.size -= el.Value.(*memItem).size
	m.lru.Remove(el)
	delete(m.items, key)
}
