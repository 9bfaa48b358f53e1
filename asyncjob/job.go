package asyncjob

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// Job is the stored record of one job. A [Store] persists every field; the
// HTTP status body shows a subset (see [Manager.StatusHandler]).
//
// Jobs returned by a Store or the Manager are copies; the slices and pointers
// they hold are never modified in place, so a copy may be read without locks
// but must not be mutated by callers.
type Job struct {
	// ID is 128 random bits, base64url without padding (22 characters).
	ID string `json:"id"`
	// Kind names the [Kind] that runs the job.
	Kind string `json:"kind"`
	// Payload is the input handed to the Kind, as decoded at submission.
	// It may be any bytes (base64 in the JSON form of the record).
	Payload []byte `json:"payload,omitempty"`
	// Owner is the value of Options.OwnerFunc at submission ("" without one).
	Owner string `json:"owner,omitempty"`
	// State is the lifecycle state.
	State State `json:"state"`
	// Version increases by one with every stored change (not lease renewals).
	// It is the compare-and-set token of [Store.Update], the event id of the
	// change feed and the source of the status ETag.
	Version uint64 `json:"version"`
	// Progress is 0–100; Message an optional note from the job function.
	Progress int    `json:"progress"`
	Message  string `json:"message,omitempty"`
	// Attempt counts how often a worker started the job (1 on the first run;
	// more after a takeover of an expired lease).
	Attempt int `json:"attempt"`

	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// EstimatedAt is the expected completion time, from the submitter's hint
	// or the Manager's running average for the kind; zero when unknown.
	EstimatedAt time.Time `json:"estimated_at,omitzero"`
	// ExpiresAt is when the store forgets the job and releases its
	// idempotency key; zero while the job is not finished.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Timeout bounds one run of the job function; zero means the Manager's
	// default.
	Timeout time.Duration `json:"timeout,omitempty"`

	// IdempotencyKey is the client's Idempotency-Key, scoped to Owner;
	// Fingerprint identifies the request that first used it.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Fingerprint    string `json:"fingerprint,omitempty"`

	// CallbackURL receives the terminal status (a signed webhook).
	CallbackURL string `json:"callback_url,omitempty"`
	// Delivery is the webhook's outbox record: nil while the job runs or
	// when it has no CallbackURL.
	Delivery *Delivery `json:"delivery,omitempty"`

	// Result is set when State is completed; Error when it is failed.
	Result *Result `json:"result,omitempty"`
	Error  *Error  `json:"error,omitempty"`

	// LeaseOwner and LeaseUntil say which worker runs the job and until when
	// its claim holds. Only [Store.Dequeue], [Store.Renew] and
	// [Store.Release] change them; [Store.Update] keeps the stored values.
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// Result is the outcome of a completed job: where the result lives (URL, the
// target of the status endpoint's 303 See Other), or a small JSON value
// embedded in the status body, or both.
type Result struct {
	URL   string          `json:"url,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// DeliveryState is the state of a job's webhook delivery, spelled as on the
// wire.
type DeliveryState string

// The delivery states. A delivery is pending from the terminal Update of its
// job until an attempt succeeds (delivered) or the retry schedule is
// exhausted or the receiver refuses it for good (failed); the last two are
// final.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// Delivery is the durable outbox record of a job's webhook: the Manager
// writes it, pending, in the same [Store.Update] that makes the job terminal,
// and any Manager sharing the store claims it when it is due
// ([Store.ClaimDelivery]), makes one attempt and records the outcome
// ([Store.RecordDelivery]). A waiting delivery costs this record, not a
// goroutine or a connection.
type Delivery struct {
	// ID is the webhook-id sent with every attempt, the same across
	// retries and instances so receivers can deduplicate (Standard
	// Webhooks). The Manager uses the job ID.
	ID string `json:"id"`
	// State is pending, delivered or failed.
	State DeliveryState `json:"state"`
	// Attempts counts the HTTP attempts made so far.
	Attempts int `json:"attempts"`
	// NextAttemptAt is when a pending delivery is due; zero once final.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// StatusCode is the status answered to the last attempt, 0 if none.
	StatusCode int `json:"status_code,omitempty"`
	// Error is a short, stable description of the last failure, safe to
	// show to the job's owner; empty after a success.
	Error string `json:"error,omitempty"`
	// FinishedAt is when the delivery became delivered or failed.
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// LeaseOwner and LeaseUntil say which Manager is attempting the
	// delivery and until when its claim holds. Only [Store.ClaimDelivery]
	// and [Store.RecordDelivery] change them.
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// Delivered reports whether the webhook reached its receiver.
func (d *Delivery) Delivered() bool { return d != nil && d.State == DeliveryDelivered }

// idLen is the length of an encoded 128-bit ID.
const idLen = 22

// NewID returns a new job ID: 128 bits from crypto/rand, base64url without
// padding, so it is URL-safe and unguessable.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidID reports whether s has the shape of an ID made by [NewID]. Handlers
// use it to answer 404 without a store round trip for junk paths.
func ValidID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
