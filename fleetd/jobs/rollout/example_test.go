package rollout_test

import (
	"fmt"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// The engine's loop on a virtual clock: jump to Next, Take what is due.
func ExampleLimiter() {
	plan, err := rollout.Compile(rollout.Config{
		JobExecutionsRolloutConfig: &rollout.JobExecutionsRolloutConfig{MaximumPerMinute: new(4)},
	})
	if err != nil {
		panic(err)
	}
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	l := rollout.NewLimiter(plan.Rate, start, 0, 0)
	now := start
	for range 6 {
		now = l.Next(now)
		at, _ := l.Take(now)
		fmt.Println(at.Format("15:04:05.000"))
	}
	fmt.Println(l.Due(start.Add(5*time.Minute)), "more due by 12:05")
	// Output:
	// 12:00:00.000
	// 12:00:15.000
	// 12:00:30.000
	// 12:00:45.000
	// 12:01:00.000
	// 12:01:15.000
	// 15 more due by 12:05
}

// The devguide's timer example.
func ExampleTimer() {
	at := func(h, m int) time.Time { return time.Date(2025, 1, 1, h, m, 0, 0, time.UTC) }
	timer := rollout.StartTimer(at(12, 0), 20*time.Minute)
	for _, s := range []struct{ m, step int }{{5, 7}, {10, 5}, {13, 9}} {
		if err := timer.SetStep(at(12, s.m), int64(s.step)); err != nil {
			panic(err)
		}
		d, _ := timer.Deadline()
		fmt.Printf("step %d at 12:%02d → times out at %s\n", s.step, s.m, d.Format("15:04"))
	}
	// Output:
	// step 7 at 12:05 → times out at 12:12
	// step 5 at 12:10 → times out at 12:15
	// step 9 at 12:13 → times out at 12:20
}

// Abort at 20 % after 100 completed, evaluated after every terminal
// transition.
func ExampleAbort_Evaluate() {
	abort, err := rollout.NewAbort(&rollout.AbortConfig{CriteriaList: []rollout.AbortCriteria{{
		FailureType: rollout.FailureTypeAll, Action: rollout.AbortActionCancel,
		ThresholdPercentage: new(20.0), MinNumberOfExecutedThings: new(100),
	}}})
	if err != nil {
		panic(err)
	}
	var c rollout.Counts
	c.Add(rollout.StatusSucceeded, 80)
	for i := range 20 {
		c.Add(rollout.StatusFailed, 1)
		if v, ok := abort.Evaluate(c); ok {
			fmt.Println("failure", i+1, "aborts:", rollout.AbortReasonCode)
			fmt.Println(v.Comment())
		}
	}
	// Output:
	// failure 20 aborts: ABORT_CRITERIA_MET
	// Job aborted by abortConfig.criteriaList[0] (failureType ALL, thresholdPercentage 20, minNumberOfExecutedThings 100): 20 of 100 completed executions (20%) were FAILED, REJECTED or TIMED_OUT.
}
