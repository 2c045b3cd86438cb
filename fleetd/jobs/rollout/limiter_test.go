package rollout

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// ms returns t0 + d milliseconds.
func ms(d int64) time.Time { return t0.Add(time.Duration(d) * time.Millisecond) }

func mustRate(t testing.TB, c *JobExecutionsRolloutConfig) Rate {
	t.Helper()
	r, err := NewRate(c)
	if err != nil {
		t.Fatalf("NewRate: %v", err)
	}
	return r
}

func exponential(base int, factor float64, notified, succeeded int) *JobExecutionsRolloutConfig {
	c := &RateIncreaseCriteria{}
	if notified > 0 {
		c.NumberOfNotifiedThings = new(notified)
	}
	if succeeded > 0 {
		c.NumberOfSucceededThings = new(succeeded)
	}
	return &JobExecutionsRolloutConfig{ExponentialRate: &ExponentialRolloutRate{
		BaseRatePerMinute: new(base), IncrementFactor: new(factor), RateIncreaseCriteria: c,
	}}
}

// release takes n releases in virtual time, jumping the clock to each
// release, and returns their times as milliseconds after t0.
func release(t *testing.T, l *Limiter, n int) []int64 {
	t.Helper()
	now := t0
	var out []int64
	for range n {
		now = l.Next(now)
		at, ok := l.Take(now)
		if !ok || !at.Equal(now) {
			t.Fatalf("Take(%v) = %v, %v after Next said it was due", now, at, ok)
		}
		out = append(out, at.Sub(t0).Milliseconds())
	}
	return out
}

