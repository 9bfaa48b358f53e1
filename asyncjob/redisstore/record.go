package redisstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// A job is one Redis hash. The fields the Lua scripts read or change are
// kept apart from the JSON so that the scripts never parse JSON (Redis's
// cjson would round numbers in payloads and results):
//
//	i    JSON of the immutable fields, written once by Create
//	m    JSON of the other fields, replaced by Update
//	p    the payload bytes, verbatim (they need not be JSON)
//	st   state            v    Version          att  attempt
//	sa   start time, lu lease end, exp expiry: Unix nanoseconds or ""
//	lo   lease owner      ik   name of the idempotency key it holds (missing or "" without one)
//	di   webhook delivery ID, "" without a delivery
//	d    JSON of the delivery without its ID and lease
//	ds   delivery state   dn   next attempt time
//	dlo  delivery lease owner  dlu  delivery lease end
//	wt   "1" once a watcher read the record: changes are published from then on
//	     (set and read by the scripts only)
//
// A fresh job's record has no att, sa, lo and lu (Dequeue writes them): a
// missing field reads as "", as the empty ones earlier versions wrote, so
// records of either layout read the same to every version.
const (
	fImm     = "i"
	fMut     = "m"
	fPayload = "p"
	fState   = "st"
	fVersion = "v"
	fAttempt = "att"
	fStarted = "sa"
	fLeaseBy = "lo"
	fLeaseTo = "lu"
	fExpires = "exp"

	fDeliveryID = "di"
	fDelivery   = "d"
	fDeliveryBy = "dlo"
	fDeliveryTo = "dlu"
)

// immutable is the part of a Job that Store.Update never changes.
type immutable struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"`
	Owner          string    `json:"owner,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	Fingerprint    string    `json:"fingerprint,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// emptyMutable is field m of a job with no mutable field set.
const emptyMutable = "{}"

// mutable is the part of a Job kept in field m.
type mutable struct {
	Progress    int              `json:"progress,omitempty"`
	Message     string           `json:"message,omitempty"`
	FinishedAt  time.Time        `json:"finished_at,omitzero"`
	EstimatedAt time.Time        `json:"estimated_at,omitzero"`
	Timeout     time.Duration    `json:"timeout,omitempty"`
	CallbackURL string           `json:"callback_url,omitempty"`
	Result      *asyncjob.Result `json:"result,omitempty"`
	Error       *asyncjob.Error  `json:"error,omitempty"`
}

func encodeImmutable(j *asyncjob.Job) (string, error) {
	if s, ok := appendImmutable(make([]byte, 0, 128), j); ok {
		return s, nil
	}
	b, err := json.Marshal(immutable{
		ID: j.ID, Kind: j.Kind, Owner: j.Owner, IdempotencyKey: j.IdempotencyKey,
		Fingerprint: j.Fingerprint, CreatedAt: j.CreatedAt,
	})
	return string(b), err
}

// appendImmutable writes the JSON that json.Marshal makes of j's immutable
// part, byte for byte, without reflection, when every string is plain
// ASCII that JSON keeps verbatim and CreatedAt is one MarshalJSON accepts;
// else it reports false and json.Marshal decides. One runs per submission.
func appendImmutable(b []byte, j *asyncjob.Job) (string, bool) {
	if !plainTime(j.CreatedAt) {
		return "", false
	}
	for _, f := range []struct {
		name, v string
		omit    bool
	}{{`{"id":`, j.ID, false}, {`,"kind":`, j.Kind, false}, {`,"owner":`, j.Owner, true},
		{`,"idempotency_key":`, j.IdempotencyKey, true}, {`,"fingerprint":`, j.Fingerprint, true}} {
		if f.omit && f.v == "" {
			continue
		}
		if !plain(f.v) {
			return "", false
		}
		b = append(b, f.name...)
		b = appendString(b, f.v)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, j.CreatedAt)
	b = append(b, '}')
	return string(b), true
}

// plain reports whether JSON keeps s verbatim between its quotes, both
// ways: encoding/json escapes control characters, quotes, backslashes
// and (HTML-safe) <, > and &, and it rewrites invalid UTF-8.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// plainTime reports whether time.Time's MarshalJSON accepts t: a year
// within 0-9999 and a zone offset of whole minutes under a day.
func plainTime(t time.Time) bool {
	_, off := t.Zone()
	y := t.Year()
	return y >= 0 && y <= 9999 && off%60 == 0 && off > -24*3600 && off < 24*3600
}

