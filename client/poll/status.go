package poll

import (
	"encoding/json"
	"time"

	"github.com/httpsem/httpsem/asyncjob"
)

// Status is a job's status document as asyncjob serves it (the body of the
// status URL, of the 202 Accepted answer and of each event record). Members
// a server leaves out keep their zero value.
type Status struct {
	JobID     string         `json:"job_id"`
	State     asyncjob.State `json:"status"`
	StatusURL string         `json:"status_url"`
	// Progress is 0–100; Message an optional note from the job.
	Progress int    `json:"progress"`
	Message  string `json:"message"`
	Attempt  int    `json:"attempt"`

	CreatedAt           time.Time `json:"created_at"`
	StartedAt           time.Time `json:"started_at"`
	FinishedAt          time.Time `json:"finished_at"`
	EstimatedCompletion time.Time `json:"estimated_completion"`

	// ResultURL and Result describe a completed job's result: where it
	// lives, or its value embedded.
	ResultURL string          `json:"result_url"`
	Result    json.RawMessage `json:"result"`
	// Error is a failed job's failure: code, message, retryable.
	Error *asyncjob.Error `json:"error"`
}

// Terminal reports whether the status is completed, failed or canceled.
func (s Status) Terminal() bool { return s.State.Terminal() }
