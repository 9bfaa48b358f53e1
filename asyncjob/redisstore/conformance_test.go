package redisstore_test

import (
	"testing"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/redisstore"
	"github.com/httpsem/httpsem/asyncjob/storetest"
)

// TestConformance runs the asyncjob.Store contract suite, each case on a
// store of its own prefix.
func TestConformance(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	storetest.Run(t, func(t *testing.T) asyncjob.Store {
		return newStore(t, c, redisstore.Options{})
	})
}
