package update

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/httpsem/httpsem/client/internal/envelope"
	"github.com/httpsem/httpsem/etag"
)

// Func turns the current representation into what is written: the new
// representation for [Put], the patch document for [MergePatch] and
// [JSONPatch]. It may run several times (once per attempt) and must not
// keep current. An error stops [Updater.Do] and is returned wrapped.
type Func func(current []byte) ([]byte, error)

// Result reports one [Updater.Do].
type Result struct {
	// Attempts is the number of writes sent (0 when the first read or Func
	// failed).
	Attempts int
	// StatusCode is the status of the last write (0 without one).
	StatusCode int
	// ETag is the entity tag of the written representation, when the
	// successful write's response carried a valid one.
	ETag etag.Tag
	// Body is the successful write's response body (at most
	// Options.MaxBodyBytes).
	Body []byte
}

// Updater performs read-modify-write cycles that lose no concurrent write:
// each write carries If-Match with the tag of the representation it was
// computed from (RFC 9110 §13.1.1), and a 412 means "re-read and compute
// again". It is safe for concurrent use.
type Updater struct {
	opts Options
}

// New returns an Updater, or an error naming the first invalid option.
func New(opts Options) (*Updater, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	return &Updater{opts: o}, nil
}

// Do reads url, calls fn with the body and writes its result conditionally,
// until a write succeeds, Options.MaxAttempts writes have met 412, or an
// error occurs. The Result is valid with an error too (Attempts says how far
// it got).
func (u *Updater) Do(ctx context.Context, url string, fn Func) (Result, error) {
	var r Result
	for {
		body, tag, ctype, err := u.read(ctx, url, r.Attempts > 0)
		if err != nil {
			return r, err
		}
		next, err := fn(body)
		if err != nil {
			return r, fmt.Errorf("update: %w", err)
		}
		r.Attempts++
		res, err := u.write(ctx, url, tag, ctype, next)
		if err != nil {
			return r, err
		}
		r.StatusCode = res.StatusCode
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			r.Body, err = readBody(res, u.opts.MaxBodyBytes, false)
			_ = res.Body.Close()
			if t, perr := etag.Parse(res.Header.Get("Etag")); perr == nil {
				r.ETag = t
			}
			return r, err
		case res.StatusCode == http.StatusPreconditionFailed:
			he := envelope.Read(res)
			_ = res.Body.Close()
			if r.Attempts >= u.opts.MaxAttempts {
				return r, fmt.Errorf("%w after %d: %w", ErrTooManyAttempts, r.Attempts, he)
			}
			if err := u.backoff(ctx, r.Attempts); err != nil {
				return r, err
			}
		case res.StatusCode == http.StatusPreconditionRequired:
			he := envelope.Read(res)
			_ = res.Body.Close()
			return r, fmt.Errorf("%w: %w", ErrPreconditionRequired, he)
		default:
			he := envelope.Read(res)
			_ = res.Body.Close()
			return r, he
		}
	}
}

// read GETs the current representation and its strong tag. A re-read
// (after a 412) sends Cache-Control: no-cache, so that a cache between
// here and the origin revalidates instead of handing back the copy that
// just lost (RFC 9111 §5.2.1.4).
func (u *Updater) read(ctx context.Context, url string, again bool) (body []byte, tag etag.Tag, ctype string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, tag, "", fmt.Errorf("update: %w", err)
	}
	req.Header.Set("Accept", u.opts.Accept)
	if again {
		req.Header.Set("Cache-Control", "no-cache")
	}
	res, err := u.opts.Client.Do(req)
	if err != nil {
		return nil, tag, "", fmt.Errorf("update: read: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, tag, "", envelope.Read(res)
	}
	tag, perr := etag.Parse(res.Header.Get("Etag"))
	if perr != nil || tag.Weak {
		return nil, tag, "", ErrNoETag
	}
	body, err = readBody(res, u.opts.MaxBodyBytes, true)
	return body, tag, res.Header.Get("Content-Type"), err
}

// write sends next conditionally on tag.
func (u *Updater) write(ctx context.Context, url string, tag etag.Tag, readType string, next []byte) (*http.Response, error) {
	method, ctype := http.MethodPatch, ""
	switch u.opts.Method {
	case Put:
		method, ctype = http.MethodPut, u.opts.ContentType
		if ctype == "" {
			ctype = readType
		}
		if ctype == "" {
			ctype = "application/json"
		}
	case MergePatch:
		ctype = "application/merge-patch+json"
	case JSONPatch:
		ctype = "application/json-patch+json"
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(next))
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("If-Match", tag.String())
	res, err := u.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("update: write: %w", err)
	}
	return res, nil
}

// backoff waits a random time in [0, min(MaxBackoff, Backoff·2^(n-1))):
// "full jitter", so that writers that lost the same race do not collide
// again in lockstep.
func (u *Updater) backoff(ctx context.Context, n int) error {
	ceil := u.opts.Backoff
	for i := 1; i < n && ceil < u.opts.MaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, u.opts.MaxBackoff)
	if ceil <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(ceil))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readBody reads at most limit bytes; over the limit is an error when
// strict, else the body is cut.
func readBody(res *http.Response, limit int64, strict bool) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("update: reading the body: %w", err)
	}
	if int64(len(b)) > limit {
		if strict {
			return nil, fmt.Errorf("update: representation over %d bytes", limit)
		}
		b = b[:limit]
	}
	return b, nil
}
