package rollout

import "fmt"

// AbortReasonCode is the reasonCode a job canceled by its abortConfig
// carries (DECISIONS.md; AWS does not document its value).
const AbortReasonCode = "ABORT_CRITERIA_MET"

// Counts are a job's terminal executions by status: per thing, the latest
// execution, and only once it is final. A FAILED or TIMED_OUT attempt that
// is retried is not counted (its retry is QUEUED), so a retried execution
// counts for abort only when its last attempt ends.
type Counts struct {
	Succeeded, Failed, Rejected, TimedOut, Removed, Canceled int64
}

// Add adds delta to the count of status s; non-terminal statuses are
// ignored. A negative delta takes an execution back out (it was retried
// or deleted).
func (c *Counts) Add(s Status, delta int64) {
	switch s {
	case StatusSucceeded:
		c.Succeeded += delta
	case StatusFailed:
		c.Failed += delta
	case StatusRejected:
		c.Rejected += delta
	case StatusTimedOut:
		c.TimedOut += delta
	case StatusRemoved:
		c.Removed += delta
	case StatusCanceled:
		c.Canceled += delta
	}
}

// Completed returns the number of completed executions, the denominator of
// every abort criterion: all six terminal statuses, SUCCEEDED, FAILED,
// REJECTED, TIMED_OUT, REMOVED and CANCELED (DECISIONS.md: completed =
// terminal executions; spec §2.3 lists the same six as complete).
func (c Counts) Completed() int64 {
	return c.Succeeded + c.Failed + c.Rejected + c.TimedOut + c.Removed + c.Canceled
}

// Matching returns the completed executions a failure type counts: ALL is
// FAILED + REJECTED + TIMED_OUT.
func (c Counts) Matching(t FailureType) int64 {
	switch t {
	case FailureTypeFailed:
		return c.Failed
	case FailureTypeRejected:
		return c.Rejected
	case FailureTypeTimedOut:
		return c.TimedOut
	case FailureTypeAll:
		return c.Failed + c.Rejected + c.TimedOut
	}
	return 0
}

// Abort is a validated abortConfig. The zero Abort (no abortConfig) never
// fires.
type Abort struct {
	criteria []abortCriterion
}

type abortCriterion struct {
	failureType FailureType
	threshold   int64 // thresholdPercentage in hundredths of a percent: 20.15 → 2015
	min         int64 // minNumberOfExecutedThings
}

// NewAbort validates c and compiles it. A nil c never aborts.
func NewAbort(c *AbortConfig) (Abort, error) {
	if err := c.Validate(); err != nil {
		return Abort{}, err
	}
	return compileAbort(c), nil
}

func compileAbort(c *AbortConfig) Abort {
	if c == nil {
		return Abort{}
	}
	a := Abort{criteria: make([]abortCriterion, len(c.CriteriaList))}
	for i, cr := range c.CriteriaList {
		t, _ := scaled(*cr.ThresholdPercentage, 2)
		a.criteria[i] = abortCriterion{cr.FailureType, t, int64(*cr.MinNumberOfExecutedThings)}
	}
	return a
}

// Verdict says which criterion aborted a job, and on what counts.
type Verdict struct {
	Criterion                 int // index in abortConfig.criteriaList
	FailureType               FailureType
	ThresholdHundredths       int64 // thresholdPercentage × 100, exact
	MinNumberOfExecutedThings int64
	Matching, Completed       int64
}

// Evaluate returns the first criterion, in list order, that c meets: the
// one with completed ≥ minNumberOfExecutedThings and
// 100 × matching / completed ≥ thresholdPercentage. The comparison is
// exact (10000 × matching ≥ threshold in hundredths × completed), so 20 %
// of 100 fires at exactly the 20th failure and a threshold of 33.33 fires
// at 1 of 3.
//
// Call it after every terminal transition, with the counts after it; the
// first call that returns true is the completion that crossed the
// threshold. The caller then cancels the job with AbortReasonCode and
// Verdict.Comment, cancels the QUEUED executions (queued retries included)
// and stops the rollout; IN_PROGRESS executions run on.
func (a Abort) Evaluate(c Counts) (Verdict, bool) {
	completed := c.Completed()
	for i, cr := range a.criteria {
		if completed < cr.min {
			continue
		}
		m := c.Matching(cr.failureType)
		if 10000*m >= cr.threshold*completed {
			return Verdict{i, cr.failureType, cr.threshold, cr.min, m, completed}, true
		}
	}
	return Verdict{}, false
}

// Comment is the comment of the canceled job, naming the criterion:
//
//	Job aborted by abortConfig.criteriaList[0] (failureType ALL,
//	thresholdPercentage 20, minNumberOfExecutedThings 100): 20 of 100
//	completed executions (20%) were FAILED, REJECTED or TIMED_OUT.
//
// The percentage is floored to two decimals, so it never reads below the
// threshold it met.
func (v Verdict) Comment() string {
	what := string(v.FailureType)
	if v.FailureType == FailureTypeAll {
		what = "FAILED, REJECTED or TIMED_OUT"
	}
	var pct int64
	if v.Completed > 0 {
		pct = 10000 * v.Matching / v.Completed
	}
	return fmt.Sprintf("Job aborted by abortConfig.criteriaList[%d] (failureType %s, thresholdPercentage %s, minNumberOfExecutedThings %d): %d of %d completed executions (%s%%) were %s.",
		v.Criterion, v.FailureType, formatScaled(v.ThresholdHundredths, 2), v.MinNumberOfExecutedThings,
		v.Matching, v.Completed, formatScaled(pct, 2), what)
}
