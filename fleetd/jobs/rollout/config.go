package rollout

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Status is a job execution's status, as AWS spells it.
type Status string

// The execution statuses of spec §2.4.
const (
	StatusQueued     Status = "QUEUED"
	StatusInProgress Status = "IN_PROGRESS"
	StatusSucceeded  Status = "SUCCEEDED"
	StatusFailed     Status = "FAILED"
	StatusTimedOut   Status = "TIMED_OUT"
	StatusRejected   Status = "REJECTED"
	StatusRemoved    Status = "REMOVED"
	StatusCanceled   Status = "CANCELED"
)

// Terminal reports whether s is one of the six terminal statuses.
func (s Status) Terminal() bool {
	switch s {
	case StatusSucceeded, StatusFailed, StatusTimedOut, StatusRejected, StatusRemoved, StatusCanceled:
		return true
	}
	return false
}

// FailureType is the failureType of an abort or retry criterion.
type FailureType string

// The failure types. Abort criteria take all four, retry criteria all but
// REJECTED.
const (
	FailureTypeFailed   FailureType = "FAILED"
	FailureTypeRejected FailureType = "REJECTED"
	FailureTypeTimedOut FailureType = "TIMED_OUT"
	FailureTypeAll      FailureType = "ALL"
)

// AbortAction is the action of an abort criterion.
type AbortAction string

// AbortActionCancel is the only abort action AWS defines.
const AbortActionCancel AbortAction = "CANCEL"

// Limits of the configuration, as AWS documents them.
const (
	// MaxPerMinute is the service's own rollout rate and the default and
	// largest maximumPerMinute; no rate exceeds it.
	MaxPerMinute = 1000
	// MaxTimeoutMinutes bounds inProgressTimeoutInMinutes and
	// stepTimeoutInMinutes (7 days).
	MaxTimeoutMinutes = 10080
	// MaxRetries bounds numberOfRetries, and the retries of one thing for
	// both failure types combined.
	MaxRetries = 10
	// maxInt32 bounds members the model types as integer without a
	// documented maximum.
	maxInt32 = math.MaxInt32
)

// JobExecutionsRolloutConfig is CreateJob's jobExecutionsRolloutConfig.
// Numbers are pointers so that an absent member and a zero are told apart.
type JobExecutionsRolloutConfig struct {
	MaximumPerMinute *int                    `json:"maximumPerMinute,omitempty"`
	ExponentialRate  *ExponentialRolloutRate `json:"exponentialRate,omitempty"`
}

// ExponentialRolloutRate is jobExecutionsRolloutConfig.exponentialRate.
type ExponentialRolloutRate struct {
	BaseRatePerMinute    *int                  `json:"baseRatePerMinute,omitempty"`
	IncrementFactor      *float64              `json:"incrementFactor,omitempty"`
	RateIncreaseCriteria *RateIncreaseCriteria `json:"rateIncreaseCriteria,omitempty"`
}

// RateIncreaseCriteria is exponentialRate.rateIncreaseCriteria; at least
// one member must be set.
type RateIncreaseCriteria struct {
	NumberOfNotifiedThings  *int `json:"numberOfNotifiedThings,omitempty"`
	NumberOfSucceededThings *int `json:"numberOfSucceededThings,omitempty"`
}

// AbortConfig is CreateJob's abortConfig.
type AbortConfig struct {
	CriteriaList []AbortCriteria `json:"criteriaList"`
}

// AbortCriteria is one entry of abortConfig.criteriaList.
type AbortCriteria struct {
	FailureType               FailureType `json:"failureType"`
	Action                    AbortAction `json:"action"`
	ThresholdPercentage       *float64    `json:"thresholdPercentage,omitempty"`
	MinNumberOfExecutedThings *int        `json:"minNumberOfExecutedThings,omitempty"`
}

// TimeoutConfig is CreateJob's timeoutConfig. An empty one sets no timer.
type TimeoutConfig struct {
	InProgressTimeoutInMinutes *int64 `json:"inProgressTimeoutInMinutes,omitempty"`
}

// JobExecutionsRetryConfig is CreateJob's jobExecutionsRetryConfig.
type JobExecutionsRetryConfig struct {
	CriteriaList []RetryCriteria `json:"criteriaList"`
}

// RetryCriteria is one entry of jobExecutionsRetryConfig.criteriaList.
type RetryCriteria struct {
	FailureType     FailureType `json:"failureType"`
	NumberOfRetries *int        `json:"numberOfRetries,omitempty"`
}

