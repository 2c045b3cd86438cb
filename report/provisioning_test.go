package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/google/go-cmp/cmp"
)

func provisioningReport() *Report {
	rep := &Report{Scenario: "p", Devices: 10, Jobs: map[string]Job{}, Queries: map[string]Query{}, Provisioning: NewProvisioning()}
	rep.Provisioning.Provisioned = 6
	rep.Provisioning.Refused = 4
	rep.Provisioning.RefusedBy = map[string]int{"MaxRegistrationsPerClaim": 3, "RateLimit": 1}
	rep.Provisioning.RegistrationTasks["batch"] = RegistrationTask{TaskID: "t-1", Status: "Completed", SuccessCount: 5, FailureCount: 2,
		StartedAt: Seconds(60), FinishedAt: Seconds(61)}
	rep.Provisioning.RegistrationTasks["refused"] = RegistrationTask{Error: "InvalidRequestException: one task at a time", StartedAt: Seconds(60)}
	return rep
}

// TestEvaluateProvisioning: the provisioned, refused and registration task
// forms pass and fail as they should, with the observed value.
func TestEvaluateProvisioning(t *testing.T) {
	exact := func(k scenario.ExpectKind, n int64) scenario.Expectation {
		return scenario.Expectation{Kind: k, Min: n, Max: n, HasMin: true, HasMax: true}
	}
	tests := []struct {
		e      scenario.Expectation
		passed bool
		detail string
	}{
		{exact(scenario.Provisioned, 6), true, "provisioned = 6 of 10 devices"},
		{exact(scenario.Provisioned, 10), false, "provisioned = 6 of 10 devices"},
		{exact(scenario.Refused, 4), true, "refused = 4 (MaxRegistrationsPerClaim 3, RateLimit 1)"},
		{scenario.Expectation{Kind: scenario.Refused, Reason: "RateLimit", HasMax: true}, false, "refused for RateLimit = 1 (of 4 refusals)"},
		{scenario.Expectation{Kind: scenario.Refused, Reason: "AllowList", HasMax: true}, true, "refused for AllowList = 0 (of 4 refusals)"},
		{scenario.Expectation{Kind: scenario.TaskStatus, Cohort: "batch", Status: "Completed"}, true, "status Completed"},
		{scenario.Expectation{Kind: scenario.TaskStatus, Cohort: "batch", Status: "Failed"}, false, "status Completed"},
		{scenario.Expectation{Kind: scenario.TaskCounter, Cohort: "batch", Counter: "failureCount", Min: 1, HasMin: true}, true, "failureCount = 2"},
		{scenario.Expectation{Kind: scenario.TaskCounter, Cohort: "batch", Counter: "successCount", Min: 6, HasMin: true}, false, "successCount = 5"},
		{scenario.Expectation{Kind: scenario.TaskStatus, Cohort: "later", Status: "Completed"}, false, "cohort later never started its registration task (the run ended first)"},
		{scenario.Expectation{Kind: scenario.TaskStatus, Cohort: "refused", Status: "Completed"}, false, "the registration task of refused was refused: InvalidRequestException: one task at a time"},
	}
	for _, tt := range tests {
		rep := provisioningReport()
		Evaluate(rep, []scenario.Expectation{tt.e})
		got := rep.Expectations[0]
		if got.Passed != tt.passed || got.Detail != tt.detail || rep.Passed != tt.passed {
			t.Errorf("%s: passed %v (%s); want %v (%s)", got.Expect, got.Passed, got.Detail, tt.passed, tt.detail)
		}
	}
}

