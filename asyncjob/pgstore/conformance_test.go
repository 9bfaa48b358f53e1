package pgstore_test

import (
	"testing"

	"github.com/httpsem/httpsem/asyncjob"
	"github.com/httpsem/httpsem/asyncjob/pgstore"
	"github.com/httpsem/httpsem/asyncjob/storetest"
)

// TestConformance runs the asyncjob.Store contract suite, each case on a
// store of its own schema in one database of this test.
func TestConformance(t *testing.T) {
	t.Parallel()
	pool := newPool(t, newDatabase(t))
	storetest.Run(t, func(t *testing.T) asyncjob.Store {
		return newStore(t, pool, pgstore.Options{Schema: schemaName()})
	})
}
