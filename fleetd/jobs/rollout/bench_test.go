package rollout

import "testing"

// A whole exponential rollout of 100,000 releases, with a success reported
// after every release: the limiter's cost per release.
func BenchmarkLimiterRollout(b *testing.B) {
	const n = 100_000
	r := mustRate(b, exponential(50, 2, 1000, 1000))
	b.ReportAllocs()
	for b.Loop() {
		l := NewLimiter(r, t0, 0, 0)
		now := t0
		for i := range int64(n) {
			now = l.Next(now)
			l.Take(now)
			l.SetSucceeded(now, i/2)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/release")
}

// Due over a long backlog is closed-form per step, not per release.
func BenchmarkLimiterDue(b *testing.B) {
	l := NewLimiter(mustRate(b, exponential(1, 1.1, 10, 0)), t0, 0, 0)
	day := ms(24 * 3600 * 1000)
	b.ReportAllocs()
	for b.Loop() {
		l.Due(day)
	}
}

func BenchmarkAbortEvaluate(b *testing.B) {
	a := mustAbort(b, criterion(FailureTypeFailed, 20, 100), criterion(FailureTypeAll, 35.5, 1000))
	c := Counts{Succeeded: 900_000, Failed: 1000, Rejected: 50, TimedOut: 70}
	b.ReportAllocs()
	for b.Loop() {
		a.Evaluate(c)
	}
}
