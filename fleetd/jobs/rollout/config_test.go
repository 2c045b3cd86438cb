package rollout

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// A CreateJob body as the spec's §2.1 shows it; the adapter's request
// struct embeds Config, as createJob does here.
const createJobBody = `{
 "targets": ["arn:aws:iot:r:a:thing/T1"],
 "document": "{}",
 "jobExecutionsRolloutConfig": {
    "maximumPerMinute": 1000,
    "exponentialRate": {"baseRatePerMinute": 50, "incrementFactor": 2.0,
                        "rateIncreaseCriteria": {"numberOfNotifiedThings": 1000, "numberOfSucceededThings": 1000}}},
 "abortConfig": {"criteriaList": [
    {"failureType": "ALL", "action": "CANCEL", "thresholdPercentage": 20.0, "minNumberOfExecutedThings": 100}]},
 "timeoutConfig": {"inProgressTimeoutInMinutes": 20},
 "jobExecutionsRetryConfig": {"criteriaList": [{"failureType": "FAILED", "numberOfRetries": 3}]}
}`

func TestDecodeAndCompileCreateJob(t *testing.T) {
	var createJob struct {
		Targets  []string `json:"targets"`
		Document string   `json:"document"`
		Config
	}
	dec := json.NewDecoder(strings.NewReader(createJobBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&createJob); err != nil {
		t.Fatalf("decoding: %v", err)
	}
	p, err := Compile(createJob.Config)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if got := []int{p.Rate.PerMinute(0), p.Rate.PerMinute(3)}; got[0] != 50 || got[1] != 400 {
		t.Errorf("rates %v; want [50 400]", got)
	}
	if p.InProgressTimeout != 20*time.Minute {
		t.Errorf("InProgressTimeout = %v; want 20m", p.InProgressTimeout)
	}
	if _, ok := p.Abort.Evaluate(Counts{Succeeded: 80, Failed: 20}); !ok {
		t.Error("abort at 20 of 100 did not fire")
	}
	if _, ok := p.Retry.Next(Attempt{ExecutionNumber: 1}, StatusFailed); !ok {
		t.Error("FAILED not retried")
	}
	// The configuration encodes back to the same members.
	out, err := json.Marshal(createJob.Config)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jobExecutionsRolloutConfig":{"maximumPerMinute":1000,"exponentialRate":{"baseRatePerMinute":50,"incrementFactor":2,` +
		`"rateIncreaseCriteria":{"numberOfNotifiedThings":1000,"numberOfSucceededThings":1000}}},` +
		`"abortConfig":{"criteriaList":[{"failureType":"ALL","action":"CANCEL","thresholdPercentage":20,"minNumberOfExecutedThings":100}]},` +
		`"timeoutConfig":{"inProgressTimeoutInMinutes":20},` +
		`"jobExecutionsRetryConfig":{"criteriaList":[{"failureType":"FAILED","numberOfRetries":3}]}}`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant %s", out, want)
	}
}

