package asyncjob

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The status document is written by hand rather than with encoding/json:
// it is the body of every poll, and appending into a reused buffer keeps a
// poll at a few allocations.

// appendStatus appends the status document of j:
//
//	{"job_id","status","status_url","progress","message","attempt",
//	 "created_at","started_at","finished_at","estimated_completion",
//	 "result_url","result","error":{"code","message","retryable"},"callback"}
func (m *Manager) appendStatus(b []byte, j *Job) []byte {
	b = append(b, `{"job_id":`...)
	b = appendString(b, j.ID)
	b = append(b, `,"status":`...)
	b = appendString(b, string(j.State))
	b = append(b, `,"status_url":`...)
	b = appendString(b, m.opts.StatusURLFunc(j.ID))
	b = append(b, `,"progress":`...)
	b = strconv.AppendInt(b, int64(j.Progress), 10)
	if j.Message != "" {
		b = append(b, `,"message":`...)
		b = appendString(b, j.Message)
	}
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(j.Attempt), 10)
	b = appendTime(b, "created_at", j.CreatedAt)
	b = appendTime(b, "started_at", j.StartedAt)
	b = appendTime(b, "finished_at", j.FinishedAt)
	if !j.State.Terminal() {
		b = appendTime(b, "estimated_completion", j.EstimatedAt)
	}
	if r := j.Result; r != nil && j.State == StateCompleted {
		if r.URL != "" {
			b = append(b, `,"result_url":`...)
			b = appendString(b, r.URL)
		}
		if len(r.Value) > 0 {
			b = append(b, `,"result":`...)
			b = append(b, r.Value...)
		}
	}
	if e := j.Error; e != nil && j.State == StateFailed {
		b = append(b, `,"error":{"code":`...)
		b = appendString(b, e.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, e.Message)
		b = append(b, `,"retryable":`...)
		b = strconv.AppendBool(b, e.Retryable)
		b = append(b, '}')
	}
	if d := j.Delivery; d != nil {
		b = append(b, `,"callback":{"state":`...)
		b = appendString(b, string(d.State))
		b = append(b, `,"delivered":`...)
		b = strconv.AppendBool(b, d.Delivered())
		b = append(b, `,"attempts":`...)
		b = strconv.AppendInt(b, int64(d.Attempts), 10)
		if d.StatusCode != 0 {
			b = append(b, `,"status_code":`...)
			b = strconv.AppendInt(b, int64(d.StatusCode), 10)
		}
		if d.Error != "" {
			b = append(b, `,"error":`...)
			b = appendString(b, d.Error)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendAccepted appends the 202 Accepted document of j. It depends only
// on fields fixed at creation, so a retry with the same Idempotency-Key gets
// the same bytes.
func (m *Manager) appendAccepted(b []byte, j *Job) []byte {
	b = append(b, `{"job_id":`...)
	b = appendString(b, j.ID)
	b = append(b, `,"status":"accepted","status_url":`...)
	b = appendString(b, m.opts.StatusURLFunc(j.ID))
	b = appendTime(b, "estimated_completion", j.EstimatedAt)
	return append(b, '}')
}

func appendTime(b []byte, name string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (RFC 8259 §7), replacing invalid
// UTF-8 with U+FFFD as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
