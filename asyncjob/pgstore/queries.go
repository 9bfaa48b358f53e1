package pgstore

import (
	"fmt"
	"strings"
)

// queries holds the store's statements, with the table name filled in once
// by New. pgx prepares each on first use per connection, so every call
// after that is one round trip.
type queries struct {
	insert, holder, deleteExpired, whyNot string
	get, exists, update                   string
	dequeue, renew, release               string
	dequeueGroup                          string
	lockTimeout                           string // SET LOCAL: cycleLockTimeout (group.go)
	sweep                                 string
	claimDelivery, recordDelivery         string
	// CreateBatch's: the insert, and what tells why it inserted nothing.
	insertBatch, holders, deleteExpiredAny, whyNotBatch string
	// The variants that notify in the statement itself, for a caller's
	// transaction: PostgreSQL delivers them at its commit.
	insertTx, updateTx, insertBatchTx string
}

// cols is the column list scanned by scanJob, in its order.
const cols = `id, kind, owner, coalesce(idem_key, ''), fingerprint, payload, created_at, state, version, attempt, started_at, expires_at, lease_owner, lease_until, data,
    delivery_id, delivery_state, delivery_due, delivery_lease_owner, delivery_lease_until, delivery`

// liveAt filters out expired rows: $N is the caller's now.
func liveAt(n string) string { return `(expires_at IS NULL OR expires_at > ` + n + `)` }

// Statements on the pool do not NOTIFY themselves: a transaction that
// notifies holds a cluster-wide lock from its commit until the commit's WAL
// flush, which serialises all such commits (pgbench here: 585 inserts/s,
// 315/s with NOTIFY). The store sends their notifications after the commit
// through its notifier connection instead; the unused channel parameter
// is returned as text so both variants take the same arguments. Claims,
// whose commits wait for their flush like every other write, are no
// exception.
func newQueries(table string) queries {
	r := strings.NewReplacer("{t}", table, "{cols}", cols)
	q := newQueriesWith(r, func(ch, payload string) string { return ch + `::text` })
	tx := newQueriesWith(r, func(ch, payload string) string { return `pg_notify(` + ch + `, ` + payload + `)::text` })
	q.insertTx, q.updateTx, q.insertBatchTx = tx.insert, tx.update, tx.insertBatch
	q.lockTimeout = fmt.Sprintf("SET LOCAL lock_timeout = %d", cycleLockTimeout.Milliseconds())
	return q
}

