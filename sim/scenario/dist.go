package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dist is a compiled numeric distribution. Sample draws one value with the
// caller's generator (the package keeps no generator of its own); a Dist
// holds no state, so one Dist serves any number of devices and goroutines.
type Dist interface {
	Sample(r *rand.Rand) float64
	// String prints the distribution as a scenario would write it.
	String() string
}

// Constant always samples the same value.
type Constant float64

// Uniform samples uniformly from [Min, Max).
type Uniform struct{ Min, Max float64 }

// Normal samples a Gaussian.
type Normal struct{ Mean, Stddev float64 }

// Exponential samples an exponential distribution with the given mean
// (memoryless waits: "every 10 minutes on average").
type Exponential struct{ Mean float64 }

// LogNormal samples a log-normal distribution given by its median and 99th
// percentile, the way latencies are usually known: ln X is normal with
// μ = ln Median and σ = (ln P99 − μ) / z₀.₉₉ (z₀.₉₉ ≈ 2.3263).
type LogNormal struct{ Median, P99 float64 }

// Discrete samples one of a few numbers with given weights.
type Discrete struct{ Choice[float64] }

// z99 is the 0.99 quantile of the standard normal distribution.
const z99 = 2.3263478740408408

func (c Constant) Sample(*rand.Rand) float64 { return float64(c) }
func (u Uniform) Sample(r *rand.Rand) float64 {
	return u.Min + (u.Max-u.Min)*r.Float64()
}
func (n Normal) Sample(r *rand.Rand) float64      { return n.Mean + n.Stddev*r.NormFloat64() }
func (e Exponential) Sample(r *rand.Rand) float64 { return e.Mean * r.ExpFloat64() }
func (l LogNormal) Sample(r *rand.Rand) float64 {
	return l.Median * math.Exp(l.Sigma()*r.NormFloat64())
}
func (d Discrete) Sample(r *rand.Rand) float64 {
	v, _ := d.Pick(r)
	return v
}

// Sigma is σ of ln X.
func (l LogNormal) Sigma() float64 { return (math.Log(l.P99) - math.Log(l.Median)) / z99 }

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (c Constant) String() string { return num(float64(c)) }
func (u Uniform) String() string  { return fmt.Sprintf("{uniform: [%s, %s]}", num(u.Min), num(u.Max)) }
func (n Normal) String() string {
	return fmt.Sprintf("{normal: {mean: %s, stddev: %s}}", num(n.Mean), num(n.Stddev))
}
func (e Exponential) String() string { return fmt.Sprintf("{exponential: %s}", num(e.Mean)) }
func (l LogNormal) String() string {
	return fmt.Sprintf("{lognormal: {median: %s, p99: %s}}", num(l.Median), num(l.P99))
}
func (d Discrete) String() string { return d.Choice.format(num) }

// DurationDist is a distribution of durations. D samples seconds; nil D is
// a zero duration (a step that takes no time).
type DurationDist struct{ D Dist }

// Sample draws a duration, never negative: a Normal that dips below zero
// gives 0.
func (d DurationDist) Sample(r *rand.Rand) time.Duration {
	if d.D == nil {
		return 0
	}
	s := d.D.Sample(r)
	switch {
	case !(s > 0): // also NaN
		return 0
	case s >= float64(math.MaxInt64)/1e9:
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Round(s * 1e9))
}

// IsZero reports whether the distribution is the zero duration.
func (d DurationDist) IsZero() bool { return d.D == nil }

// String prints the distribution with durations, as a scenario writes it.
func (d DurationDist) String() string {
	ds := func(s float64) string { return time.Duration(math.Round(s * 1e9)).String() }
	switch v := d.D.(type) {
	case nil:
		return "0s"
	case Constant:
		return ds(float64(v))
	case Uniform:
		return fmt.Sprintf("{uniform: [%s, %s]}", ds(v.Min), ds(v.Max))
	case Normal:
		return fmt.Sprintf("{normal: {mean: %s, stddev: %s}}", ds(v.Mean), ds(v.Stddev))
	case Exponential:
		return fmt.Sprintf("{exponential: %s}", ds(v.Mean))
	case LogNormal:
		return fmt.Sprintf("{lognormal: {median: %s, p99: %s}}", ds(v.Median), ds(v.P99))
	case Discrete:
		return v.Choice.format(ds)
	}
	return d.D.String()
}

// Choice picks one of Items with probability proportional to its weight.
// Weights sum to at most 1; what is left over (1 − Total) is the chance of
// picking nothing, which a oneOf in a value uses to leave the value unset.
// Items keep the order they were written in, so a seed picks the same item
// whatever the map order of the YAML library.
type Choice[T any] struct {
	Items   []T
	Weights []float64
	cum     []float64
}

// NewChoice builds a Choice. Weights must be positive and sum to at most 1
// (within 1e-9, in which case the sum is taken as exactly 1).
func NewChoice[T any](items []T, weights []float64) Choice[T] {
	if len(items) != len(weights) {
		panic("scenario: NewChoice: items and weights differ in length")
	}
	c := Choice[T]{Items: slices.Clone(items), Weights: slices.Clone(weights), cum: make([]float64, len(weights))}
	sum := 0.0
	for i, w := range weights {
		if !(w > 0) {
			panic("scenario: NewChoice: weights must be positive")
		}
		sum += w
		c.cum[i] = sum
	}
	if sum > 1+weightTolerance {
		panic("scenario: NewChoice: weights sum to more than 1")
	}
	if math.Abs(sum-1) <= weightTolerance && len(c.cum) > 0 {
		for i := range c.cum {
			c.cum[i] /= sum
		}
		c.cum[len(c.cum)-1] = 1
	}
	return c
}

// weightTolerance is how far from 1 a set of weights may sum and still be
// taken as normalised.
const weightTolerance = 1e-9

// Total is the probability that Pick picks something.
func (c Choice[T]) Total() float64 {
	if len(c.cum) == 0 {
		return 0
	}
	return c.cum[len(c.cum)-1]
}

// Index draws the index of an item, or -1 for nothing. It consumes exactly
// one Float64 from r.
func (c Choice[T]) Index(r *rand.Rand) int {
	u := r.Float64()
	i, _ := slices.BinarySearchFunc(c.cum, u, func(c, u float64) int {
		if c <= u {
			return -1
		}
		return 1
	})
	if i >= len(c.cum) {
		return -1
	}
	return i
}

// Pick draws an item; ok is false when nothing was picked.
func (c Choice[T]) Pick(r *rand.Rand) (v T, ok bool) {
	i := c.Index(r)
	if i < 0 {
		return v, false
	}
	return c.Items[i], true
}

func (c Choice[T]) format(item func(T) string) string {
	var b strings.Builder
	b.WriteString("{oneOf: {")
	for i, it := range c.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", item(it), num(c.Weights[i]))
	}
	b.WriteString("}}")
	return b.String()
}

// Outcome is how a simulated job agent ends an execution.
type Outcome uint8

const (
	Succeeded Outcome = iota // reports SUCCEEDED
	Failed                   // reports FAILED
	Rejected                 // reports REJECTED
	Hang                     // never answers again: the execution times out if the job has a timeout
)

var outcomeNames = []string{"SUCCEEDED", "FAILED", "REJECTED", "hang"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}
