package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/client/internal/envelope"
)

// Poller follows long-running operations to their end. It is safe for
// concurrent use; each call follows one job.
type Poller struct {
	opts   Options
	status *http.Client // opts.Client that never follows redirects
}

// New returns a Poller, or an error naming the first invalid option.
func New(opts Options) (*Poller, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	c := *o.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Poller{opts: o, status: &c}, nil
}

// Result is how a job ended.
type Result struct {
	// Status is the last status document seen; for a 303 without a body,
	// only State (completed) is set.
	Status Status
	// URL is the absolute result URL of a completed job (the 303 Location,
	// or result_url); empty when the result is embedded in Status.Result.
	URL string
	// Response is the fetched result when Options.FetchResult is set and
	// URL is not empty; the caller closes its Body.
	Response *http.Response
	// Requests counts the requests sent, the submission included.
	Requests int
	// NotModified counts the polls answered 304 Not Modified.
	NotModified int
}

// Submit sends req (typically a POST that starts a job) and follows its
// answer like [Poller.Follow]. With Options.Wait it adds Prefer: wait=N, so
// that a short job's final answer arrives in the first response. req is not
// modified.
func (p *Poller) Submit(ctx context.Context, req *http.Request) (*Result, error) {
	req = req.Clone(ctx)
	if p.opts.Wait > 0 {
		secs := int64((p.opts.Wait + time.Second - 1) / time.Second)
		req.Header.Add("Prefer", "wait="+strconv.FormatInt(secs, 10))
	}
	res, err := p.status.Do(req)
	if err != nil {
		return &Result{Requests: 1}, fmt.Errorf("poll: submit: %w", err)
	}
	r := &Result{Requests: 1}
	return p.follow(ctx, res, r)
}

// Follow follows the job that res answers for: a 202 Accepted is polled at
// its Location (or Content-Location) URL; a final answer (303 to the
// result, 200 with a terminal status, as Prefer: wait may produce) ends at
// once. Follow closes res.Body.
func (p *Poller) Follow(ctx context.Context, res *http.Response) (*Result, error) {
	return p.follow(ctx, res, &Result{})
}

// Wait follows the job at statusURL (absolute) from its current state.
func (p *Poller) Wait(ctx context.Context, statusURL string) (*Result, error) {
	u, err := url.Parse(statusURL)
	if err != nil || !u.IsAbs() {
		return &Result{}, fmt.Errorf("poll: status URL %q is not absolute", statusURL)
	}
	return p.run(ctx, u, &Result{}, 0, "")
}

// Cancel asks the server to cancel the job at statusURL (DELETE). A job
// that already ended is a *httperr.Error (409 from asyncjob).
func (p *Poller) Cancel(ctx context.Context, statusURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, statusURL, nil)
	if err != nil {
		return fmt.Errorf("poll: cancel: %w", err)
	}
	res, err := p.status.Do(req)
	if err != nil {
		return fmt.Errorf("poll: cancel: %w", err)
	}
	defer drain(res)
	if res.StatusCode >= 300 {
		return envelope.Read(res)
	}
	return nil
}

func (p *Poller) follow(ctx context.Context, res *http.Response, r *Result) (*Result, error) {
	var base *url.URL // nil for a response built by hand: only absolute URLs then
	if res.Request != nil {
		base = res.Request.URL
	}
	if res.StatusCode != http.StatusAccepted {
		// A final answer to the submission (Prefer: wait): the status URL
		// is its Content-Location.
		u := resolve(base, res.Header.Get("Content-Location"))
		if u == nil {
			u = base
		}
		done, _, err := p.handle(ctx, res, u, r, nil)
		if err != nil || done {
			return r, err
		}
		if u == nil {
			return r, ErrNoStatusURL
		}
		return p.run(ctx, u, r, p.delay(res.Header), "")
	}
	u := resolve(base, res.Header.Get("Location"))
	if u == nil {
		u = resolve(base, res.Header.Get("Content-Location"))
	}
	if u == nil {
		drain(res)
		return r, ErrNoStatusURL
	}
	// The 202 body is the first status document.
	var st Status
	if p.decode(res, &st) == nil && st.State != "" {
		r.Status = st
		p.progress(st)
	}
	drain(res)
	return p.run(ctx, u, r, p.delay(res.Header), "")
}

// errRequest marks a request that could not be built: not worth retrying.
var errRequest = errors.New("poll: bad request")

// get sends one GET of the status URL u asking for accept, with the
// request header name set to value when value is not empty, and counts it
// in r.
func (p *Poller) get(ctx context.Context, u *url.URL, r *Result, accept, name, value string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRequest, err)
	}
	req.Header.Set("Accept", accept)
	if value != "" {
		req.Header.Set(name, value)
	}
	r.Requests++
	return p.status.Do(req)
}

// run polls (or streams) u until the job ends, first waiting wait.
func (p *Poller) run(ctx context.Context, u *url.URL, r *Result, wait time.Duration, tag string) (*Result, error) {
	if p.opts.Events {
		return p.stream(ctx, u, r, wait)
	}
	errs := 0
	for {
		if err := p.sleep(ctx, u, wait); err != nil {
			return r, err
		}
		// RFC 9110 §13.1.2: an unchanged status costs a 304.
		res, err := p.get(ctx, u, r, "application/json", "If-None-Match", tag)
		if errors.Is(err, errRequest) {
			return r, err
		}
		if err != nil {
			if ctx.Err() != nil {
				return r, p.abandon(ctx, u)
			}
			if errs++; errs > p.opts.MaxErrors {
				return r, fmt.Errorf("poll: %w", err)
			}
			wait = p.delay(nil)
			continue
		}
		done, transient, err := p.handle(ctx, res, u, r, &tag)
		switch {
		case err != nil && transient:
			if errs++; errs > p.opts.MaxErrors {
				return r, err
			}
		case err != nil || done:
			return r, err
		default:
			errs = 0
		}
		wait = p.delay(res.Header)
	}
}

