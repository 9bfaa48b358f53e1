package asyncjob_test

import (
	"testing"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) asyncjob.Store {
		// A short poll interval lets blocked Dequeues notice expired
		// leases quickly.
		return asyncjob.NewMemStore(asyncjob.MemStoreOptions{PollInterval: 10 * time.Millisecond})
	})
}
