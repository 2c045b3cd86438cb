package rollout

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func criterion(ft FailureType, threshold float64, min int) AbortCriteria {
	return AbortCriteria{FailureType: ft, Action: AbortActionCancel, ThresholdPercentage: new(threshold), MinNumberOfExecutedThings: new(min)}
}

func mustAbort(t testing.TB, cs ...AbortCriteria) Abort {
	t.Helper()
	a, err := NewAbort(&AbortConfig{CriteriaList: cs})
	if err != nil {
		t.Fatalf("NewAbort: %v", err)
	}
	return a
}

// firstAbort feeds the terminal outcomes in order and returns the 1-based
// completion after which Evaluate first fires, with its verdict; 0 if it
// never does.
func firstAbort(a Abort, outcomes []Status) (int, Verdict) {
	var c Counts
	for i, s := range outcomes {
		c.Add(s, 1)
		if v, ok := a.Evaluate(c); ok {
			return i + 1, v
		}
	}
	return 0, Verdict{}
}

// seq concatenates n copies of each status, in order: seq(80, S, 20, F).
func seq(parts ...any) []Status {
	var out []Status
	for i := 0; i < len(parts); i += 2 {
		for range parts[i].(int) {
			out = append(out, parts[i+1].(Status))
		}
	}
	return out
}

const (
	S  = StatusSucceeded
	F  = StatusFailed
	R  = StatusRejected
	TO = StatusTimedOut
	RM = StatusRemoved
	C  = StatusCanceled
)

// The spec's example: abort when at least 20 % of completed executions
// failed, once 100 are complete. It fires at exactly the completion that
// crosses the threshold, never before the 100th.
func TestAbortFiresAtTheCrossingCompletion(t *testing.T) {
	all := criterion(FailureTypeAll, 20, 100)
	failed := criterion(FailureTypeFailed, 20, 100)
	tests := []struct {
		name     string
		criteria AbortCriteria
		outcomes []Status
		want     int // 1-based completion that fires; 0 for none
	}{
		// 20 failures first: 100 % failed from the start, but the
		// minimum holds it until the 100th completion.
		{"failures first", all, seq(20, F, 80, S), 100},
		{"failures last", all, seq(80, S, 20, F), 100},
		{"19 of 100", all, seq(81, S, 19, F), 0},
		// 81 successes: 20/101 = 19.8 %, 21/102 = 20.6 %.
		{"crossing after the minimum", all, seq(81, S, 30, F), 102},
		{"ALL counts every failure type", all, seq(80, S, 7, F, 7, R, 6, TO), 100},
		// 7 FAILED at the 100th; then (7+i)/(100+i) ≥ 20 % from i = 17.
		{"FAILED ignores REJECTED", failed, seq(80, S, 7, F, 13, R, 30, F), 117},
		{"FAILED alone", failed, seq(80, S, 20, F), 100},
		// (1+i)/(100+i) ≥ 20 % from i = 24.
		{"REJECTED alone", criterion(FailureTypeRejected, 20, 100), seq(80, S, 19, F, 1, R, 25, R), 124},
		{"TIMED_OUT alone", criterion(FailureTypeTimedOut, 20, 100), seq(80, S, 20, TO), 100},
		// i/(100+i) ≥ 20 % from i = 25; counting the FAILED would fire at 100.
		{"TIMED_OUT ignores FAILED", criterion(FailureTypeTimedOut, 20, 100), seq(80, S, 20, F, 30, TO), 125},
		// 99 complete with 99 failures: below the minimum, never fires.
		{"below the minimum", all, seq(99, F), 0},
		// Exact at the boundary: 29/50 is 58 %, which floats compute as
		// 57.99999999999999.
		{"58 % of 50", criterion(FailureTypeFailed, 58, 50), seq(21, S, 29, F), 50},
		{"33.33 % of 3", criterion(FailureTypeFailed, 33.33, 3), seq(2, S, 1, F), 3},
		{"33.34 % of 3", criterion(FailureTypeFailed, 33.34, 3), seq(2, S, 1, F), 0},
		{"threshold 0 fires at the minimum", criterion(FailureTypeAll, 0, 5), seq(10, S), 5},
		{"threshold 100 needs every one", criterion(FailureTypeAll, 100, 3), seq(1, S, 10, F), 0},
		{"threshold 100", criterion(FailureTypeAll, 100, 3), seq(3, F), 3},
		// REMOVED and CANCELED are terminal: they count as completed.
		{"canceled and removed dilute", criterion(FailureTypeFailed, 50, 4), seq(1, C, 1, RM, 1, F, 1, F), 4},
	}
	for _, tt := range tests {
		got, _ := firstAbort(mustAbort(t, tt.criteria), tt.outcomes)
		if got != tt.want {
			t.Errorf("%s: fires at completion %d; want %d", tt.name, got, tt.want)
		}
	}
}