func newQueriesWith(r *strings.Replacer, notify func(ch, payload string) string) queries {
	return queries{
		// Inserted only when the queue bound allows it; ON CONFLICT covers
		// both the primary key and the idempotency index. The count stops
		// at the bound, so it costs at most maxQueued index entries.
		insert: r.Replace(`INSERT INTO {t} (id, kind, owner, idem_key, fingerprint, payload, created_at, state, version, attempt, started_at, expires_at, data)
SELECT $1, $2, $3, $4, $5, $6, $7, 'accepted', 1, $8, $9, $10, $11
WHERE $12::int <= 0 OR (SELECT count(*) FROM (SELECT 1 FROM {t} WHERE state = 'accepted' LIMIT $12::int) q) < $12::int
ON CONFLICT DO NOTHING
RETURNING seq, ` + notify("$13", "'w'")),
		// A batch as one statement, so one commit: the rows come as arrays
		// (one element per job) and are inserted in batch order, which is
		// seq order, so the queue's. No ON CONFLICT: a key or ID taken
		// (also by a transaction that commits while this one waits for
		// it) fails the whole statement, and the queue bound inserts
		// all the rows or none, so the batch is never half stored.
		insertBatch: r.Replace(`WITH ins AS (
INSERT INTO {t} (id, kind, owner, idem_key, fingerprint, payload, created_at, state, version, attempt, started_at, expires_at, data)
SELECT b.id, b.kind, b.owner, b.idem_key, b.fingerprint, b.payload, b.created_at, 'accepted', 1, b.attempt, b.started_at, b.expires_at, b.data
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::timestamptz[], $8::int[], $9::timestamptz[], $10::timestamptz[], $11::json[])
    WITH ORDINALITY AS b(id, kind, owner, idem_key, fingerprint, payload, created_at, attempt, started_at, expires_at, data, ord)
WHERE $12::int <= 0 OR (SELECT count(*) FROM (SELECT 1 FROM {t} WHERE state = 'accepted' LIMIT $12::int) q) + cardinality($1::text[]) <= $12::int
ORDER BY b.ord
RETURNING ` + notify("$13", "'w'") + `)
SELECT count(*) FROM ins`),
		// The holders of a batch's keys, with the position (from 1) of the
		// job that asked for each.
		holders: r.Replace(`SELECT {cols}, b.ord FROM {t} JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS b(o, k, ord) ON owner = b.o AND idem_key = b.k
ORDER BY b.ord`),
		deleteExpiredAny: r.Replace(`DELETE FROM {t} WHERE id = ANY ($1::text[]) AND expires_at <= $2`),
		whyNotBatch: r.Replace(`SELECT (SELECT id FROM {t} WHERE id = ANY ($1::text[]) LIMIT 1),
       $2::int > 0 AND (SELECT count(*) FROM (SELECT 1 FROM {t} WHERE state = 'accepted' LIMIT $2::int) q) + cardinality($1::text[]) > $2::int`),
		holder:        r.Replace(`SELECT {cols} FROM {t} WHERE owner = $1 AND idem_key = $2`),
		deleteExpired: r.Replace(`DELETE FROM {t} WHERE id = $1 AND expires_at <= $2`),
		whyNot: r.Replace(`SELECT EXISTS (SELECT 1 FROM {t} WHERE id = $1),
       $2::int > 0 AND (SELECT count(*) FROM (SELECT 1 FROM {t} WHERE state = 'accepted' LIMIT $2::int) q) >= $2::int`),
		get:    r.Replace(`SELECT {cols} FROM {t} WHERE id = $1 AND ` + liveAt("$2")),
		exists: r.Replace(`SELECT EXISTS (SELECT 1 FROM {t} WHERE id = $1 AND ` + liveAt("$2") + `)`),
		// SET sees the stored row: a delivery is stored only when there is
		// none yet, so a job update never undoes a delivery's progress.
		update: r.Replace(`UPDATE {t} SET state = $3, version = version + 1, attempt = $4, started_at = $5, expires_at = $6, data = $7,
    lease_owner = CASE WHEN $8 THEN '' ELSE lease_owner END,
    lease_until = CASE WHEN $8 THEN NULL ELSE lease_until END,
    delivery_id    = CASE WHEN delivery_state IS NULL THEN $12 ELSE delivery_id END,
    delivery_due   = CASE WHEN delivery_state IS NULL THEN $14 ELSE delivery_due END,
    delivery       = CASE WHEN delivery_state IS NULL THEN $15 ELSE delivery END,
    delivery_state = CASE WHEN delivery_state IS NULL THEN $13 ELSE delivery_state END
WHERE id = $1 AND version = $2 AND state = ANY ($9) AND ` + liveAt("$10") + `
RETURNING version, ` + notify("$11", "version::text || ' ' || id")),
		// The oldest waiting job, else the processing job whose lease ended
		// first. Each candidate is locked with SKIP LOCKED, so concurrent
		// workers pass over rows another one is claiming instead of
		// queueing behind it, and the UPDATE claims the row it locked.
		dequeue: r.Replace(`UPDATE {t} SET state = 'processing', attempt = attempt + 1, started_at = coalesce(started_at, $2),
    lease_owner = $1, lease_until = $3, version = version + 1
WHERE id = coalesce(
    (SELECT id FROM {t} WHERE state = 'accepted' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED),
    (SELECT id FROM {t} WHERE state = 'processing' AND lease_until <= $2 ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED))
RETURNING {cols}, ` + notify("$4", "version::text || ' ' || id")),
		// dequeue for several workers at once (group.go): the k oldest
		// waiting jobs, then the processing jobs whose lease ended first,
		// claimed for the k workers in order. The CTEs' columns have names
		// of their own, so that {cols} names only the table's.
		dequeueGroup: r.Replace(`WITH w AS (SELECT * FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS w(wowner, wlease, word)),
qa AS (SELECT id AS cid, 0 AS cpri, seq::float8 AS ckey FROM {t} WHERE state = 'accepted'
    ORDER BY seq LIMIT cardinality($1::text[]) FOR UPDATE SKIP LOCKED),
qe AS (SELECT id AS cid, 1 AS cpri, extract(epoch FROM lease_until)::float8 AS ckey FROM {t} WHERE state = 'processing' AND lease_until <= $3
    ORDER BY lease_until LIMIT cardinality($1::text[]) FOR UPDATE SKIP LOCKED),
c AS (SELECT cid, row_number() OVER (ORDER BY cpri, ckey) AS cord FROM (SELECT * FROM qa UNION ALL SELECT * FROM qe) q)
UPDATE {t} SET state = 'processing', attempt = attempt + 1, started_at = coalesce(started_at, $3),
    lease_owner = w.wowner, lease_until = w.wlease, version = version + 1
FROM c JOIN w ON w.word = c.cord
WHERE id = c.cid
RETURNING {cols}, w.word, ` + notify("$4", "version::text || ' ' || id")),
		renew: r.Replace(`UPDATE {t} SET lease_until = $4
WHERE id = $1 AND state = 'processing' AND lease_owner = $2 AND ` + liveAt("$3")),
		release: r.Replace(`UPDATE {t} SET lease_until = $3
WHERE id = $1 AND state = 'processing' AND lease_owner = $2 AND ` + liveAt("$3") + `
RETURNING ` + notify("$4", "'w'")),
		// The due delivery with the earliest due time whose lease is free;
		// claiming changes neither the Version nor the feed.
		claimDelivery: r.Replace(`UPDATE {t} SET delivery_lease_owner = $1, delivery_lease_until = $3
WHERE id = (SELECT id FROM {t}
    WHERE delivery_state = 'pending' AND delivery_due <= $2
      AND (delivery_lease_owner = '' OR delivery_lease_until IS NULL OR delivery_lease_until <= $2) AND ` + liveAt("$2") + `
    ORDER BY delivery_due LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING {cols}`),
		recordDelivery: r.Replace(`UPDATE {t} SET delivery_state = $3, delivery_due = $4, delivery = $5,
    delivery_lease_owner = '', delivery_lease_until = NULL, version = version + 1
WHERE id = $1 AND delivery_state IS NOT NULL AND $2 <> '' AND delivery_lease_owner = $2 AND ` + liveAt("$6") + `
RETURNING version, ` + notify("$7", "version::text || ' ' || id")),
		// One bounded batch: SKIP LOCKED leaves rows a writer holds to the
		// next sweep rather than waiting for it.
		sweep: r.Replace(`DELETE FROM {t} WHERE id IN (
    SELECT id FROM {t} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`),
	}
}
