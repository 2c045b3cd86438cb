package scenario

import (
	"math"
	"slices"
)

// Scaled returns a copy of s with every cohort's count multiplied by f and
// rounded, keeping at least one device in a cohort that had any (and at
// most 2³²−1). It is what --scale does: smoke tests run a scenario at
// 0.01, benchmarks at 100. Nothing else changes: the job bodies, their
// rollout rates and abort thresholds and the expectations stay as written,
// because they are what the user will submit to AWS. f must be positive
// and finite; Scaled panics otherwise (a flag parser checks it first).
func (s *Scenario) Scaled(f float64) *Scenario {
	if !(f > 0) || math.IsInf(f, 0) {
		panic("scenario: Scaled: the factor must be positive and finite")
	}
	c := *s
	c.Cohorts = slices.Clone(s.Cohorts)
	for i := range c.Cohorts {
		if n := c.Cohorts[i].Count; n > 0 {
			c.Cohorts[i].Count = int(min(max(1, math.Round(float64(n)*f)), math.MaxUint32))
		}
	}
	return &c
}

// WithSeed returns a copy of s with another seed (--seed).
func (s *Scenario) WithSeed(seed uint64) *Scenario {
	c := *s
	c.Seed = seed
	return &c
}
