package rollout

import (
	"fmt"
	"testing"
)

func retryConfig(pairs ...any) *JobExecutionsRetryConfig {
	c := &JobExecutionsRetryConfig{}
	for i := 0; i < len(pairs); i += 2 {
		c.CriteriaList = append(c.CriteriaList, RetryCriteria{FailureType: pairs[i].(FailureType), NumberOfRetries: new(pairs[i+1].(int))})
	}
	return c
}

// attempts runs a thing's attempts: each outcome ends the current attempt.
// It returns, per outcome, whether it was retried, and the attempts as
// "executionNumber/retryAttempt".
func attempts(r Retry, outcomes []Status) (string, string) {
	a := Attempt{ExecutionNumber: 1}
	retried, seen := "", fmt.Sprintf("%d/%d", a.ExecutionNumber, a.RetryAttempt())
	for _, o := range outcomes {
		next, ok := r.Next(a, o)
		if !ok {
			retried += "-"
			if next != a {
				return "changed an attempt it did not retry", ""
			}
			break
		}
		retried += "r"
		a = next
		seen += fmt.Sprintf(" %d/%d", a.ExecutionNumber, a.RetryAttempt())
	}
	return retried, seen
}

func TestRetries(t *testing.T) {
	const (
		FT  = FailureTypeFailed
		TOT = FailureTypeTimedOut
		ALL = FailureTypeAll
	)
	tests := []struct {
		name        string
		cfg         *JobExecutionsRetryConfig
		outcomes    []Status
		wantRetried string // r: retried, -: final (and the run stops)
		wantSeen    string // executionNumber/retryAttempt of every attempt
	}{
		{"FAILED twice", retryConfig(FT, 2), seq(3, F), "rr-", "1/0 2/1 3/2"},
		{"FAILED does not retry TIMED_OUT", retryConfig(FT, 2), seq(1, TO), "-", "1/0"},
		{"TIMED_OUT once", retryConfig(TOT, 1), seq(2, TO), "r-", "1/0 2/1"},
		{"TIMED_OUT does not retry FAILED", retryConfig(TOT, 3), seq(1, TO, 1, F), "r-", "1/0 2/1"},
		{"ALL is shared", retryConfig(ALL, 3), []Status{F, TO, F, TO}, "rrr-", "1/0 2/1 3/2 4/3"},
		{"separate budgets", retryConfig(FT, 1, TOT, 2), []Status{TO, TO, F, F}, "rrr-", "1/0 2/1 3/2 4/3"},
		{"separate budgets, TIMED_OUT spent", retryConfig(FT, 1, TOT, 2), []Status{TO, TO, TO}, "rr-", "1/0 2/1 3/2"},
		// With FAILED of its own, ALL covers only TIMED_OUT.
		{"ALL beside FAILED", retryConfig(ALL, 2, FT, 5), []Status{TO, TO, TO}, "rr-", "1/0 2/1 3/2"},
		{"FAILED beside ALL", retryConfig(ALL, 2, FT, 5), []Status{TO, F, F, F, F, F, F}, "rrrrrr-", "1/0 2/1 3/2 4/3 5/4 6/5 7/6"},
		// Up to 10 retries for both failure types combined.
		{"combined cap", retryConfig(FT, 10, TOT, 10), []Status{F, TO, F, TO, F, TO, F, TO, F, TO, F},
			"rrrrrrrrrr-", "1/0 2/1 3/2 4/3 5/4 6/5 7/6 8/7 9/8 10/9 11/10"},
		{"REJECTED never", retryConfig(ALL, 10), seq(1, R), "-", "1/0"},
		{"REJECTED after retries", retryConfig(ALL, 10), []Status{F, TO, R}, "rr-", "1/0 2/1 3/2"},
		{"SUCCEEDED ends it", retryConfig(ALL, 10), []Status{F, S}, "r-", "1/0 2/1"},
		{"CANCELED and REMOVED are not retried", retryConfig(ALL, 10), []Status{C}, "-", "1/0"},
		{"zero retries", retryConfig(FT, 0), seq(1, F), "-", "1/0"},
		{"no configuration", nil, seq(1, F), "-", "1/0"},
	}
	for _, tt := range tests {
		r, err := NewRetry(tt.cfg)
		if err != nil {
			t.Fatalf("%s: NewRetry: %v", tt.name, err)
		}
		retried, seen := attempts(r, tt.outcomes)
		if retried != tt.wantRetried || seen != tt.wantSeen {
			t.Errorf("%s: retried %q, attempts %q; want %q, %q", tt.name, retried, seen, tt.wantRetried, tt.wantSeen)
		}
	}
}

func TestRetriesLeft(t *testing.T) {
	r, err := NewRetry(retryConfig(FailureTypeAll, 4, FailureTypeFailed, 10))
	if err != nil {
		t.Fatal(err)
	}
	a := Attempt{ExecutionNumber: 8, FailedRetries: 6, TimedOutRetries: 1}
	tests := []struct {
		t    FailureType
		want int
	}{
		{FailureTypeFailed, 3},   // 4 of 10 left, but only 3 of the combined 10
		{FailureTypeTimedOut, 3}, // ALL: 4 − 1
		{FailureTypeRejected, 0},
		{FailureTypeAll, 0},
	}
	for _, tt := range tests {
		if got := r.Left(a, tt.t); got != tt.want {
			t.Errorf("Left(%+v, %s) = %d; want %d", a, tt.t, got, tt.want)
		}
	}
}