func TestAbortFirstCriterionInListOrder(t *testing.T) {
	a := mustAbort(t,
		criterion(FailureTypeRejected, 50, 10),
		criterion(FailureTypeAll, 10, 10),
		criterion(FailureTypeFailed, 10, 10),
	)
	tests := []struct {
		c    Counts
		want int // criterion index, -1 for none
	}{
		{Counts{Succeeded: 9, Failed: 0}, -1},
		{Counts{Succeeded: 9, Failed: 1}, 1}, // ALL and FAILED both meet; ALL is first
		{Counts{Succeeded: 5, Rejected: 5}, 0},
		{Counts{Succeeded: 95, TimedOut: 5}, -1},
		{Counts{Succeeded: 90, TimedOut: 10}, 1},
	}
	for _, tt := range tests {
		v, ok := a.Evaluate(tt.c)
		got := -1
		if ok {
			got = v.Criterion
		}
		if got != tt.want {
			t.Errorf("Evaluate(%+v) fired criterion %d; want %d", tt.c, got, tt.want)
		}
	}
	if _, ok := (Abort{}).Evaluate(Counts{Failed: 1000}); ok {
		t.Error("the zero Abort fired")
	}
}

func TestAbortComment(t *testing.T) {
	_, v := firstAbort(mustAbort(t, criterion(FailureTypeAll, 20, 100)), seq(81, S, 30, F))
	want := "Job aborted by abortConfig.criteriaList[0] (failureType ALL, thresholdPercentage 20, minNumberOfExecutedThings 100): " +
		"21 of 102 completed executions (20.58%) were FAILED, REJECTED or TIMED_OUT."
	if got := v.Comment(); got != want {
		t.Errorf("Comment() = %q\nwant %q", got, want)
	}
	_, v = firstAbort(mustAbort(t, criterion(FailureTypeFailed, 33.33, 3)), seq(2, S, 1, F))
	want = "Job aborted by abortConfig.criteriaList[0] (failureType FAILED, thresholdPercentage 33.33, minNumberOfExecutedThings 3): " +
		"1 of 3 completed executions (33.33%) were FAILED."
	if got := v.Comment(); got != want {
		t.Errorf("Comment() = %q\nwant %q", got, want)
	}
	if AbortReasonCode != "ABORT_CRITERIA_MET" {
		t.Errorf("AbortReasonCode = %q", AbortReasonCode)
	}
}

// Against an exact oracle over random criteria and random runs: Evaluate
// fires iff some criterion is met, names the first, and never fires below
// its minNumberOfExecutedThings.
func TestAbortAgainstOracle(t *testing.T) {
	types := []FailureType{FailureTypeFailed, FailureTypeRejected, FailureTypeTimedOut, FailureTypeAll}
	statuses := []Status{S, F, R, TO, RM, C}
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 0xab0))
		type crit struct {
			ft        FailureType
			threshold *big.Rat // percent
			min       int64
		}
		var cfg []AbortCriteria
		var oracle []crit
		for range 1 + rng.IntN(3) {
			ft := types[rng.IntN(len(types))]
			h := rng.Int64N(10001) // hundredths
			if rng.IntN(2) == 0 {
				h = h / 100 * 100 // whole percents are common
			}
			min := 1 + rng.IntN(60)
			cfg = append(cfg, criterion(ft, float64(h)/100, min))
			oracle = append(oracle, crit{ft, big.NewRat(h, 100), int64(min)})
		}
		a := mustAbort(t, cfg...)
		weights := make([]int, len(statuses))
		for i := range weights {
			weights[i] = rng.IntN(10)
		}
		weights[0]++
		var c Counts
		for step := range 300 {
			c.Add(pick(rng, statuses, weights), 1)
			want := -1
			for i, o := range oracle {
				completed := c.Completed()
				if completed < o.min {
					continue
				}
				pct := big.NewRat(100*c.Matching(o.ft), completed)
				if pct.Cmp(o.threshold) >= 0 {
					want = i
					break
				}
			}
			v, ok := a.Evaluate(c)
			got := -1
			if ok {
				got = v.Criterion
				if v.Completed < oracle[got].min {
					t.Fatalf("seed %d step %d: fired with %d completed, below the minimum %d", seed, step, v.Completed, oracle[got].min)
				}
			}
			if got != want {
				t.Fatalf("seed %d step %d: %+v with %+v fired %d; want %d", seed, step, c, cfg, got, want)
			}
			if ok {
				break // the job is aborted
			}
		}
	}
}

func pick[T any](rng *rand.Rand, xs []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return xs[i]
		}
		n -= w
	}
	return xs[len(xs)-1]
}

func TestCountsAdd(t *testing.T) {
	var c Counts
	for _, s := range []Status{S, F, F, R, TO, RM, C, StatusQueued, StatusInProgress} {
		c.Add(s, 1)
	}
	c.Add(F, -1) // a failed attempt that is retried leaves the counts
	want := Counts{Succeeded: 1, Failed: 1, Rejected: 1, TimedOut: 1, Removed: 1, Canceled: 1}
	if c != want || c.Completed() != 6 || c.Matching(FailureTypeAll) != 3 {
		t.Errorf("counts %+v, completed %d, ALL %d; want %+v, 6, 3", c, c.Completed(), c.Matching(FailureTypeAll), want)
	}
	terminal := []Status{S, F, R, TO, RM, C}
	for _, s := range []Status{S, F, R, TO, RM, C, StatusQueued, StatusInProgress} {
		if got := s.Terminal(); got != slices.Contains(terminal, s) {
			t.Errorf("%s.Terminal() = %v", s, got)
		}
	}
}
