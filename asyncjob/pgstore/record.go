package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/httpsem/httpsem/asyncjob"
)

// encodeData returns the JSON of the fields of j that have no column.
// Encoding the whole Job with the column fields cleared keeps every field
// asyncjob adds later without a schema change.
func encodeData(j *asyncjob.Job) ([]byte, error) {
	c := *j
	c.ID, c.Kind, c.Owner, c.IdempotencyKey, c.Fingerprint, c.Payload = "", "", "", "", "", nil
	c.State, c.Version, c.Attempt = "", 0, 0
	c.CreatedAt, c.StartedAt, c.ExpiresAt, c.LeaseUntil = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	c.LeaseOwner = ""
	return json.Marshal(&c)
}

// ts is a nullable timestamptz argument: the zero time is NULL.
func ts(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// payloadArg keeps an empty payload a non-NULL bytea.
func payloadArg(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

// scanJob reads one row of cols (and ignores extra columns after them).
func (s *Store) scanJob(row pgx.Row, extra ...any) (*asyncjob.Job, error) {
	var (
		j                            asyncjob.Job
		state                        string
		version                      int64
		started, expires, leaseUntil pgtype.Timestamptz
		data                         []byte
	)
	dest := append([]any{&j.ID, &j.Kind, &j.Owner, &j.IdempotencyKey, &j.Fingerprint, &j.Payload, &j.CreatedAt,
		&state, &version, &j.Attempt, &started, &expires, &j.LeaseOwner, &leaseUntil, &data}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var d asyncjob.Job
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("pgstore: decode job %s: %w", j.ID, err)
	}
	if len(j.Payload) == 0 {
		j.Payload = nil
	}
	d.ID, d.Kind, d.Owner, d.IdempotencyKey, d.Fingerprint, d.Payload = j.ID, j.Kind, j.Owner, j.IdempotencyKey, j.Fingerprint, j.Payload
	d.CreatedAt, d.Attempt, d.LeaseOwner = j.CreatedAt, j.Attempt, j.LeaseOwner
	d.State, d.Version = asyncjob.State(state), uint64(version)
	d.StartedAt, d.ExpiresAt, d.LeaseUntil = started.Time, expires.Time, leaseUntil.Time
	return &d, nil
}