func TestConstantReleaseTimes(t *testing.T) {
	tests := []struct {
		name string
		cfg  *JobExecutionsRolloutConfig
		want []int64 // ms after the start
	}{
		{"10/min", &JobExecutionsRolloutConfig{MaximumPerMinute: new(10)},
			[]int64{0, 6000, 12000, 18000, 24000, 30000, 36000, 42000, 48000, 54000, 60000, 66000}},
		// 60000/7 = 8571.43 ms: fractions round up, and the grid restarts
		// exactly on the minute.
		{"7/min", &JobExecutionsRolloutConfig{MaximumPerMinute: new(7)},
			[]int64{0, 8572, 17143, 25715, 34286, 42858, 51429, 60000, 68572}},
		{"default 1000/min", nil, []int64{0, 60, 120, 180, 240}},
		{"1/min", &JobExecutionsRolloutConfig{MaximumPerMinute: new(1)}, []int64{0, 60000, 120000}},
		{"999/min", &JobExecutionsRolloutConfig{MaximumPerMinute: new(999)}, []int64{0, 61, 121, 181, 241}},
	}
	for _, tt := range tests {
		l := NewLimiter(mustRate(t, tt.cfg), t0, 0, 0)
		got := release(t, &l, len(tt.want))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: release times = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// The spec's exponential example (§2.5): base 50, factor 2, 1000 notified
// or 1000 succeeded. Only notifications happen here, so the steps end at
// the 1000th, 2000th and 3000th release; the rate applies from the release
// after.
func TestExponentialReleaseTimes(t *testing.T) {
	l := NewLimiter(mustRate(t, exponential(50, 2, 1000, 1000)), t0, 0, 0)
	got := release(t, &l, 4001)
	tests := []struct {
		n    int   // 1-based release number
		want int64 // ms after the start
	}{
		{1, 0}, {2, 1200}, {50, 58800}, {51, 60000}, // 50 a minute, 1.2 s apart
		{1000, 1198800}, // 999 × 1200: the step ends here
		{1001, 1199400}, // 100 a minute: 600 ms after the 1000th
		{2000, 1798800}, // 1198800 + 1000 × 600
		{2001, 1799100}, // 200 a minute
		{3000, 2098800}, // 1798800 + 1000 × 300
		{3001, 2098950}, // 400 a minute
		{4000, 2248800}, // 2098800 + 1000 × 150
		{4001, 2248875}, // 800 a minute
	}
	for _, tt := range tests {
		if got[tt.n-1] != tt.want {
			t.Errorf("release %d at %d ms; want %d", tt.n, got[tt.n-1], tt.want)
		}
	}
	// 50 in the first minute, not a burst at its top.
	if n := countIn(got, 0, 60000); n != 50 {
		t.Errorf("first minute released %d; want 50", n)
	}
	if l.PerMinute() != 800 || l.Step() != 4 || l.Notified() != 4001 {
		t.Errorf("after 4001 releases: %d/min, step %d, notified %d; want 800, 4, 4001", l.PerMinute(), l.Step(), l.Notified())
	}
}

// maximumPerMinute caps an exponential rate; a step at the cap keeps the
// grid as it is.
func TestExponentialCappedByMaximumPerMinute(t *testing.T) {
	cfg := exponential(50, 2, 100, 0)
	cfg.MaximumPerMinute = new(150)
	r := mustRate(t, cfg)
	for k, want := range []int{50, 100, 150, 150, 150} {
		if got := r.PerMinute(k); got != want {
			t.Errorf("PerMinute(%d) = %d; want %d", k, got, want)
		}
	}
	l := NewLimiter(r, t0, 0, 0)
	got := release(t, &l, 301)
	for _, tt := range []struct {
		n    int
		want int64
	}{
		{100, 118800}, {101, 119400}, {200, 178800}, {201, 179200}, {300, 218800}, {301, 219200},
	} {
		if got[tt.n-1] != tt.want {
			t.Errorf("release %d at %d ms; want %d", tt.n, got[tt.n-1], tt.want)
		}
	}
}

func TestExponentialRatesFloor(t *testing.T) {
	tests := []struct {
		base   int
		factor float64
		max    int // maximumPerMinute, 0 for none
		want   []int
	}{
		// 3 × 1.5^k = 3, 4.5, 6.75, 10.125, 15.19, 22.78, 34.17, 51.26:
		// floored once from the exact power, not step by step (which
		// would give 3, 4, 6, 9, 13, 19, 28, 42).
		{3, 1.5, 0, []int{3, 4, 6, 10, 15, 22, 34, 51}},
		// 45 × 1.4 is 63 exactly; in floats it is 62.99999999999999.
		{45, 1.4, 0, []int{45, 63, 88, 123, 172}},
		{25, 1.4, 0, []int{25, 35, 49, 68}},
		// 1.1^7 = 1.95, 1.1^8 = 2.14.
		{1, 1.1, 0, []int{1, 1, 1, 1, 1, 1, 1, 1, 2}},
		{50, 2, 0, []int{50, 100, 200, 400, 800, 1000, 1000}},
		{600, 5, 0, []int{600, 1000, 1000}},
		{1000, 1.1, 0, []int{1000, 1000}},
		{50, 2, 10, []int{10, 10}}, // a cap below the base holds from the start
	}
	for _, tt := range tests {
		cfg := exponential(tt.base, tt.factor, 1, 0)
		if tt.max > 0 {
			cfg.MaximumPerMinute = new(tt.max)
		}
		r := mustRate(t, cfg)
		var got []int
		for k := range tt.want {
			got = append(got, r.PerMinute(k))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("base %d factor %v max %d: rates %v; want %v", tt.base, tt.factor, tt.max, got, tt.want)
		}
	}
	if got := (Rate{}).PerMinute(3); got != MaxPerMinute || !(Rate{}).Constant() {
		t.Errorf("zero Rate: PerMinute = %d; want the default %d", got, MaxPerMinute)
	}
	// From the smallest base and factor the table reaches the cap.
	r := mustRate(t, exponential(1, 1.1, 1, 0))
	if got := r.PerMinute(1 << 30); got != 1000 {
		t.Errorf("PerMinute(huge) = %d; want 1000", got)
	}
}

// A success that ends a step applies to the releases after it: the next
// release is 1/r' after the last one, or the old slot if that is earlier,
// but never before the success.
func TestStepIncreaseOnSuccess(t *testing.T) {
	// 60 a minute (1 s apart), doubling every 10 successes. Releases at 0,
	// 1000, …, 5000; then the 10th success.
	tests := []struct {
		name      string
		successAt int64
		want      []int64 // the three releases after
	}{
		{"at the new spacing", 5500, []int64{5500, 6000, 6500}},
		{"after the new spacing", 5700, []int64{5700, 6200, 6700}},
		{"before the new spacing", 5200, []int64{5500, 6000, 6500}},
		{"at the last release", 5000, []int64{5500, 6000, 6500}},
		{"at the old slot", 6000, []int64{6000, 6500, 7000}},
	}
	for _, tt := range tests {
		l := NewLimiter(mustRate(t, exponential(60, 2, 0, 10)), t0, 0, 0)
		release(t, &l, 6)
		l.SetSucceeded(ms(tt.successAt), 10)
		if l.PerMinute() != 120 {
			t.Fatalf("%s: rate %d after 10 successes; want 120", tt.name, l.PerMinute())
		}
		now := ms(tt.successAt)
		var got []int64
		for range 3 {
			now = l.Next(now)
			at, _ := l.Take(now)
			got = append(got, at.Sub(t0).Milliseconds())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: releases %v; want %v", tt.name, got, tt.want)
		}
	}
}

// A rise never delays the next release: from 991 to 992 a minute the new
// spacing (⌈60000/992⌉ = 61 ms after the last release) can fall 1 ms after
// the old grid's next slot, and then the old slot is kept.
func TestRiseNeverDelays(t *testing.T) {
	kept := 0
	for n := 1; n <= 200; n++ {
		cfg := exponential(991, 1.1, n, 0)
		cfg.MaximumPerMinute = new(992)
		l := NewLimiter(mustRate(t, cfg), t0, 0, 0)
		got := release(t, &l, n+1)
		oldSlot := ceilDiv(int64(n)*minuteMs, 991)
		if got[n] > oldSlot {
			t.Errorf("step after %d releases: release %d at %d ms; the old rate had it at %d", n, n+1, got[n], oldSlot)
		}
		if got[n] == oldSlot && got[n] < got[n-1]+61 {
			kept++
		}
	}
	if kept == 0 {
		t.Error("no case where the old slot beat the new spacing; the test lost its point")
	}
}

// Either criterion ends a step; the thresholds are cumulative multiples.
func TestEitherCriterionTriggers(t *testing.T) {
	r := mustRate(t, exponential(50, 2, 1000, 100))
	tests := []struct {
		notified, succeeded int64
		want                int
	}{
		{0, 0, 0}, {999, 99, 0}, {1000, 0, 1}, {500, 100, 1}, {1999, 199, 1},
		{1000, 200, 2}, {2000, 100, 2}, {3999, 399, 3}, {4000, 0, 4},
	}
	for _, tt := range tests {
		if got := r.Step(tt.notified, tt.succeeded); got != tt.want {
			t.Errorf("Step(%d, %d) = %d; want %d", tt.notified, tt.succeeded, got, tt.want)
		}
	}
	only := mustRate(t, exponential(50, 2, 1000, 0))
	if got := only.Step(0, 1_000_000); got != 0 {
		t.Errorf("Step without a succeeded criterion = %d; want 0", got)
	}
}

func TestDue(t *testing.T) {
	l := NewLimiter(mustRate(t, &JobExecutionsRolloutConfig{MaximumPerMinute: new(10)}), t0, 0, 0)
	for _, tt := range []struct {
		at   int64
		want int64
	}{
		{-1, 0}, {0, 1}, {5999, 1}, {6000, 2}, {59999, 10}, {60000, 11}, {3600000, 601},
	} {
		if got := l.Due(ms(tt.at)); got != tt.want {
			t.Errorf("10/min: Due(+%dms) = %d; want %d", tt.at, got, tt.want)
		}
	}
	// Across steps caused by the releases themselves: 10 at 1.2 s, then
	// 600 ms, then 300 ms.
	e := NewLimiter(mustRate(t, exponential(50, 2, 10, 0)), t0, 0, 0)
	for _, tt := range []struct {
		at   int64
		want int64
	}{
		{10800, 10}, {11399, 10}, {11400, 11}, {10800 + 6000, 20}, {16800 + 300, 21}, {16800 + 3000, 30}, {19800 + 150, 31},
	} {
		if got := e.Due(ms(tt.at)); got != tt.want {
			t.Errorf("exponential: Due(+%dms) = %d; want %d", tt.at, got, tt.want)
		}
	}
	// Next is never before now, and says "now" for an overdue release.
	if got := l.Next(ms(-5000)); !got.Equal(t0) {
		t.Errorf("Next(before the start) = %v; want the start", got)
	}
	if got := l.Next(ms(500)); !got.Equal(ms(500)) {
		t.Errorf("Next(+500ms) with the first release pending = %v; want +500ms", got)
	}
	// A late caller takes the backlog at the schedule's times.
	var got []int64
	for {
		at, ok := l.Take(ms(13000))
		if !ok {
			break
		}
		got = append(got, at.Sub(t0).Milliseconds())
	}
	if !slices.Equal(got, []int64{0, 6000, 12000}) {
		t.Errorf("late Takes = %v; want [0 6000 12000]", got)
	}
}

func TestNewLimiterWithCounters(t *testing.T) {
	// Resuming with 2500 notified and 100 succeeded: step 2, 200 a minute.
	l := NewLimiter(mustRate(t, exponential(50, 2, 1000, 1000)), t0, 2500, 100)
	if l.Step() != 2 || l.PerMinute() != 200 {
		t.Fatalf("step %d, %d/min; want 2, 200", l.Step(), l.PerMinute())
	}
	if got := release(t, &l, 3); !slices.Equal(got, []int64{0, 300, 600}) {
		t.Errorf("releases %v; want [0 300 600]", got)
	}
}

func TestLimiterStateRoundTrip(t *testing.T) {
	r := mustRate(t, exponential(7, 1.3, 20, 5))
	a := NewLimiter(r, t0, 0, 0)
	release(t, &a, 23)
	a.SetSucceeded(a.Next(t0), 5)
	data, err := json.Marshal(a.State())
	if err != nil {
		t.Fatal(err)
	}
	var s LimiterState
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	b := RestoreLimiter(r, s)
	now := a.Next(t0)
	for i := range 100 {
		na, nb := a.Next(now), b.Next(now)
		ta, _ := a.Take(na)
		tb, _ := b.Take(nb)
		if !ta.Equal(tb) {
			t.Fatalf("release %d after restore: %v; original %v", i, tb, ta)
		}
		now = na
	}
}

func countIn(times []int64, from, to int64) int {
	n := 0
	for _, x := range times {
		if x >= from && x < to {
			n++
		}
	}
	return n
}
