package rollout

import "math/big"

// Rate is a validated rollout configuration: the release rate of every
// step and what ends a step. The zero Rate is AWS's default, a constant
// 1000 a minute; NewRate and Compile give the others.
type Rate struct {
	// perMinute[k] is the rate of step k; the last entry is the cap and
	// holds for every later step.
	perMinute []int
	// notifiedEvery and succeededEvery are rateIncreaseCriteria's
	// numberOfNotifiedThings and numberOfSucceededThings; 0 when absent.
	notifiedEvery, succeededEvery int64
}

// NewRate validates c and compiles it. A nil c is AWS's default: a constant
// 1000 releases a minute.
func NewRate(c *JobExecutionsRolloutConfig) (Rate, error) {
	if err := c.Validate(); err != nil {
		return Rate{}, err
	}
	return compileRate(c), nil
}

func compileRate(c *JobExecutionsRolloutConfig) Rate {
	limit := MaxPerMinute
	if c != nil && c.MaximumPerMinute != nil {
		limit = *c.MaximumPerMinute
	}
	if c == nil || c.ExponentialRate == nil {
		return Rate{perMinute: []int{limit}}
	}
	e := c.ExponentialRate
	factor10, _ := scaled(*e.IncrementFactor, 1) // 11..50: the factor in tenths
	r := Rate{perMinute: exponentialRates(*e.BaseRatePerMinute, factor10, limit)}
	if n := e.RateIncreaseCriteria.NumberOfNotifiedThings; n != nil {
		r.notifiedEvery = int64(*n)
	}
	if n := e.RateIncreaseCriteria.NumberOfSucceededThings; n != nil {
		r.succeededEvery = int64(*n)
	}
	return r
}

// exponentialRates returns min(floor(base × (factor10/10)^k), limit) for
// k = 0, 1, … up to the first k that reaches limit. The power is computed
// exactly: base × factor10^k / 10^k in big integers, floored once, so 1.5
// gives 3, 4, 6, 10, 15, 22 from a base of 3 (flooring step by step would
// give 3, 4, 6, 9, 13, 19) and no float error turns 121 into 120.
func exponentialRates(base int, factor10 int64, limit int) []int {
	num, den := big.NewInt(int64(base)), big.NewInt(1)
	f, ten, q := big.NewInt(factor10), big.NewInt(10), new(big.Int)
	lim := big.NewInt(int64(limit))
	var rates []int
	for {
		q.Quo(num, den)
		if q.Cmp(lim) >= 0 {
			return append(rates, limit)
		}
		rates = append(rates, int(q.Int64()))
		num.Mul(num, f)
		den.Mul(den, ten)
	}
}

// PerMinute returns the rate of step k: releases per minute.
func (r Rate) PerMinute(k int) int {
	if len(r.perMinute) == 0 {
		return MaxPerMinute
	}
	return r.perMinute[min(k, len(r.perMinute)-1)]
}

// Step returns the step the counters put the rollout in: step k ends when
// notified ≥ (k+1)×numberOfNotifiedThings or succeeded ≥
// (k+1)×numberOfSucceededThings, so it is the larger of the two quotients.
// A constant rate has only step 0.
func (r Rate) Step(notified, succeeded int64) int {
	var k int64
	if r.notifiedEvery > 0 {
		k = notified / r.notifiedEvery
	}
	if r.succeededEvery > 0 {
		k = max(k, succeeded/r.succeededEvery)
	}
	return int(k)
}

// Constant reports whether every step has the same rate: no exponential
// rate, or one whose base already reaches the cap.
func (r Rate) Constant() bool { return len(r.perMinute) <= 1 }

// final reports whether step k already runs at the cap, so that no later
// step can change the rate.
func (r Rate) final(k int) bool { return k >= len(r.perMinute)-1 }
