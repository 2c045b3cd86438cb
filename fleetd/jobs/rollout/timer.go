package rollout

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// InProgressTimeout validates c and returns its in-progress timeout; 0
// when c is nil or sets none.
func InProgressTimeout(c *TimeoutConfig) (time.Duration, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	return compileTimeout(c), nil
}

func compileTimeout(c *TimeoutConfig) time.Duration {
	if c == nil || c.InProgressTimeoutInMinutes == nil {
		return 0
	}
	return time.Duration(*c.InProgressTimeoutInMinutes) * time.Minute
}

// StepTimeoutClear is the stepTimeoutInMinutes that cancels the step timer.
const StepTimeoutClear = -1

// ValidateStepTimeout checks a stepTimeoutInMinutes of
// StartNextPendingJobExecution or UpdateJobExecution: 1..10080, or -1.
func ValidateStepTimeout(minutes int64) error {
	if minutes == StepTimeoutClear || minutes >= 1 && minutes <= MaxTimeoutMinutes {
		return nil
	}
	return awserr.New(awserr.InvalidRequest,
		"stepTimeoutInMinutes must be between 1 and %d, or -1 to cancel the step timer, got %d", MaxTimeoutMinutes, minutes)
}

// Timer holds the two timers of one IN_PROGRESS execution (spec §2.7),
// to the millisecond. Its deadline is
//
//	min(startedAt + inProgressTimeout, lastStepSet + stepTimeout)
//
// over the timers that run. A new step value replaces the previous one, -1
// cancels it, and a step timer never reaches past the in-progress
// deadline: that is the min, not a clamp of the stored value, so clearing
// or replacing the step brings the in-progress deadline back.
type Timer struct {
	inProgress, step       int64 // deadlines, epoch ms
	hasInProgress, hasStep bool
}

// StartTimer returns the timers of an execution that moved to IN_PROGRESS
// at startedAt, in a job with the given in-progress timeout (0: none). A
// step timeout given with the same request is then set with SetStep at
// startedAt.
func StartTimer(startedAt time.Time, inProgress time.Duration) Timer {
	if inProgress <= 0 {
		return Timer{}
	}
	return Timer{inProgress: startedAt.Add(inProgress).UnixMilli(), hasInProgress: true}
}

// SetStep applies a stepTimeoutInMinutes sent at at: 1..10080 starts a
// step timer of that length from at, replacing any earlier one; -1
// cancels it. Anything else is an InvalidRequestException and changes
// nothing. An update that omits stepTimeoutInMinutes leaves the step timer
// as it is: do not call SetStep for it.
func (t *Timer) SetStep(at time.Time, minutes int64) error {
	if err := ValidateStepTimeout(minutes); err != nil {
		return err
	}
	if minutes == StepTimeoutClear {
		t.step, t.hasStep = 0, false
		return nil
	}
	t.step, t.hasStep = at.Add(time.Duration(minutes)*time.Minute).UnixMilli(), true
	return nil
}

// Deadline returns when the execution times out, if a timer runs.
func (t Timer) Deadline() (time.Time, bool) {
	switch {
	case t.hasInProgress && t.hasStep:
		return msTime(min(t.inProgress, t.step)), true
	case t.hasInProgress:
		return msTime(t.inProgress), true
	case t.hasStep:
		return msTime(t.step), true
	}
	return time.Time{}, false
}

// Expired reports whether the execution is TIMED_OUT at now: exactly at
// the deadline, not up to 60 s later as AWS may (DECISIONS.md).
func (t Timer) Expired(now time.Time) bool {
	d, ok := t.Deadline()
	return ok && !now.Before(d)
}

// ApproximateSecondsBeforeTimedOut returns the whole seconds left before
// the deadline at now (floored, never negative), as DescribeJobExecution
// reports it for a non-terminal execution; false when no timer runs.
func (t Timer) ApproximateSecondsBeforeTimedOut(now time.Time) (int64, bool) {
	d, ok := t.Deadline()
	if !ok {
		return 0, false
	}
	return max(0, (d.UnixMilli()-now.UnixMilli())/1000), true
}

// String prints the deadlines, for test failures and transcripts.
func (t Timer) String() string {
	s := "Timer{"
	if t.hasInProgress {
		s += "inProgress " + msTime(t.inProgress).Format(time.RFC3339Nano)
	}
	if t.hasStep {
		if t.hasInProgress {
			s += ", "
		}
		s += "step " + msTime(t.step).Format(time.RFC3339Nano)
	}
	return s + "}"
}

// TimerState is a Timer's persistent form: the deadlines that run, epoch
// ms, 0 for none.
type TimerState struct {
	InProgress int64 `json:"inProgress,omitempty"`
	Step       int64 `json:"step,omitempty"`
}

// State returns t's persistent form.
func (t Timer) State() TimerState {
	var s TimerState
	if t.hasInProgress {
		s.InProgress = t.inProgress
	}
	if t.hasStep {
		s.Step = t.step
	}
	return s
}

// RestoreTimer returns the Timer whose State was s.
func RestoreTimer(s TimerState) Timer {
	return Timer{inProgress: s.InProgress, step: s.Step, hasInProgress: s.InProgress != 0, hasStep: s.Step != 0}
}
