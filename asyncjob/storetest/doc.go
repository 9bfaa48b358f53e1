// Package storetest is the conformance suite for implementations of
// asyncjob.Store. Every store runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) asyncjob.Store { return newStoreForTest(t) })
//	}
//
// newStore must return an empty store, isolated from every other call (for
// a server-backed store: its own key prefix or database), and release it
// with t.Cleanup. The suite uses real time with short leases and expiries
// (tens of milliseconds), so it suits stores whose expiry the server
// enforces; it polls with deadlines and never sleeps to wait for state.
// Its tests run in parallel.
package storetest