// Config is the part of a CreateJob (or CreateJobTemplate) body this
// package owns. Embedded in the adapter's request struct, it decodes from
// the same JSON object.
type Config struct {
	JobExecutionsRolloutConfig *JobExecutionsRolloutConfig `json:"jobExecutionsRolloutConfig,omitempty"`
	AbortConfig                *AbortConfig                `json:"abortConfig,omitempty"`
	TimeoutConfig              *TimeoutConfig              `json:"timeoutConfig,omitempty"`
	JobExecutionsRetryConfig   *JobExecutionsRetryConfig   `json:"jobExecutionsRetryConfig,omitempty"`
}

// Plan is a validated Config in the form the arithmetic uses.
type Plan struct {
	Rate              Rate
	Abort             Abort
	InProgressTimeout time.Duration // 0: no in-progress timer
	Retry             Retry
}

// Validate returns an InvalidRequestException naming every problem of c,
// or nil.
func (c Config) Validate() error {
	var p problems
	c.JobExecutionsRolloutConfig.validate(&p)
	c.AbortConfig.validate(&p)
	c.TimeoutConfig.validate(&p)
	c.JobExecutionsRetryConfig.validate(&p)
	return p.err()
}

// Compile validates c and returns its Plan. Absent configurations give
// their defaults: 1000 releases a minute, no abort, no in-progress timer,
// no retries.
func Compile(c Config) (Plan, error) {
	if err := c.Validate(); err != nil {
		return Plan{}, err
	}
	return Plan{
		Rate:              compileRate(c.JobExecutionsRolloutConfig),
		Abort:             compileAbort(c.AbortConfig),
		InProgressTimeout: compileTimeout(c.TimeoutConfig),
		Retry:             compileRetry(c.JobExecutionsRetryConfig),
	}, nil
}

// Validate returns an InvalidRequestException naming every problem of c,
// or nil. A nil configuration is valid.
func (c *JobExecutionsRolloutConfig) Validate() error { return validateOne(c.validate) }

// Validate returns an InvalidRequestException naming every problem of c,
// or nil. A nil configuration is valid.
func (c *AbortConfig) Validate() error { return validateOne(c.validate) }

// Validate returns an InvalidRequestException naming every problem of c,
// or nil. A nil configuration is valid.
func (c *TimeoutConfig) Validate() error { return validateOne(c.validate) }

// Validate returns an InvalidRequestException naming every problem of c,
// or nil. A nil configuration is valid.
func (c *JobExecutionsRetryConfig) Validate() error { return validateOne(c.validate) }

func validateOne(v func(*problems)) error {
	var p problems
	v(&p)
	return p.err()
}

func (c *JobExecutionsRolloutConfig) validate(p *problems) {
	if c == nil {
		return
	}
	const path = "jobExecutionsRolloutConfig"
	if c.MaximumPerMinute != nil {
		p.intRange(path+".maximumPerMinute", *c.MaximumPerMinute, 1, MaxPerMinute)
	}
	e := c.ExponentialRate
	if e == nil {
		return
	}
	const ep = path + ".exponentialRate"
	if e.BaseRatePerMinute == nil {
		p.required(ep + ".baseRatePerMinute")
	} else {
		p.intRange(ep+".baseRatePerMinute", *e.BaseRatePerMinute, 1, MaxPerMinute)
	}
	if e.IncrementFactor == nil {
		p.required(ep + ".incrementFactor")
	} else {
		p.decimal(ep+".incrementFactor", *e.IncrementFactor, 1.1, 5, "1.1 and 5.0", 1)
	}
	const cp = ep + ".rateIncreaseCriteria"
	ric := e.RateIncreaseCriteria
	switch {
	case ric == nil:
		p.required(cp)
	case ric.NumberOfNotifiedThings == nil && ric.NumberOfSucceededThings == nil:
		p.add(cp + " must set numberOfNotifiedThings or numberOfSucceededThings")
	default:
		if ric.NumberOfNotifiedThings != nil {
			p.intRange(cp+".numberOfNotifiedThings", *ric.NumberOfNotifiedThings, 1, maxInt32)
		}
		if ric.NumberOfSucceededThings != nil {
			p.intRange(cp+".numberOfSucceededThings", *ric.NumberOfSucceededThings, 1, maxInt32)
		}
	}
}