// appendString appends the JSON string of s, which must be plain.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime appends what MarshalJSON makes of t, which must be plainTime.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// parseImmutable reads field i as appendImmutable writes it, the fields
// in its order and every string plain, into what json.Unmarshal would
// make of it; else it reports false and json.Unmarshal decides (a record
// json.Marshal wrote, or a corrupt one). One runs per claim.
func parseImmutable(s string) (immutable, bool) {
	var im immutable
	rest, ok := strings.CutPrefix(s, `{"id":`)
	if !ok {
		return im, false
	}
	if im.ID, rest, ok = cutString(rest); !ok {
		return im, false
	}
	if rest, ok = strings.CutPrefix(rest, `,"kind":`); !ok {
		return im, false
	}
	if im.Kind, rest, ok = cutString(rest); !ok {
		return im, false
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{`,"owner":`, &im.Owner}, {`,"idempotency_key":`, &im.IdempotencyKey}, {`,"fingerprint":`, &im.Fingerprint}} {
		if r, found := strings.CutPrefix(rest, f.name); found {
			if *f.dst, rest, ok = cutString(r); !ok || *f.dst == "" {
				// An empty string is omitted when written: not this layout.
				return im, false
			}
		}
	}
	if rest, ok = strings.CutPrefix(rest, `,"created_at":`); !ok {
		return im, false
	}
	ts, rest, ok := cutString(rest)
	if !ok || rest != "}" {
		return im, false
	}
	// UnmarshalJSON and Parse read a time the same way when it is the one
	// AppendFormat writes; they differ on some malformed ones, left to
	// json.Unmarshal.
	t, err := time.Parse(time.RFC3339Nano, ts)
	var buf [48]byte
	if err != nil || string(t.AppendFormat(buf[:0], time.RFC3339Nano)) != ts {
		return im, false
	}
	im.CreatedAt = t
	return im, true
}

