package pgstore

import (
	"context"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// RunCycle runs, as the grouper does when the claimer offers it claims
// while updates wait, the updates that store finished and the claims for
// workers in one cycle. It sends the claimed jobs on claimed as soon as
// every claim is delivered (before the updates, when the cycle failed and
// they run again one by one), and returns each update's error and new
// version once the cycle is over. Every claim must find a job.
func RunCycle(s *Store, finished []*asyncjob.Job, workers []string, lease time.Duration, claimed chan<- []*asyncjob.Job) ([]error, []int64) {
	ups := make([]*groupUpdate, len(finished))
	errs := make([]error, len(finished))
	versions := make([]int64, len(finished))
	for i, j := range finished {
		args, err := s.updateArgs(j, s.now())
		if err != nil {
			panic(err) // a test's mistake
		}
		ups[i] = &groupUpdate{ctx: context.Background(), id: j.ID, args: args, done: make(chan struct{})}
	}
	claims := make([]*groupClaim, len(workers))
	for i, w := range workers {
		claims[i] = &groupClaim{worker: w, lease: lease, done: make(chan struct{})}
	}
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		jobs := make([]*asyncjob.Job, len(claims))
		for i, c := range claims {
			select {
			case <-c.done:
				jobs[i] = c.job
			case <-time.After(time.Minute):
			}
		}
		claimed <- jobs
	}()
	byID := map[*groupUpdate]int{}
	for i, r := range ups {
		byID[r] = i
	}
	s.runCycle(append([]*groupUpdate(nil), ups...), claims)
	<-delivered
	for r, i := range byID {
		errs[i], versions[i] = r.err, r.version
	}
	return errs, versions
}
