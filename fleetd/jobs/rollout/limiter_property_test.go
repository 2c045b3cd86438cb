package rollout

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func randomRolloutConfig(rng *rand.Rand) *JobExecutionsRolloutConfig {
	switch rng.IntN(5) {
	case 0:
		return nil
	case 1:
		return &JobExecutionsRolloutConfig{MaximumPerMinute: new(1 + rng.IntN(MaxPerMinute))}
	}
	base := 1 + rng.IntN(60)
	if rng.IntN(4) == 0 {
		base = 1 + rng.IntN(MaxPerMinute)
	}
	factor := float64(11+rng.IntN(40)) / 10
	var notified, succeeded int
	switch rng.IntN(3) {
	case 0:
		notified = 1 + rng.IntN(150)
	case 1:
		succeeded = 1 + rng.IntN(150)
	default:
		notified, succeeded = 1+rng.IntN(150), 1+rng.IntN(150)
	}
	c := exponential(base, factor, notified, succeeded)
	if rng.IntN(3) == 0 {
		c.MaximumPerMinute = new(1 + rng.IntN(MaxPerMinute))
	}
	return c
}

type releaseAt struct {
	at   int64 // ms after t0
	rate int   // the rate in force for this release
}

// simulate rolls a job out to targets things in virtual time: each
// notified thing succeeds with probability pSucceed after a random delay.
// Events are processed in time order, a success and a release at the same
// millisecond in random order. It checks as it goes that the limiter's rate
// is the one the counters call for and that Due agrees with Take.
func simulate(t *testing.T, rng *rand.Rand, r Rate, targets int) []releaseAt {
	t.Helper()
	l := NewLimiter(r, t0, 0, 0)
	pSucceed, maxDelay := rng.Float64(), rng.Int64N(180_000)
	var pending []int64 // success times, sorted
	var out []releaseAt
	var succeeded int64
	for len(out) < targets || len(pending) > 0 {
		relAt := int64(1) << 62
		if len(out) < targets {
			relAt = l.Next(t0).Sub(t0).Milliseconds()
		}
		if len(pending) > 0 && (pending[0] < relAt || pending[0] == relAt && rng.IntN(2) == 0) {
			succeeded++
			l.SetSucceeded(ms(pending[0]), succeeded)
			pending = pending[1:]
			continue
		}
		if rng.IntN(20) == 0 {
			ahead := ms(relAt + rng.Int64N(300_000))
			c := l
			var takes int64
			for _, ok := c.Take(ahead); ok; _, ok = c.Take(ahead) {
				takes++
			}
			if due := l.Due(ahead); due != takes {
				t.Fatalf("Due(%v) = %d; Take succeeds %d times", ahead, due, takes)
			}
		}
		rate := l.PerMinute()
		if want := r.PerMinute(r.Step(int64(len(out)), succeeded)); rate != want {
			t.Fatalf("release %d: rate %d with %d notified, %d succeeded; want %d", len(out)+1, rate, len(out), succeeded, want)
		}
		at, ok := l.Take(ms(relAt))
		if !ok || at.Sub(t0).Milliseconds() != relAt {
			t.Fatalf("Take(+%dms) = %v, %v; Next said it was due then", relAt, at, ok)
		}
		out = append(out, releaseAt{relAt, rate})
		if rng.Float64() < pSucceed {
			s := relAt + rng.Int64N(maxDelay+1)
			i, _ := slices.BinarySearch(pending, s)
			pending = slices.Insert(pending, i, s)
		}
	}
	return out
}

// In any 60-second window the releases never exceed the rate in force at
// its end (rates only rise, so that is the window's highest), and the
// limiter never holds a release back longer than its spacing.
func TestLimiterNeverExceedsRate(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		cfg := randomRolloutConfig(rng)
		r, err := NewRate(cfg)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		rel := simulate(t, rng, r, 1+rng.IntN(2500))
		first := 0
		for j, x := range rel {
			for rel[first].at <= x.at-minuteMs {
				first++
			}
			if n := j - first + 1; n > x.rate {
				t.Fatalf("seed %d (%s): %d releases in the minute ending at +%dms, rate %d", seed, describe(cfg), n, x.at, x.rate)
			}
			if j > 0 {
				prev := rel[j-1]
				if gap := x.at - prev.at; gap > ceilDiv(minuteMs, int64(prev.rate)) || gap < 0 {
					t.Fatalf("seed %d (%s): release %d came %d ms after the previous at rate %d", seed, describe(cfg), j+1, gap, prev.rate)
				}
			}
		}
	}
}

func describe(c *JobExecutionsRolloutConfig) string {
	if c == nil {
		return "default"
	}
	s := ""
	if c.MaximumPerMinute != nil {
		s += "max " + strconv.Itoa(*c.MaximumPerMinute) + " "
	}
	if e := c.ExponentialRate; e != nil {
		s += "base " + strconv.Itoa(*e.BaseRatePerMinute) + " factor " + formatFloat(*e.IncrementFactor)
		if n := e.RateIncreaseCriteria.NumberOfNotifiedThings; n != nil {
			s += " notified " + strconv.Itoa(*n)
		}
		if n := e.RateIncreaseCriteria.NumberOfSucceededThings; n != nil {
			s += " succeeded " + strconv.Itoa(*n)
		}
	}
	return s
}
