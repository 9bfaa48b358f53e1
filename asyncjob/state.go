package asyncjob

// State is the lifecycle state of a job, spelled as on the wire.
//
// A job moves accepted → processing → completed | failed | canceled; it may
// also go from accepted straight to canceled (or failed, when it cannot be
// started). A processing job whose lease expires stays processing while
// another worker takes it over. The last three states are terminal: once a job
// reaches one, its state never changes again.
type State string

// The job states.
const (
	StateAccepted   State = "accepted"
	StateProcessing State = "processing"
	StateCompleted  State = "completed"
	StateFailed     State = "failed"
	StateCanceled   State = "canceled"
)

// Terminal reports whether s is completed, failed or canceled.
func (s State) Terminal() bool {
	return s == StateCompleted || s == StateFailed || s == StateCanceled
}

// Valid reports whether s is one of the five job states.
func (s State) Valid() bool {
	switch s {
	case StateAccepted, StateProcessing, StateCompleted, StateFailed, StateCanceled:
		return true
	}
	return false
}

// CanTransition reports whether a job may move from state from to state to.
// Staying in a state is allowed (progress reports, takeovers, the record of
// a webhook delivery); a terminal state never changes into another.
func CanTransition(from, to State) bool {
	if from == to {
		return from.Valid()
	}
	switch from {
	case StateAccepted:
		return to == StateProcessing || to == StateCanceled || to == StateFailed
	case StateProcessing:
		return to.Terminal()
	}
	return false
}
