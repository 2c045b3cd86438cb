// Package rollout is the arithmetic of AWS IoT Jobs: when a rollout
// releases each execution, when abort criteria fire, when an execution
// times out and whether a failed one is retried. It also owns the CreateJob
// configuration shapes behind that arithmetic and their validation.
//
// It is pure: no I/O, no goroutines, no wall clock, no global randomness.
// Every time is an argument and everything is computed to the millisecond,
// so the tests assert exact release times and the exact completion at which
// an abort fires (spec §2.5–2.8, DECISIONS.md "Jobs"). The jobs engine
// stands on it and owns the rest: the execution state machine, counters,
// notifications, scheduling windows, continuous jobs, persistence.
//
// # Configuration
//
// JobExecutionsRolloutConfig, ExponentialRolloutRate, RateIncreaseCriteria,
// AbortConfig, AbortCriteria, TimeoutConfig, JobExecutionsRetryConfig and
// RetryCriteria carry AWS's JSON member names; Config groups the four
// top-level members so that a CreateJob request struct that embeds it
// decodes them from the body. Numbers are pointers, so an absent member is
// told from a zero.
//
// Config.Validate (and each shape's Validate) reports every problem at
// once as one *awserr.Error, code InvalidRequestException, status 400, the
// problems in field order joined by "; ", each naming the member's path:
//
//	jobExecutionsRolloutConfig.exponentialRate.incrementFactor must be between 1.1 and 5.0, got 7
//	abortConfig.criteriaList[1].failureType must be one of FAILED, REJECTED, TIMED_OUT, ALL, got "SUCCEEDED"
//
// The ranges are AWS's: maximumPerMinute 1..1000 (the documented range;
// the model states only the minimum), baseRatePerMinute 1..1000,
// incrementFactor 1.1..5.0 with at most one decimal, rateIncreaseCriteria
// with at least one of its members, each ≥ 1; criteriaList of abortConfig
// non-empty, action CANCEL, thresholdPercentage 0..100 with at most two
// decimals, minNumberOfExecutedThings ≥ 1; inProgressTimeoutInMinutes
// 1..10080; 1 or 2 retry criteria, failureType FAILED, TIMED_OUT or ALL,
// numberOfRetries 0..10. Members the model types as int32 without a
// maximum are bounded by 2147483647. Decimals are counted on the shortest
// spelling of the float (what the JSON literal said), so 20.15 is accepted
// and becomes exactly 2015 hundredths, never 2014.9999999999998.
//
// Compile validates a Config and returns its Plan: a Rate, an Abort, the
// in-progress timeout and a Retry. Absent members are AWS's defaults: 1000
// releases a minute, no abort, no in-progress timer, no retries. NewRate,
// NewAbort, InProgressTimeout and NewRetry do the same for one shape.
//
// # Rollout rate
//
// A constant rate releases maximumPerMinute (default 1000) executions a
// minute. An exponential rate runs step k at
//
//	rate_k = min(floor(base × factor^k), maximumPerMinute if set, 1000)
//
// (DECISIONS.md). The power is computed exactly in integers and floored
// once: base 3 and factor 1.5 give 3, 4, 6, 10, 15, 22, never a value
// float error or step-by-step flooring would give. Step k ends when
// notified ≥ (k+1) × numberOfNotifiedThings or succeeded ≥ (k+1) ×
// numberOfSucceededThings, whichever criterion is present (both OR-ed),
// so the thresholds are cumulative: with base 50, factor 2 and 1000 of
// each, 50/min until the 1000th, 100/min until the 2000th, then 200, 400.
// Rate.Step is the larger of the two quotients. The rate never falls: a
// counter that goes down does not undo a step.
//
// Limiter is the schedule. Releases within a minute are spread evenly, a
// token bucket with no burst: at rate r the releases sit on a grid
//
//	anchor + ⌈p × 60000 / r⌉ ms,  p = 0, 1, 2, …
//
// so the i-th release of a minute is at minuteStart + i × 60 s / r, a
// fractional millisecond rounded up (a release never precedes its token;
// 7/min gives 0, 8572, 17143, … and 60000 exactly). The first release is at
// the start. When a step ends, at the release or success that crossed the
// threshold, the rate applies to the releases after that moment: the next
// release comes ⌈60000/r'⌉ after the last one (or at the old grid's next
// slot if that is earlier: a rise never delays), but not before the moment
// of the crossing, and the grid restarts there. Invariant, checked by a
// property test over random configurations and success timings: no
// 60-second window holds more releases than the rate in force at its end,
// and no release waits longer than its spacing.
//
// The caller drives it:
//
//	l := rollout.NewLimiter(plan.Rate, start, 0, 0)
//	next := l.Next(now)            // arm a timer, or jump a virtual clock
//	for at, ok := l.Take(now); ok; at, ok = l.Take(now) {
//		// create and notify one execution, queuedAt = at
//	}
//	l.SetSucceeded(t, succeededThings) // after each success, in time order
//
// Next(now) is the next release at or after now; Due(now) says how many
// Takes would succeed, following the steps the releases themselves cause
// (it cannot foresee successes). Take returns the slot's time, not now: a
// caller that ticks late releases the backlog at the times the schedule
// gave them, so a virtual clock and a late wall-clock timer produce the
// same schedule. The caller must report events in time order: Take what
// is due before a success it then reports. State and RestoreLimiter
// persist the schedule; a restored Limiter continues it exactly. A
// NewLimiter given nonzero counters starts in the step they imply.
//
// What counts is the engine's to feed. This package recommends: notified
// counts things released by the rollout (the targets resolved at creation;
// spec §2.5 says things joining a continuous job's groups later are not
// rate limited), and a retry re-queues without passing through the limiter
// and without counting again, since the criteria count things
// (numberOfNotifiedThings, numberOfSucceededThings) and a thing is
// notified once.
//
// # Abort
//
// Abort.Evaluate is called after every terminal transition with the job's
// Counts: per thing, its latest execution once it is final. Following
// DECISIONS.md, completed = terminal executions, all six terminal
// statuses: SUCCEEDED, FAILED, REJECTED, TIMED_OUT, REMOVED and CANCELED
// (spec §2.3 lists the same six as complete; so a canceled or removed
// execution dilutes the failure rate). A FAILED or TIMED_OUT attempt that
// is retried is not counted: it counts when its last attempt ends. For each
// criterion in list order, the job aborts when
//
//	completed ≥ minNumberOfExecutedThings  and  100 × matching / completed ≥ thresholdPercentage
//
// where matching counts the criterion's failureType (ALL = FAILED +
// REJECTED + TIMED_OUT). The denominator is completed executions, not
// targets or notified things (spec §2.6: the devguide's worked example
// over the API reference's wording). The comparison is in integers,
// 10000 × matching ≥ threshold-in-hundredths × completed, so there is no
// float error at the boundary: 29 of 50 meets 58 %. The first call that
// fires is the completion that crossed the threshold; it names the first
// criterion met. A threshold of 0 fires as soon as minNumberOfExecutedThings
// executions are complete.
//
// The engine then cancels the job with reasonCode AbortReasonCode
// ("ABORT_CRITERIA_MET", DECISIONS.md) and Verdict.Comment, which names the
// criterion and the counts; cancels QUEUED executions, queued retries
// included; stops the rollout; IN_PROGRESS executions run on.
//
// # Timeouts
//
// Timer holds one IN_PROGRESS execution's timers. StartTimer starts the
// in-progress timer (the job's timeoutConfig, 0 for none) when the
// execution enters IN_PROGRESS; SetStep applies a stepTimeoutInMinutes from
// StartNextPendingJobExecution or UpdateJobExecution: 1..10080 replaces the
// step timer from that moment, -1 cancels it (ValidateStepTimeout rejects
// anything else), and an update without it leaves the step timer alone.
// The deadline is
//
//	min(startedAt + inProgressTimeout, lastStepSet + stepTimeout)
//
// so a step timer never reaches past the in-progress deadline: in-progress
// 20 minutes from 12:00, a step of 7 at 12:05 times out at 12:12, 5 at
// 12:10 at 12:15, 9 at 12:13 at 12:20, not 12:22. Expired is true from the
// deadline itself: TIMED_OUT exactly then, not up to 60 s later as AWS may
// (DECISIONS.md). ApproximateSecondsBeforeTimedOut floors the seconds left
// and never goes below 0.
//
// # Retries
//
// Retry.Next decides what follows an attempt that ended with an outcome.
// FAILED and TIMED_OUT may be retried; REJECTED (and any other status)
// never is. Each criterion is a budget: FAILED's covers FAILED outcomes,
// TIMED_OUT's covers TIMED_OUT outcomes, and ALL is one budget shared by
// the types without a criterion of their own. On top, a thing gets at most
// MaxRetries (10) retries in all, "up to 10 retries for both failure types
// combined" (devguide); that is enforced when retrying, not by rejecting
// a configuration whose numbers add up to more. A failureType may appear
// only once in criteriaList.
//
// Attempt summarizes a thing's attempt history in two counters, the
// retries taken after FAILED and after TIMED_OUT. A retried outcome
// returns the next Attempt: executionNumber + 1 (undocumented by AWS;
// incrementing is FleetLab's choice, spec §2.8), and RetryAttempt, the
// JobExecutionSummary.retryAttempt it shows, one higher; the first attempt
// is Attempt{ExecutionNumber: 1} with retryAttempt 0. A thing that leaves a
// continuous job's group and rejoins starts again from a zero Attempt
// count.
//
// # Choices where AWS is silent
//
// From DECISIONS.md: the rate formula with its floor and caps; either
// criterion ending a step; even spreading within the minute; completed =
// terminal executions; ABORT_CRITERIA_MET; timeouts exactly at the deadline;
// executionNumber incremented per retry; REJECTED never retried; retried
// executions counted for abort only when final.
//
// Made here: fractional milliseconds round up; a step's new rate starts
// from the last release, never later than the old schedule and never
// before the crossing; incrementFactor must have at most one decimal (the
// devguide) and thresholdPercentage at most two, both rejected otherwise
// rather than rounded; thresholdPercentage must not be negative; a cap
// below baseRatePerMinute holds from the start; REMOVED and CANCELED count
// as completed; the retry budgets above, duplicate failure types rejected,
// the 10-retry limit applied at run time; approximateSecondsBeforeTimedOut
// floored. Validation messages are FleetLab's wording (AWS's for these
// service-side checks are undocumented).
package rollout
