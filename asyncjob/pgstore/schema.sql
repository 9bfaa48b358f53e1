-- Schema of asyncjob/pgstore, version 1. Migrate runs this file with
-- "asyncjob" replaced by the quoted Options.Schema; teams with their own
-- migration tool may run it as is (for the default schema) or with the name
-- replaced. Every statement is idempotent.

CREATE SCHEMA IF NOT EXISTS "asyncjob";

CREATE TABLE IF NOT EXISTS "asyncjob".jobs (
    id          text        PRIMARY KEY,
    -- Submission order of the queue.
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    kind        text        NOT NULL,
    owner       text        NOT NULL DEFAULT '',
    -- NULL when the submission had no Idempotency-Key.
    idem_key    text,
    fingerprint text        NOT NULL DEFAULT '',
    payload     bytea       NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    state       text        NOT NULL CHECK (state IN ('accepted', 'processing', 'completed', 'failed', 'canceled')),
    version     bigint      NOT NULL,
    attempt     integer     NOT NULL DEFAULT 0,
    started_at  timestamptz,
    -- NULL while the job is live; the sweeper deletes the row after it.
    expires_at  timestamptz,
    lease_owner text        NOT NULL DEFAULT '',
    lease_until timestamptz,
    -- The rest of the record (progress, message, result, error, delivery,
    -- callback, estimate, timeout), as the JSON of the fields of
    -- asyncjob.Job. json, not jsonb: a result value keeps its exact bytes.
    data        json        NOT NULL,
    -- The webhook outbox: the job's Delivery, NULL state when it has none.
    -- The columns are what ClaimDelivery queries; delivery holds the rest
    -- (attempts, last status and error, finish time) as JSON.
    delivery_id          text,
    delivery_state       text CHECK (delivery_state IN ('pending', 'delivered', 'failed')),
    delivery_due         timestamptz,
    delivery_lease_owner text        NOT NULL DEFAULT '',
    delivery_lease_until timestamptz,
    delivery             json
);

-- Dequeue, first choice: the oldest waiting job. Small: only accepted rows.
CREATE INDEX IF NOT EXISTS jobs_queue ON "asyncjob".jobs (seq) WHERE state = 'accepted';
-- Dequeue, second choice: a processing job whose lease ended.
CREATE INDEX IF NOT EXISTS jobs_lease ON "asyncjob".jobs (lease_until) WHERE state = 'processing';
-- ClaimDelivery: pending deliveries by due time.
CREATE INDEX IF NOT EXISTS jobs_delivery ON "asyncjob".jobs (delivery_due) WHERE delivery_state = 'pending';
-- Retention sweeps.
CREATE INDEX IF NOT EXISTS jobs_expiry ON "asyncjob".jobs (expires_at) WHERE expires_at IS NOT NULL;
-- One job per (owner, key): racing submissions insert one row. A row whose
-- expires_at has passed still holds its key until Create (or the sweeper)
-- deletes it, which Create does before it claims the key again.
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON "asyncjob".jobs (owner, idem_key) WHERE idem_key IS NOT NULL;
