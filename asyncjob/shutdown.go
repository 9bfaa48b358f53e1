package asyncjob

import (
	"context"
	"errors"
)

// CodeShutdown is recorded on a job that was still running when its
// Manager shut down with a store of its own (the default [MemStore]), so
// that nobody else could take it over. It is retryable: the client may
// submit the request again, to this service once it is back.
const CodeShutdown = "SHUTDOWN"

// Shutdown stops the Manager in three steps:
//
//  1. At once it stops accepting work: submissions answer 503 with
//     Retry-After (Options.BusyRetryAfter), workers take no new job and the
//     webhook dispatcher claims no new delivery. Every open SSE stream and
//     [Feed] gets a final "shutdown" event and ends, so that clients
//     reconnect with Last-Event-ID (to another instance, or to this one
//     once it is back); Prefer: wait responses answer early.
//  2. It lets running jobs and webhook attempts finish until ctx ends,
//     and waits for the outcomes being written (a worker's finisher may
//     still be writing one when its worker stops): each such write is
//     bounded by Options.StoreTimeout, not by ctx, since an outcome cut
//     short is not recorded and its job runs again once its lease ends.
//  3. When ctx ends first, it hands the rest back: jobs are canceled, and a
//     job on a shared store (one passed in Options.Store) has its lease
//     released, so an instance sharing the store takes it over at once;
//     a job in the Manager's own MemStore, which nobody can take over, is
//     recorded as failed with code SHUTDOWN, retryable. A webhook attempt
//     in flight is cut short and its delivery handed back, pending, to be
//     sent by the next instance. Job functions must honour their context
//     for this step to end.
//
// Handing work back when the grace period ends is the designed outcome, not
// a failure: Shutdown returns nil then. It returns an error only when a job
// could not be handed back (the store failed), joined with ctx.Err(). No
// goroutine started by the Manager outlives Shutdown. Later calls wait for
// the first and return nil.
func (m *Manager) Shutdown(ctx context.Context) error {
	first := false
	m.shutOnce.Do(func() { first = true })
	if !first {
		<-m.shutDone
		return nil
	}
	defer close(m.shutDone)
	m.closed.Store(true)
	m.stopTake()
	done := make(chan struct{})
	go func() {
		// Workers and the dispatcher first: a job finishing in the grace
		// period records its delivery, which the next instance sends.
		m.wg.Wait()
		m.dwg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		m.stopRun()
		<-done
		if n := m.handBackErrs.Load(); n > 0 {
			err = errors.Join(errHandBack, ctx.Err())
		}
	}
	m.stopRun()
	return err
}

var errHandBack = errors.New("asyncjob: some jobs could not be handed back")
