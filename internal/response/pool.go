package response

import (
	"net/http"
	"sync"
)

// Pool recycles Writers and their body buffers so that a middleware allocates
// nothing per request in steady state. A middleware owns one Pool, created in
// its constructor; the zero Pool is not usable, use [NewPool].
type Pool struct {
	p         sync.Pool
	maxRetain int
}

// NewPool returns a Pool that keeps body buffers up to maxRetain bytes of
// capacity; larger buffers are dropped on Put so one huge response cannot pin
// memory for the life of the process.
func NewPool(maxRetain int) *Pool {
	return &Pool{maxRetain: maxRetain}
}

// Get returns a Writer wrapping w for r, as [New] would.
func (p *Pool) Get(w http.ResponseWriter, r *http.Request, opts Options) *Writer {
	rw, _ := p.p.Get().(*Writer)
	if rw == nil {
		rw = new(Writer)
	}
	rw.reset(w, r, opts)
	return rw
}

// Reset readies rw, a Writer owned by the caller (not from a Pool), to wrap
// w for r; Reset(nil, nil, Options{}) drops the references of the last
// request, as Put does.
func (rw *Writer) Reset(w http.ResponseWriter, r *http.Request, opts Options) {
	rw.reset(w, r, opts)
}

// Put returns rw to the pool. Call it only after [Writer.Finish], and only
// when the handler has returned: net/http forbids using a ResponseWriter after
// ServeHTTP returns, which is what makes the reuse safe.
func (p *Pool) Put(rw *Writer) {
	if cap(rw.buf) > p.maxRetain {
		rw.buf = nil
	}
	// Only the references are dropped, so that a pooled Writer keeps no
	// request alive; Get resets the rest.
	rw.w, rw.r = nil, nil
	p.p.Put(rw)
}
