package rollout

import (
	"strconv"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// at returns 2025-01-01 at hh:mm:ss UTC.
func at(hh, mm, ss int) time.Time { return time.Date(2025, 1, 1, hh, mm, ss, 0, time.UTC) }

// The devguide's example (spec §2.7): an in-progress timer of 20 minutes
// from 12:00, then step timers of 7, 5 and 9 minutes.
func TestStepTimerWorkedExample(t *testing.T) {
	timer := StartTimer(at(12, 0, 0), 20*time.Minute)
	steps := []struct {
		set     time.Time
		minutes int64
		want    time.Time
	}{
		{at(12, 5, 0), 7, at(12, 12, 0)},
		{at(12, 10, 0), 5, at(12, 15, 0)},  // replaces the 12:12 step
		{at(12, 13, 0), 9, at(12, 20, 0)},  // 12:22 would pass the in-progress deadline
		{at(12, 14, 0), -1, at(12, 20, 0)}, // cleared: the in-progress deadline alone
		{at(12, 15, 0), 1, at(12, 16, 0)},  // a new step after a clear
	}
	for _, s := range steps {
		if err := timer.SetStep(s.set, s.minutes); err != nil {
			t.Fatalf("SetStep(%v, %d): %v", s.set, s.minutes, err)
		}
		if got, ok := timer.Deadline(); !ok || !got.Equal(s.want) {
			t.Errorf("after step %d at %s: deadline %v; want %s", s.minutes, s.set.Format("15:04"), got, s.want.Format("15:04"))
		}
	}
}

func TestTimerDeadlines(t *testing.T) {
	noon := at(12, 0, 0)
	tests := []struct {
		name       string
		inProgress time.Duration
		steps      []int64 // set at noon, in order
		want       time.Time
		wantOK     bool
	}{
		{"no timers", 0, nil, time.Time{}, false},
		{"in-progress only", 20 * time.Minute, nil, at(12, 20, 0), true},
		{"step only", 0, []int64{30}, at(12, 30, 0), true},
		{"step shorter", 20 * time.Minute, []int64{5}, at(12, 5, 0), true},
		{"step longer", 20 * time.Minute, []int64{60}, at(12, 20, 0), true},
		{"step cleared, no in-progress", 0, []int64{5, -1}, time.Time{}, false},
		{"clear without a step", 20 * time.Minute, []int64{-1}, at(12, 20, 0), true},
		{"longest timers", MaxTimeoutMinutes * time.Minute, []int64{MaxTimeoutMinutes}, noon.Add(7 * 24 * time.Hour), true},
	}
	for _, tt := range tests {
		timer := StartTimer(noon, tt.inProgress)
		for _, m := range tt.steps {
			if err := timer.SetStep(noon, m); err != nil {
				t.Fatalf("%s: SetStep(%d): %v", tt.name, m, err)
			}
		}
		got, ok := timer.Deadline()
		if ok != tt.wantOK || !got.Equal(tt.want) {
			t.Errorf("%s: Deadline() = %v, %v; want %v, %v (%v)", tt.name, got, ok, tt.want, tt.wantOK, timer)
		}
	}
}

func TestTimerExpiryAndSecondsLeft(t *testing.T) {
	timer := StartTimer(at(12, 0, 0), 20*time.Minute)
	if err := timer.SetStep(at(12, 13, 0), 9); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now     time.Time
		expired bool
		seconds int64
	}{
		{at(12, 0, 0), false, 1200},
		{at(12, 13, 0), false, 420},
		{at(12, 19, 59).Add(500 * time.Millisecond), false, 0}, // floored
		{at(12, 20, 0).Add(-time.Millisecond), false, 0},
		{at(12, 20, 0), true, 0}, // TIMED_OUT exactly at the deadline
		{at(12, 25, 0), true, 0},
	}
	for _, tt := range tests {
		if got := timer.Expired(tt.now); got != tt.expired {
			t.Errorf("Expired(%v) = %v; want %v", tt.now, got, tt.expired)
		}
		if got, ok := timer.ApproximateSecondsBeforeTimedOut(tt.now); !ok || got != tt.seconds {
			t.Errorf("ApproximateSecondsBeforeTimedOut(%v) = %d, %v; want %d", tt.now, got, ok, tt.seconds)
		}
	}
	if _, ok := (Timer{}).ApproximateSecondsBeforeTimedOut(at(12, 0, 0)); ok {
		t.Error("a Timer without timers reports seconds left")
	}
	if (Timer{}).Expired(at(23, 0, 0)) {
		t.Error("a Timer without timers expired")
	}
}

func TestStepTimeoutValidation(t *testing.T) {
	for _, m := range []int64{0, -2, MaxTimeoutMinutes + 1} {
		timer := StartTimer(at(12, 0, 0), 20*time.Minute)
		if err := timer.SetStep(at(12, 0, 0), 5); err != nil {
			t.Fatal(err)
		}
		err := timer.SetStep(at(12, 1, 0), m)
		e, ok := awserr.As(err)
		want := "stepTimeoutInMinutes must be between 1 and 10080, or -1 to cancel the step timer, got " + strconv.FormatInt(m, 10)
		if !ok || e.Code != awserr.InvalidRequest || e.Message != want {
			t.Errorf("SetStep(%d) = %v; want InvalidRequestException: %s", m, err, want)
		}
		if d, _ := timer.Deadline(); !d.Equal(at(12, 5, 0)) {
			t.Errorf("a rejected SetStep(%d) changed the deadline to %v", m, d)
		}
	}
}

func TestInProgressTimeout(t *testing.T) {
	if d, err := InProgressTimeout(&TimeoutConfig{InProgressTimeoutInMinutes: new(int64(20))}); err != nil || d != 20*time.Minute {
		t.Errorf("InProgressTimeout(20) = %v, %v", d, err)
	}
	if d, err := InProgressTimeout(nil); err != nil || d != 0 {
		t.Errorf("InProgressTimeout(nil) = %v, %v", d, err)
	}
	if d, err := InProgressTimeout(&TimeoutConfig{}); err != nil || d != 0 {
		t.Errorf("InProgressTimeout({}) = %v, %v", d, err)
	}
	if _, err := InProgressTimeout(&TimeoutConfig{InProgressTimeoutInMinutes: new(int64(0))}); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("InProgressTimeout(0) = %v; want InvalidRequestException", err)
	}
}

func TestTimerStateRoundTrip(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []Timer{{}, StartTimer(start, 20*time.Minute)}
	withStep := StartTimer(start, 20*time.Minute)
	if err := withStep.SetStep(start.Add(5*time.Minute), 7); err != nil {
		t.Fatal(err)
	}
	stepOnly := StartTimer(start, 0)
	if err := stepOnly.SetStep(start, 3); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, withStep, stepOnly)
	for _, want := range cases {
		if got := RestoreTimer(want.State()); got != want {
			t.Errorf("RestoreTimer(%v.State()) = %v", want, got)
		}
	}
}