// cutString reads a plain JSON string at the start of s and returns it and
// what follows.
func cutString(s string) (v, rest string, ok bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 || !plain(s[1:1+end]) {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}

// mutableValues returns the values Create and Update write besides state,
// Version, lease and expiry, in the order the scripts take them: fields m,
// p, att and sa. (The scripts name the fields themselves: every argument
// costs Redis a Lua string and a table slot on every call.)
func mutableValues(j *asyncjob.Job) (mut, payload, attempt, started string, err error) {
	mu := mutable{
		Progress: j.Progress, Message: j.Message, FinishedAt: j.FinishedAt,
		EstimatedAt: j.EstimatedAt, Timeout: j.Timeout, CallbackURL: j.CallbackURL,
		Result: j.Result, Error: j.Error,
	}
	mut = emptyMutable // every field is omitted when zero: what json.Marshal makes of a fresh job's
	if mu != (mutable{}) {
		var ok bool
		if mut, ok = appendMutable(make([]byte, 0, 128), &mu); !ok {
			b, err := json.Marshal(mu)
			if err != nil {
				return "", "", "", "", err
			}
			mut = string(b)
		}
	}
	return mut, string(j.Payload), strconv.Itoa(j.Attempt), nanos(j.StartedAt), nil
}

// appendMutable writes the JSON that json.Marshal makes of mu, byte for
// byte, without reflection, when its strings are plain, its times ones
// MarshalJSON accepts and its result carries no value (a value is raw
// JSON that json.Marshal compacts and escapes); else it reports false and
// json.Marshal decides. One runs per outcome and per progress note.
func appendMutable(b []byte, mu *mutable) (string, bool) {
	sep := byte('{')
	name := func(n string) {
		b = append(b, sep, '"')
		b = append(b, n...)
		b = append(b, '"', ':')
		sep = ','
	}
	if mu.Progress != 0 {
		name("progress")
		b = strconv.AppendInt(b, int64(mu.Progress), 10)
	}
	if mu.Message != "" {
		if !plain(mu.Message) {
			return "", false
		}
		name("message")
		b = appendString(b, mu.Message)
	}
	for _, f := range []struct {
		name string
		v    time.Time
	}{{"finished_at", mu.FinishedAt}, {"estimated_at", mu.EstimatedAt}} {
		if !f.v.IsZero() {
			if !plainTime(f.v) {
				return "", false
			}
			name(f.name)
			b = appendTime(b, f.v)
		}
	}
	if mu.Timeout != 0 {
		name("timeout")
		b = strconv.AppendInt(b, int64(mu.Timeout), 10)
	}
	if mu.CallbackURL != "" {
		if !plain(mu.CallbackURL) {
			return "", false
		}
		name("callback_url")
		b = appendString(b, mu.CallbackURL)
	}
	if r := mu.Result; r != nil {
		if len(r.Value) != 0 || !plain(r.URL) {
			return "", false
		}
		name("result")
		if r.URL == "" {
			b = append(b, "{}"...)
		} else {
			b = append(b, `{"url":`...)
			b = appendString(b, r.URL)
			b = append(b, '}')
		}
	}
	if e := mu.Error; e != nil {
		if !plain(e.Code) || !plain(e.Message) {
			return "", false
		}
		name("error")
		b = append(b, `{"code":`...)
		b = appendString(b, e.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, e.Message)
		b = append(b, `,"retryable":`...)
		b = strconv.AppendBool(b, e.Retryable)
		b = append(b, '}')
	}
	if sep == '{' {
		return emptyMutable, true
	}
	b = append(b, '}')
	return string(b), true
}

// nanos renders t as Unix nanoseconds, "" for the zero time. Nanoseconds
// keep a time exact; the scripts compare them as doubles, which is exact to
// a fraction of a microsecond, far below any lease.
func nanos(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func parseNanos(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n).UTC(), nil
}

// raw is a record's fields as stored; a field the record lacks is "".
// Create writes neither attempt, start time nor lease (Dequeue does), so
// a record of an accepted job has no att, sa, lo and lu; earlier versions
// wrote them empty, which reads the same.
type raw struct {
	imm, mut, payload, state, version, attempt   string
	started, leaseBy, leaseTo, expires           string
	deliveryID, delivery, deliveryBy, deliveryTo string
}

// decode rebuilds a Job from its hash fields.
func decode(f map[string]string) (*asyncjob.Job, error) {
	return decodeRaw(&raw{
		imm: f[fImm], mut: f[fMut], payload: f[fPayload], state: f[fState], version: f[fVersion],
		attempt: f[fAttempt], started: f[fStarted], leaseBy: f[fLeaseBy], leaseTo: f[fLeaseTo],
		expires: f[fExpires], deliveryID: f[fDeliveryID], delivery: f[fDelivery],
		deliveryBy: f[fDeliveryBy], deliveryTo: f[fDeliveryTo],
	})
}

// decodeRaw rebuilds a Job from its fields.
func decodeRaw(f *raw) (*asyncjob.Job, error) {
	var (
		im  immutable
		mu  mutable
		ok  bool
		err error
	)
	if im, ok = parseImmutable(f.imm); !ok {
		if err = json.Unmarshal([]byte(f.imm), &im); err != nil {
			return nil, fmt.Errorf("redisstore: corrupt record: %w", err)
		}
	}
	// A fresh job's m (most claims read one) holds nothing to decode.
	if f.mut != emptyMutable {
		if err = json.Unmarshal([]byte(f.mut), &mu); err != nil {
			return nil, fmt.Errorf("redisstore: corrupt record %s: %w", im.ID, err)
		}
	}
	j := &asyncjob.Job{
		ID: im.ID, Kind: im.Kind, Owner: im.Owner, IdempotencyKey: im.IdempotencyKey,
		Fingerprint: im.Fingerprint, CreatedAt: im.CreatedAt,
		State:    asyncjob.State(f.state),
		Progress: mu.Progress, Message: mu.Message, FinishedAt: mu.FinishedAt,
		EstimatedAt: mu.EstimatedAt, Timeout: mu.Timeout, CallbackURL: mu.CallbackURL,
		Result: mu.Result, Error: mu.Error,
		LeaseOwner: f.leaseBy,
	}
	if f.payload != "" {
		j.Payload = []byte(f.payload)
	}
	if j.Version, err = strconv.ParseUint(f.version, 10, 64); err != nil {
		return nil, fmt.Errorf("redisstore: corrupt record %s: version: %w", im.ID, err)
	}
	if a := f.attempt; a != "" {
		if j.Attempt, err = strconv.Atoi(a); err != nil {
			return nil, fmt.Errorf("redisstore: corrupt record %s: attempt: %w", im.ID, err)
		}
	}
	for _, t := range []struct {
		dst *time.Time
		v   string
		f   string
	}{{&j.StartedAt, f.started, fStarted}, {&j.LeaseUntil, f.leaseTo, fLeaseTo}, {&j.ExpiresAt, f.expires, fExpires}} {
		if *t.dst, err = parseNanos(t.v); err != nil {
			return nil, fmt.Errorf("redisstore: corrupt record %s: %s: %w", im.ID, t.f, err)
		}
	}
	if j.Delivery, err = decodeDelivery(f); err != nil {
		return nil, fmt.Errorf("redisstore: corrupt record %s: delivery: %w", im.ID, err)
	}
	return j, nil
}

// deliveryArgs returns the delivery ID, JSON, state and next attempt time
// that update.lua and record_delivery.lua store; four empty strings without
// a delivery.
func deliveryArgs(d *asyncjob.Delivery) ([]any, error) {
	if d == nil || d.ID == "" {
		return []any{"", "", "", ""}, nil
	}
	c := *d
	c.ID, c.LeaseOwner, c.LeaseUntil = "", "", time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return []any{d.ID, string(b), string(d.State), nanos(d.NextAttemptAt)}, nil
}

func decodeDelivery(f *raw) (*asyncjob.Delivery, error) {
	id := f.deliveryID
	if id == "" {
		return nil, nil
	}
	var d asyncjob.Delivery
	if err := json.Unmarshal([]byte(f.delivery), &d); err != nil {
		return nil, err
	}
	d.ID, d.LeaseOwner = id, f.deliveryBy
	var err error
	if d.LeaseUntil, err = parseNanos(f.deliveryTo); err != nil {
		return nil, err
	}
	return &d, nil
}

// pairs turns a flat field/value reply (HGETALL inside a script) into a map.
func pairs(vals []any) map[string]string {
	m := make(map[string]string, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		k, _ := vals[i].(string)
		v, _ := vals[i+1].(string)
		m[k] = v
	}
	return m
}