func (c *AbortConfig) validate(p *problems) {
	if c == nil {
		return
	}
	if len(c.CriteriaList) == 0 {
		p.add("abortConfig.criteriaList must have at least 1 entry")
	}
	for i, cr := range c.CriteriaList {
		path := fmt.Sprintf("abortConfig.criteriaList[%d]", i)
		switch cr.FailureType {
		case FailureTypeFailed, FailureTypeRejected, FailureTypeTimedOut, FailureTypeAll:
		case "":
			p.required(path + ".failureType")
		default:
			p.add(fmt.Sprintf("%s.failureType must be one of FAILED, REJECTED, TIMED_OUT, ALL, got %q", path, cr.FailureType))
		}
		switch cr.Action {
		case AbortActionCancel:
		case "":
			p.required(path + ".action")
		default:
			p.add(fmt.Sprintf("%s.action must be CANCEL, got %q", path, cr.Action))
		}
		if cr.ThresholdPercentage == nil {
			p.required(path + ".thresholdPercentage")
		} else {
			p.decimal(path+".thresholdPercentage", *cr.ThresholdPercentage, 0, 100, "0 and 100", 2)
		}
		if cr.MinNumberOfExecutedThings == nil {
			p.required(path + ".minNumberOfExecutedThings")
		} else {
			p.intRange(path+".minNumberOfExecutedThings", *cr.MinNumberOfExecutedThings, 1, maxInt32)
		}
	}
}

func (c *TimeoutConfig) validate(p *problems) {
	if c == nil || c.InProgressTimeoutInMinutes == nil {
		return
	}
	if v := *c.InProgressTimeoutInMinutes; v < 1 || v > MaxTimeoutMinutes {
		p.add(fmt.Sprintf("timeoutConfig.inProgressTimeoutInMinutes must be between 1 and %d, got %d", MaxTimeoutMinutes, v))
	}
}

func (c *JobExecutionsRetryConfig) validate(p *problems) {
	if c == nil {
		return
	}
	if n := len(c.CriteriaList); n < 1 || n > 2 {
		p.add(fmt.Sprintf("jobExecutionsRetryConfig.criteriaList must have 1 or 2 entries, got %d", n))
	}
	seen := map[FailureType]bool{}
	for i, cr := range c.CriteriaList {
		path := fmt.Sprintf("jobExecutionsRetryConfig.criteriaList[%d]", i)
		switch cr.FailureType {
		case FailureTypeFailed, FailureTypeTimedOut, FailureTypeAll:
			if seen[cr.FailureType] {
				p.add(fmt.Sprintf("%s.failureType %s appears more than once in jobExecutionsRetryConfig.criteriaList", path, cr.FailureType))
			}
			seen[cr.FailureType] = true
		case "":
			p.required(path + ".failureType")
		default:
			p.add(fmt.Sprintf("%s.failureType must be one of FAILED, TIMED_OUT, ALL, got %q", path, cr.FailureType))
		}
		if cr.NumberOfRetries == nil {
			p.required(path + ".numberOfRetries")
		} else {
			p.intRange(path+".numberOfRetries", *cr.NumberOfRetries, 0, MaxRetries)
		}
	}
}

// problems collects the validation failures of one request, in field
// order, for one InvalidRequestException.
type problems []string

func (p *problems) add(msg string) { *p = append(*p, msg) }

func (p *problems) required(path string) { p.add(path + " is required") }

func (p *problems) intRange(path string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(fmt.Sprintf("%s must be between %d and %d, got %d", path, lo, hi, v))
	}
}

// decimal checks lo ≤ v ≤ hi and that v has at most places digits after
// the decimal point.
func (p *problems) decimal(path string, v, lo, hi float64, bounds string, places int) {
	if !(v >= lo && v <= hi) { // also catches NaN
		p.add(fmt.Sprintf("%s must be between %s, got %s", path, bounds, formatFloat(v)))
		return
	}
	if _, ok := scaled(v, places); !ok {
		digits := map[int]string{1: "one digit", 2: "two digits"}[places]
		p.add(fmt.Sprintf("%s must have at most %s after the decimal point, got %s", path, digits, formatFloat(v)))
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return awserr.New(awserr.InvalidRequest, "%s", strings.Join(p, "; "))
}

// scaled returns v × 10^places as an exact integer when the shortest
// decimal spelling of v (the one a JSON literal such as 20.15 round-trips
// to) has at most places digits after the point. Comparisons on the result
// are exact, so a threshold of 20.15 is 2015 hundredths, never
// 2014.9999999999998.
func scaled(v float64, places int) (int64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(strconv.FormatFloat(v, 'f', -1, 64), ".")
	if len(frac) > places {
		return 0, false
	}
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", places-len(frac)), 10, 64)
	return n, err == nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// formatScaled prints an integer number of 10^-places units as a decimal
// without trailing zeros: formatScaled(2015, 2) = "20.15", (2000, 2) = "20".
func formatScaled(v int64, places int) string {
	unit := int64(math.Pow10(places))
	s := strconv.FormatInt(v/unit, 10)
	frac := strings.TrimRight(fmt.Sprintf("%0*d", places, v%unit), "0")
	if frac != "" {
		s += "." + frac
	}
	return s
}