func TestCompileDefaults(t *testing.T) {
	p, err := Compile(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate.PerMinute(0) != MaxPerMinute || !p.Rate.Constant() || p.InProgressTimeout != 0 {
		t.Errorf("defaults: %d/min, constant %v, timeout %v", p.Rate.PerMinute(0), p.Rate.Constant(), p.InProgressTimeout)
	}
	if _, ok := p.Abort.Evaluate(Counts{Failed: 1 << 40}); ok {
		t.Error("default abort fired")
	}
	if _, ok := p.Retry.Next(Attempt{ExecutionNumber: 1}, StatusFailed); ok {
		t.Error("default retried")
	}
}

func TestValidationMessages(t *testing.T) {
	tests := []struct {
		name string
		body string // JSON of a Config
		want string // the InvalidRequestException's message; "" for valid
	}{
		{"valid", createJobBody, ""},
		{"empty", `{}`, ""},
		{"maximumPerMinute 0", `{"jobExecutionsRolloutConfig": {"maximumPerMinute": 0}}`,
			"jobExecutionsRolloutConfig.maximumPerMinute must be between 1 and 1000, got 0"},
		{"maximumPerMinute 1001", `{"jobExecutionsRolloutConfig": {"maximumPerMinute": 1001}}`,
			"jobExecutionsRolloutConfig.maximumPerMinute must be between 1 and 1000, got 1001"},
		{"empty exponentialRate", `{"jobExecutionsRolloutConfig": {"exponentialRate": {}}}`,
			"jobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute is required; " +
				"jobExecutionsRolloutConfig.exponentialRate.incrementFactor is required; " +
				"jobExecutionsRolloutConfig.exponentialRate.rateIncreaseCriteria is required"},
		{"exponential ranges", `{"jobExecutionsRolloutConfig": {"exponentialRate": {"baseRatePerMinute": 1001, "incrementFactor": 5.1,
			"rateIncreaseCriteria": {"numberOfNotifiedThings": 0}}}}`,
			"jobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute must be between 1 and 1000, got 1001; " +
				"jobExecutionsRolloutConfig.exponentialRate.incrementFactor must be between 1.1 and 5.0, got 5.1; " +
				"jobExecutionsRolloutConfig.exponentialRate.rateIncreaseCriteria.numberOfNotifiedThings must be between 1 and 2147483647, got 0"},
		{"incrementFactor 1.05", `{"jobExecutionsRolloutConfig": {"exponentialRate": {"baseRatePerMinute": 1, "incrementFactor": 1.05,
			"rateIncreaseCriteria": {"numberOfSucceededThings": 1}}}}`,
			"jobExecutionsRolloutConfig.exponentialRate.incrementFactor must be between 1.1 and 5.0, got 1.05"},
		{"incrementFactor 1.55", `{"jobExecutionsRolloutConfig": {"exponentialRate": {"baseRatePerMinute": 1, "incrementFactor": 1.55,
			"rateIncreaseCriteria": {"numberOfSucceededThings": 1}}}}`,
			"jobExecutionsRolloutConfig.exponentialRate.incrementFactor must have at most one digit after the decimal point, got 1.55"},
		{"no criterion", `{"jobExecutionsRolloutConfig": {"exponentialRate": {"baseRatePerMinute": 1, "incrementFactor": 5,
			"rateIncreaseCriteria": {}}}}`,
			"jobExecutionsRolloutConfig.exponentialRate.rateIncreaseCriteria must set numberOfNotifiedThings or numberOfSucceededThings"},
		{"empty abort", `{"abortConfig": {"criteriaList": []}}`, "abortConfig.criteriaList must have at least 1 entry"},
		{"abort members missing", `{"abortConfig": {"criteriaList": [{}]}}`,
			"abortConfig.criteriaList[0].failureType is required; abortConfig.criteriaList[0].action is required; " +
				"abortConfig.criteriaList[0].thresholdPercentage is required; abortConfig.criteriaList[0].minNumberOfExecutedThings is required"},
		{"abort values", `{"abortConfig": {"criteriaList": [
			{"failureType": "ALL", "action": "CANCEL", "thresholdPercentage": 20, "minNumberOfExecutedThings": 1},
			{"failureType": "SUCCEEDED", "action": "STOP", "thresholdPercentage": 100.5, "minNumberOfExecutedThings": 0}]}}`,
			"abortConfig.criteriaList[1].failureType must be one of FAILED, REJECTED, TIMED_OUT, ALL, got \"SUCCEEDED\"; " +
				"abortConfig.criteriaList[1].action must be CANCEL, got \"STOP\"; " +
				"abortConfig.criteriaList[1].thresholdPercentage must be between 0 and 100, got 100.5; " +
				"abortConfig.criteriaList[1].minNumberOfExecutedThings must be between 1 and 2147483647, got 0"},
		{"threshold decimals", `{"abortConfig": {"criteriaList": [{"failureType": "FAILED", "action": "CANCEL", "thresholdPercentage": 20.125, "minNumberOfExecutedThings": 1}]}}`,
			"abortConfig.criteriaList[0].thresholdPercentage must have at most two digits after the decimal point, got 20.125"},
		{"negative threshold", `{"abortConfig": {"criteriaList": [{"failureType": "FAILED", "action": "CANCEL", "thresholdPercentage": -1, "minNumberOfExecutedThings": 1}]}}`,
			"abortConfig.criteriaList[0].thresholdPercentage must be between 0 and 100, got -1"},
		{"timeout 0", `{"timeoutConfig": {"inProgressTimeoutInMinutes": 0}}`,
			"timeoutConfig.inProgressTimeoutInMinutes must be between 1 and 10080, got 0"},
		{"timeout 10081", `{"timeoutConfig": {"inProgressTimeoutInMinutes": 10081}}`,
			"timeoutConfig.inProgressTimeoutInMinutes must be between 1 and 10080, got 10081"},
		{"empty timeoutConfig", `{"timeoutConfig": {}}`, ""},
		{"no retry criteria", `{"jobExecutionsRetryConfig": {"criteriaList": []}}`,
			"jobExecutionsRetryConfig.criteriaList must have 1 or 2 entries, got 0"},
		{"three retry criteria", `{"jobExecutionsRetryConfig": {"criteriaList": [
			{"failureType": "FAILED", "numberOfRetries": 1}, {"failureType": "TIMED_OUT", "numberOfRetries": 1}, {"failureType": "ALL", "numberOfRetries": 1}]}}`,
			"jobExecutionsRetryConfig.criteriaList must have 1 or 2 entries, got 3"},
		{"retry values", `{"jobExecutionsRetryConfig": {"criteriaList": [{"failureType": "REJECTED", "numberOfRetries": 11}, {}]}}`,
			"jobExecutionsRetryConfig.criteriaList[0].failureType must be one of FAILED, TIMED_OUT, ALL, got \"REJECTED\"; " +
				"jobExecutionsRetryConfig.criteriaList[0].numberOfRetries must be between 0 and 10, got 11; " +
				"jobExecutionsRetryConfig.criteriaList[1].failureType is required; " +
				"jobExecutionsRetryConfig.criteriaList[1].numberOfRetries is required"},
		{"duplicate retry type", `{"jobExecutionsRetryConfig": {"criteriaList": [{"failureType": "FAILED", "numberOfRetries": 1}, {"failureType": "FAILED", "numberOfRetries": 2}]}}`,
			"jobExecutionsRetryConfig.criteriaList[1].failureType FAILED appears more than once in jobExecutionsRetryConfig.criteriaList"},
		{"everything at once", `{"jobExecutionsRolloutConfig": {"maximumPerMinute": 0}, "timeoutConfig": {"inProgressTimeoutInMinutes": 0}}`,
			"jobExecutionsRolloutConfig.maximumPerMinute must be between 1 and 1000, got 0; " +
				"timeoutConfig.inProgressTimeoutInMinutes must be between 1 and 10080, got 0"},
	}
	for _, tt := range tests {
		var c Config
		if err := json.Unmarshal([]byte(tt.body), &c); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		err := c.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v; want nil", tt.name, err)
			}
			continue
		}
		e, ok := awserr.As(err)
		if !ok || e.Code != awserr.InvalidRequest || e.Status != 400 || e.Message != tt.want {
			t.Errorf("%s: Validate() = %v\nwant InvalidRequestException: %s", tt.name, err, tt.want)
		}
		if _, cerr := Compile(c); cerr == nil {
			t.Errorf("%s: Compile accepted what Validate rejects", tt.name)
		}
	}
}