// TestMergeChecksShards: only the shards of one run merge, each once.
func TestMergeChecksShards(t *testing.T) {
	shard := func(s string, fleet int) *Report {
		r := provisioningReport()
		r.Shard, r.FleetDevices = s, fleet
		return r
	}
	for _, tc := range []struct {
		name   string
		shards []*Report
		msg    string
	}{
		{"a whole run", []*Report{shard("0/2", 20), shard("", 0)}, "report 2 is not a shard"},
		{"twice", []*Report{shard("0/2", 20), shard("0/2", 20), shard("1/2", 20)}, "shard 0/2 is given twice"},
		{"missing", []*Report{shard("0/3", 30), shard("1/3", 30)}, "shard 2/3 is missing"},
		{"other split", []*Report{shard("0/2", 20), shard("1/3", 20)}, "a run in 3 shards"},
		{"other scale", []*Report{shard("0/2", 20), shard("1/2", 40)}, "another --scale"},
		{"devices", []*Report{shard("0/2", 30), shard("1/2", 30)}, "the shards hold 20 devices, the run 30"},
	} {
		_, err := Merge(tc.shards)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v; want one containing %q", tc.name, err, tc.msg)
		}
	}
	if _, err := Merge([]*Report{shard("1/2", 20), shard("0/2", 20)}); err != nil {
		t.Errorf("two shards of one run: %v", err)
	}
}

// TestMergeProvisioning: shard counts add, a task's status is the one not
// Completed, and report.json carries the keys.
func TestMergeProvisioning(t *testing.T) {
	a, b := provisioningReport(), provisioningReport()
	a.Shard, b.Shard = "0/2", "1/2"
	a.FleetDevices, b.FleetDevices = 20, 20
	bt := b.Provisioning.RegistrationTasks["batch"]
	bt.Status, bt.FinishedAt = "InProgress", nil
	b.Provisioning.RegistrationTasks["batch"] = bt
	m, err := Merge([]*Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := Provisioning{Provisioned: 12, Refused: 8, RefusedBy: map[string]int{"MaxRegistrationsPerClaim": 6, "RateLimit": 2},
		RegistrationTasks: map[string]RegistrationTask{
			"batch":   {TaskID: "t-1", Status: "InProgress", SuccessCount: 10, FailureCount: 4, StartedAt: Seconds(60)},
			"refused": {Error: "InvalidRequestException: one task at a time", StartedAt: Seconds(60)},
		}}
	if diff := cmp.Diff(want, m.Provisioning); diff != "" {
		t.Errorf("merged provisioning (-want +got):\n%s", diff)
	}
	js, err := a.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"provisioning": {`, `"provisioned": 6`, `"refusedBy": {`, `"registrationTasks": {`, `"successCount": 5`, `"failureCount": 2`, `"finishedAt": 61`} {
		if !bytes.Contains(js, []byte(key)) {
			t.Errorf("report.json lacks %s:\n%s", key, js)
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| batch | t-1 | Completed | 5 | 2 | 0:01:00 | 0:01:01 |") || !strings.Contains(md.String(), "6 of 10 devices provisioned; 4 claim registrations refused") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// TestMergeQueryDifferences: the merged differences are the first ten of
// the whole run by thing name, whatever shard they came from.
func TestMergeQueryDifferences(t *testing.T) {
	a, b := provisioningReport(), provisioningReport()
	a.Shard, b.Shard = "0/2", "1/2"
	a.FleetDevices, b.FleetDevices = 20, 20
	a.Queries = map[string]Query{"q": {Count: 8, Truth: 2, Differences: []string{"+d-01", "+d-03", "+d-05", "+d-07", "+d-09", "+d-11"}}}
	b.Queries = map[string]Query{"q": {Count: 1, Truth: 7, Differences: []string{"-d-00", "-d-02", "-d-04", "-d-06", "-d-08", "-d-10"}}}
	m, err := Merge([]*Report{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-d-00", "+d-01", "-d-02", "+d-03", "-d-04", "+d-05", "-d-06", "+d-07", "-d-08", "+d-09"}
	if got := m.Queries["q"].Differences; !slices.Equal(got, want) {
		t.Errorf("merged differences %q; want %q", got, want)
	}
}
