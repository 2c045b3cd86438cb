package rollout

// Retry is a validated jobExecutionsRetryConfig. The zero Retry (no
// configuration) retries nothing.
//
// Each criterion is a budget: FAILED covers FAILED outcomes, TIMED_OUT
// covers TIMED_OUT outcomes, and ALL is one budget shared by the failure
// types that have no criterion of their own (both, when it stands alone).
// An outcome is retried while its budget has retries left and the thing
// has had fewer than MaxRetries (10) retries in all ("up to 10 retries for
// both failure types combined"). REJECTED is never retried.
type Retry struct {
	// Retries allowed per criterion, plus one; 0 when the criterion is
	// absent. The offset makes the zero Retry mean "no configuration".
	failed, timedOut, all int
}

// NewRetry validates c and compiles it. A nil c retries nothing.
func NewRetry(c *JobExecutionsRetryConfig) (Retry, error) {
	if err := c.Validate(); err != nil {
		return Retry{}, err
	}
	return compileRetry(c), nil
}

func compileRetry(c *JobExecutionsRetryConfig) Retry {
	var r Retry
	if c == nil {
		return r
	}
	for _, cr := range c.CriteriaList {
		n := *cr.NumberOfRetries + 1
		switch cr.FailureType {
		case FailureTypeFailed:
			r.failed = n
		case FailureTypeTimedOut:
			r.timedOut = n
		case FailureTypeAll:
			r.all = n
		}
	}
	return r
}

// Attempt is one attempt of a job on a thing, with what the thing's
// earlier attempts leave for the retry rule: the retries already taken
// after FAILED and after TIMED_OUT outcomes. It summarizes the attempt
// history in two small counters, so the engine keeps no list.
//
// The first attempt is Attempt{ExecutionNumber: 1}. In a continuous job a
// thing that leaves the target group and joins again starts over from a
// zero count (spec §2.8); leaving cancels pending retries.
type Attempt struct {
	ExecutionNumber int64 `json:"executionNumber"`
	FailedRetries   int   `json:"failedRetries,omitempty"`
	TimedOutRetries int   `json:"timedOutRetries,omitempty"`
}

// RetryAttempt is the JobExecutionSummary.retryAttempt of this attempt:
// the retries that came before it, 0 for the first attempt.
func (a Attempt) RetryAttempt() int { return a.FailedRetries + a.TimedOutRetries }

// Next decides what follows attempt a ending with outcome. When the
// outcome is retried it returns the new attempt, to be QUEUED with the next
// executionNumber (spec §2.8 leaves the number undocumented; incrementing
// is FleetLab's choice), and true. Otherwise a was the last attempt: its
// outcome is final and now counts for abort.
func (r Retry) Next(a Attempt, outcome Status) (Attempt, bool) {
	if a.RetryAttempt() >= MaxRetries {
		return a, false
	}
	switch outcome {
	case StatusFailed:
		if r.left(a, FailureTypeFailed) > 0 {
			return Attempt{a.ExecutionNumber + 1, a.FailedRetries + 1, a.TimedOutRetries}, true
		}
	case StatusTimedOut:
		if r.left(a, FailureTypeTimedOut) > 0 {
			return Attempt{a.ExecutionNumber + 1, a.FailedRetries, a.TimedOutRetries + 1}, true
		}
	}
	return a, false
}

// Left returns how many more retries outcomes of failure type t (FAILED or
// TIMED_OUT) could get after attempt a, if every further attempt ended that
// way; the combined limit counts. It is 0 for any other t.
func (r Retry) Left(a Attempt, t FailureType) int {
	return max(0, min(r.left(a, t), MaxRetries-a.RetryAttempt()))
}

// left returns what remains of the budget that covers t.
func (r Retry) left(a Attempt, t FailureType) int {
	var own, used int
	switch t {
	case FailureTypeFailed:
		own, used = r.failed, a.FailedRetries
	case FailureTypeTimedOut:
		own, used = r.timedOut, a.TimedOutRetries
	default:
		return 0 // REJECTED, and ALL is not an outcome
	}
	if own > 0 {
		return own - 1 - used
	}
	if r.all == 0 {
		return 0
	}
	// ALL is shared by the types without a criterion of their own.
	shared := 0
	if r.failed == 0 {
		shared += a.FailedRetries
	}
	if r.timedOut == 0 {
		shared += a.TimedOutRetries
	}
	return r.all - 1 - shared
}