// handle reads one response of the status URL u and reports whether the
// job ended, and whether an error is transient. It closes res.Body. When
// tag is not nil it is updated with the response's ETag.
func (p *Poller) handle(ctx context.Context, res *http.Response, u *url.URL, r *Result, tag *string) (done, transient bool, err error) {
	defer drain(res)
	switch code := res.StatusCode; {
	case code == http.StatusNotModified:
		r.NotModified++
		return false, false, nil
	case code == http.StatusSeeOther:
		// RFC 9110 §15.4.4: the job is done and Location is its result.
		var st Status
		if p.decode(res, &st) == nil && st.State != "" {
			r.Status = st
			p.progress(st)
		} else {
			r.Status.State = asyncjob.StateCompleted
		}
		loc := resolve(u, res.Header.Get("Location"))
		if loc == nil {
			return true, false, fmt.Errorf("%w: 303 without Location", ErrUnexpected)
		}
		return true, false, p.finish(ctx, r, loc)
	case code == http.StatusOK:
		var st Status
		if err := p.decode(res, &st); err != nil {
			return true, false, err
		}
		if !st.State.Valid() {
			return true, false, fmt.Errorf("%w: status %q", ErrUnexpected, st.State)
		}
		changed := tag == nil || *tag == "" || res.Header.Get("Etag") != *tag
		if tag != nil {
			*tag = res.Header.Get("Etag")
		}
		r.Status = st
		if changed {
			p.progress(st)
		}
		return p.terminal(ctx, r, u)
	case code == http.StatusTooManyRequests, code == http.StatusBadGateway,
		code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		return false, true, envelope.Read(res)
	case code >= 400:
		return true, false, envelope.Read(res)
	default:
		return true, false, fmt.Errorf("%w: %s", ErrUnexpected, res.Status)
	}
}

// terminal ends the wait when r.Status is terminal.
func (p *Poller) terminal(ctx context.Context, r *Result, u *url.URL) (done, transient bool, err error) {
	st := r.Status
	switch st.State {
	case asyncjob.StateCompleted:
		var loc *url.URL
		if st.ResultURL != "" {
			loc = resolve(u, st.ResultURL)
		}
		return true, false, p.finish(ctx, r, loc)
	case asyncjob.StateFailed:
		if st.Error == nil {
			return true, false, &asyncjob.Error{Code: asyncjob.CodeInternal, Message: "the job failed"}
		}
		return true, false, st.Error
	case asyncjob.StateCanceled:
		return true, false, ErrCanceled
	}
	return false, false, nil
}

// finish records the result URL and fetches it when asked.
func (p *Poller) finish(ctx context.Context, r *Result, loc *url.URL) error {
	if loc == nil {
		return nil
	}
	r.URL = loc.String()
	if !p.opts.FetchResult {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return fmt.Errorf("poll: result: %w", err)
	}
	r.Requests++
	res, err := p.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("poll: result: %w", err)
	}
	if res.StatusCode >= 400 {
		defer drain(res)
		return envelope.Read(res)
	}
	r.Response = res
	return nil
}

// decode reads a JSON status document of at most MaxStatusBytes.
func (p *Poller) decode(res *http.Response, st *Status) error {
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("%w: %s with Content-Type %q", ErrUnexpected, res.Status, mt)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, p.opts.MaxStatusBytes+1))
	if err != nil {
		return fmt.Errorf("poll: reading the status: %w", err)
	}
	if int64(len(b)) > p.opts.MaxStatusBytes {
		return fmt.Errorf("poll: status document over %d bytes", p.opts.MaxStatusBytes)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return fmt.Errorf("%w: status document: %v", ErrUnexpected, err)
	}
	return nil
}

func (p *Poller) progress(st Status) {
	if p.opts.ProgressFunc != nil {
		p.opts.ProgressFunc(st)
	}
}

// sleep waits d, or until ctx ends; then it abandons the job.
func (p *Poller) sleep(ctx context.Context, u *url.URL, d time.Duration) error {
	if ctx.Err() != nil {
		return p.abandon(ctx, u)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return p.abandon(ctx, u)
	}
}

// abandon returns ctx's error, first sending DELETE when CancelOnExit asks
// for it. The DELETE outlives ctx (which has ended) but not CancelTimeout.
func (p *Poller) abandon(ctx context.Context, u *url.URL) error {
	err := ctx.Err()
	if p.opts.CancelOnExit {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.CancelTimeout)
		defer cancel()
		if cerr := p.Cancel(cctx, u.String()); cerr != nil {
			return errors.Join(err, cerr)
		}
	}
	return err
}

// resolve returns ref resolved against base, nil when ref is empty or
// malformed.
func resolve(base *url.URL, ref string) *url.URL {
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	if base == nil {
		if !u.IsAbs() {
			return nil
		}
		return u
	}
	return base.ResolveReference(u)
}

// drain reads a little of what is left so the connection can be reused,
// then closes the body.
func drain(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, 4<<10)
	_ = res.Body.Close()
}
