package asyncjob

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// pendingDelivery is the outbox record a terminal Update carries for a job
// with a callback: due at once, with the job ID as the stable webhook-id.
func pendingDelivery(j *Job, now time.Time) *Delivery {
	if j.CallbackURL == "" {
		return nil
	}
	return &Delivery{ID: j.ID, State: DeliveryPending, NextAttemptAt: now}
}

// dispatch claims due deliveries from the store and sends each on its own
// goroutine, at most Options.DeliveryWorkers at once. Deliveries that wait
// for their next attempt cost a store record, not a goroutine: the
// dispatcher polls the store every DeliveryPollInterval, sooner when this
// Manager recorded a delivery due earlier, and at once when a slot frees or
// a job of this Manager finishes.
func (m *Manager) dispatch() {
	defer m.wg.Done()
	slots := make(chan struct{}, m.opts.DeliveryWorkers)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case slots <- struct{}{}:
		case <-m.takeCtx.Done():
			return
		}
		wait := m.opts.DeliveryPollInterval
		ctx, cancel := context.WithTimeout(m.takeCtx, m.opts.StoreTimeout)
		worker := m.id + "/hook/" + strconv.FormatUint(m.claims.Add(1), 10)
		j, err := m.store.ClaimDelivery(ctx, worker, m.opts.DeliveryLease)
		cancel()
		if err == nil {
			m.dwg.Add(1)
			go func() {
				defer m.dwg.Done()
				defer func() { <-slots }()
				m.deliver(worker, j)
				m.wakeDispatch()
			}()
			continue
		}
		<-slots
		if !errors.Is(err, ErrNoDelivery) {
			if m.takeCtx.Err() != nil {
				return
			}
			m.log.Warn("asyncjob: claiming a webhook delivery failed", "err", err)
		} else if next := m.nextDue.Load(); next != 0 {
			switch d := time.Until(time.Unix(0, next)); {
			case d <= 0:
				m.nextDue.CompareAndSwap(next, 0) // consumed; the poll covers the rest
			case d < wait:
				wait = d
			}
		}
		timer.Reset(wait)
		select {
		case <-m.takeCtx.Done():
			return
		case <-m.hookWake:
		case <-timer.C:
		}
	}
}

// wakeDispatch makes the dispatcher look for due deliveries now.
func (m *Manager) wakeDispatch() {
	select {
	case m.hookWake <- struct{}{}:
	default:
	}
}

// noteDue remembers, in real time, the earliest next attempt this Manager
// scheduled (in wait from now), so that the dispatcher wakes for it
// without waiting a whole poll interval. Real time, not Options.Now: the
// dispatcher's timer runs on it.
func (m *Manager) noteDue(wait time.Duration) {
	n := time.Now().Add(wait).UnixNano()
	for {
		cur := m.nextDue.Load()
		if cur != 0 && cur <= n {
			return
		}
		if m.nextDue.CompareAndSwap(cur, n) {
			return
		}
	}
}

// deliver makes one attempt on the claimed delivery of j and records the
// outcome: delivered, failed for good, due again after a backoff, or, when
// Shutdown cut the attempt short, handed back as it was.
func (m *Manager) deliver(worker string, j *Job) {
	d := *j.Delivery
	// The body is the terminal status without the delivery record, so every
	// attempt of every instance sends the same bytes.
	c := *j
	c.Delivery = nil
	body := m.appendStatus(nil, &c)
	status, retryAfter, err := m.opts.Notifier.Notify(m.hookCtx, j.CallbackURL, d.ID, body)
	now := m.opts.Now()
	var wait time.Duration
	switch {
	case err == nil:
		d.State, d.Attempts, d.StatusCode, d.Error = DeliveryDelivered, d.Attempts+1, status, ""
		d.NextAttemptAt, d.FinishedAt = time.Time{}, now
	case m.hookCtx.Err() != nil:
		// Shutdown interrupted the attempt: hand it back uncounted, due
		// now, for whichever instance comes next.
		d.NextAttemptAt = now
	default:
		d.Attempts++
		d.StatusCode, d.Error = status, err.Error()
		if finalFailure(status, err) || d.Attempts >= m.opts.DeliveryAttempts {
			d.State, d.NextAttemptAt, d.FinishedAt = DeliveryFailed, time.Time{}, now
		} else {
			wait = m.backoff(d.Attempts, retryAfter)
			d.NextAttemptAt = now.Add(wait)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.StoreTimeout)
	defer cancel()
	if rerr := m.store.RecordDelivery(ctx, j.ID, worker, d); rerr != nil {
		// The lease is lost or the store is down: the delivery becomes due
		// again when its lease ends, so it is late, never lost.
		m.log.Warn("asyncjob: recording a webhook delivery failed", "job", j.ID, "err", rerr)
		return
	}
	if d.State == DeliveryPending {
		m.noteDue(wait)
	}
	switch d.State {
	case DeliveryFailed:
		m.log.Warn("asyncjob: webhook delivery failed", "job", j.ID, "attempts", d.Attempts, "status", d.StatusCode, "err", err)
	case DeliveryPending:
		if err != nil {
			m.log.Info("asyncjob: webhook attempt failed, will retry", "job", j.ID, "attempt", d.Attempts, "status", status, "next", d.NextAttemptAt, "err", err)
		}
	}
}

// finalFailure reports whether retrying cannot help: redirects (not
// followed) and 4xx other than 429 say the request is unwelcome, and a
// notifier marks refused destinations as not temporary.
func finalFailure(status int, err error) bool {
	if status != 0 {
		return !(status >= 500 && status <= 599 || status == http.StatusTooManyRequests)
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && !t.Temporary()
}

// backoff returns the wait after the attempt-th failure: uniform in [0,
// min(DeliveryMaxBackoff, DeliveryBackoff·2^(attempt-1))), the "full
// jitter" that keeps many deliveries failing together from retrying
// together; a Retry-After request lengthens it, capped the same way.
func (m *Manager) backoff(attempt int, retryAfter time.Duration) time.Duration {
	ceiling, limit := m.opts.DeliveryBackoff, m.opts.DeliveryMaxBackoff
	for i := 1; i < attempt && ceiling < limit; i++ {
		if ceiling > limit/2 {
			ceiling = limit
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, limit)
	wait := time.Duration(0)
	if ceiling > 0 {
		wait = time.Duration(rand.Int64N(int64(ceiling)))
	}
	if retryAfter > wait {
		wait = min(retryAfter, limit)
	}
	return wait
}
