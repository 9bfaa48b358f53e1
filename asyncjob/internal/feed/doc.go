// Package feed is the in-process half of a shared store's change feed,
// the part that does not depend on the backend: the registry of watchers
// that a store's one subscription (Redis Pub/Sub, PostgreSQL LISTEN) fans
// out to, the work token that wakes one waiting Dequeue, and the idle wait
// of a Dequeue loop.
//
// A feed message is "w" (work is available) or "<version> <id>" (the
// record id reached that version). A message only makes a watcher read the
// record again: the record, never the message, is what a watcher sends,
// because the transports deliver at most once and a lost or reordered
// message must delay a watcher, never show it something false. After a
// reconnection the store calls [Hub.Resync], since anything sent while it
// was away is lost, and every watcher re-reads its record on its own every
// Options.Interval in any case.
//
// Every goroutine the package starts belongs to a [Hub], and [Hub.Close]
// stops them and waits for them.
package feed