// The per-shape constructors validate their own shape.
func TestConstructorsValidate(t *testing.T) {
	if _, err := NewRate(&JobExecutionsRolloutConfig{MaximumPerMinute: new(0)}); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("NewRate = %v", err)
	}
	if _, err := NewAbort(&AbortConfig{}); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("NewAbort = %v", err)
	}
	if _, err := NewRetry(&JobExecutionsRetryConfig{}); !awserr.Is(err, awserr.InvalidRequest) {
		t.Errorf("NewRetry = %v", err)
	}
}

func TestScaledDecimals(t *testing.T) {
	tests := []struct {
		v      float64
		places int
		want   int64
		ok     bool
	}{
		{20.15, 2, 2015, true}, {20, 2, 2000, true}, {33.33, 2, 3333, true}, {0.29, 2, 29, true},
		{100, 2, 10000, true}, {0.01, 2, 1, true}, {20.125, 2, 0, false}, {1e-5, 2, 0, false},
		{1.1, 1, 11, true}, {5, 1, 50, true}, {1.55, 1, 0, false}, {4.9, 1, 49, true},
	}
	for _, tt := range tests {
		got, ok := scaled(tt.v, tt.places)
		if got != tt.want || ok != tt.ok {
			t.Errorf("scaled(%v, %d) = %d, %v; want %d, %v", tt.v, tt.places, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		v    int64
		want string
	}{{2015, "20.15"}, {2000, "20"}, {2050, "20.5"}, {5, "0.05"}, {0, "0"}, {10000, "100"}} {
		if got := formatScaled(tt.v, 2); got != tt.want {
			t.Errorf("formatScaled(%d, 2) = %q; want %q", tt.v, got, tt.want)
		}
	}
}
