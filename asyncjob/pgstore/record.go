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
	c.LeaseOwner, c.Delivery = "", nil
	return json.Marshal(&c)
}

// deliveryArgs are the delivery columns of d: id, state, due, and the JSON
// of the fields without a column. A nil d is all NULL.
type deliveryArgs struct {
	id, state *string
	due       pgtype.Timestamptz
	data      []byte
}

func encodeDelivery(d *asyncjob.Delivery) (deliveryArgs, error) {
	if d == nil {
		return deliveryArgs{}, nil
	}
	c := *d
	id, state := c.ID, string(c.State)
	a := deliveryArgs{id: &id, state: &state, due: ts(c.NextAttemptAt)}
	c.ID, c.State, c.NextAttemptAt, c.LeaseOwner, c.LeaseUntil = "", "", time.Time{}, "", time.Time{}
	var err error
	a.data, err = json.Marshal(&c)
	return a, err
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
		dID, dState                  pgtype.Text
		dDue, dLeaseUntil            pgtype.Timestamptz
		dLeaseOwner                  string
		dData                        []byte
	)
	dest := append([]any{&j.ID, &j.Kind, &j.Owner, &j.IdempotencyKey, &j.Fingerprint, &j.Payload, &j.CreatedAt,
		&state, &version, &j.Attempt, &started, &expires, &j.LeaseOwner, &leaseUntil, &data,
		&dID, &dState, &dDue, &dLeaseOwner, &dLeaseUntil, &dData}, extra...)
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
	d.Delivery = nil
	if dState.Valid {
		var del asyncjob.Delivery
		if len(dData) > 0 {
			if err := json.Unmarshal(dData, &del); err != nil {
				return nil, fmt.Errorf("pgstore: decode delivery of job %s: %w", j.ID, err)
			}
		}
		del.ID, del.State, del.NextAttemptAt = dID.String, asyncjob.DeliveryState(dState.String), dDue.Time
		del.LeaseOwner, del.LeaseUntil = dLeaseOwner, dLeaseUntil.Time
		d.Delivery = &del
	}
	return &d, nil
}
