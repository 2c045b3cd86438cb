package engine

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

const libraryDir = "../../scenarios"

func load(t testing.TB, name string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Load(filepath.Join(libraryDir, name))
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return sc
}

func parse(t testing.TB, src string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parsing the test scenario: %v", err)
	}
	return sc
}

func run(t testing.TB, sc *scenario.Scenario) *report.Report {
	t.Helper()
	rep, err := Run(sc, Options{})
	if err != nil {
		t.Fatalf("Run(%s): %v", sc.Name, err)
	}
	return rep
}

// TestDeterminism runs scenarios twice with one seed: report.json must be
// byte-identical apart from wall. The flagship provisions a cohort by
// claim; the leaked-certificate scenario (its safeguard scaled with the
// fleet) adds refusals.
func TestDeterminism(t *testing.T) {
	tests := []struct {
		name string
		sc   *scenario.Scenario
	}{
		{"flagship", load(t, "firmware-rollout-abort.yaml").Scaled(0.03)},
		{"leaked claim", scaledWithLimits(load(t, "claim-leaked-certificate.yaml"), 0.01)},
		{"bulk", load(t, "bulk-registration-csv.yaml").Scaled(0.03)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.sc
			a, err := run(t, sc).Deterministic()
			if err != nil {
				t.Fatal(err)
			}
			b, err := run(t, sc).Deterministic()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("two runs with seed %d differ:\n%s\n---\n%s", sc.Seed, a, b)
			}
			c, _ := run(t, sc.WithSeed(sc.Seed+1)).Deterministic()
			if bytes.Equal(a, c) {
				t.Errorf("seeds %d and %d gave the same report", sc.Seed, sc.Seed+1)
			}
		})
	}
}

// TestLibrary runs every scenario of the library at smoke scale. Job
// statuses and ground-truth comparisons hold at any scale and must pass;
// counters and counts are written for the full fleet and are only logged.
// Scales keep each fleet a few hundred devices, enough for the flagship's
// abort criterion (at least 500 executions) to be reachable.
func TestLibrary(t *testing.T) {
	scales := map[string]float64{
		"firmware-rollout-abort.yaml":   0.1,
		"firmware-rollout-clean.yaml":   0.03,
		"dynamic-group-continuous.yaml": 0.05,
		"shadow-churn-index-truth.yaml": 0.015,
	}
	files, err := filepath.Glob(filepath.Join(libraryDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("library: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			scale, ok := scales[name]
			if !ok {
				scale = 300 / float64(load(t, name).Devices())
			}
			sc := load(t, name).Scaled(scale)
			rep := run(t, sc)
			for i, e := range rep.Expectations {
				switch sc.Expect[i].Kind {
				case scenario.JobStatus, scenario.QueryTruth, scenario.TaskStatus:
					if !e.Passed {
						t.Errorf("%s: %s", e.Expect, e.Detail)
					}
				default:
					t.Logf("at %d devices: %s: passed %v (%s)", sc.Devices(), e.Expect, e.Passed, e.Detail)
				}
			}
		})
	}
}

// TestExpectationsFail inverts the flagship's expectations: each must fail.
func TestExpectationsFail(t *testing.T) {
	sc := load(t, "firmware-rollout-abort.yaml").Scaled(0.1)
	inverted := *sc
	inverted.Expect = nil
	for _, e := range sc.Expect {
		switch e.Kind {
		case scenario.JobStatus:
			e.Status = "COMPLETED"
		case scenario.JobCounter:
			e.HasMin, e.HasMax, e.Min, e.Max = false, true, 0, 0
		case scenario.QueryTruth:
			e.EqualsTruth = false
		}
		inverted.Expect = append(inverted.Expect, e)
	}
	inverted.Expect = append(inverted.Expect, scenario.Expectation{Kind: scenario.JobStatus, Job: "no-such-job", Status: "COMPLETED"})
	rep := run(t, &inverted)
	if rep.Passed {
		t.Errorf("the inverted expectations passed")
	}
	for _, e := range rep.Expectations {
		if e.Passed {
			t.Errorf("%s passed (%s); want a failure", e.Expect, e.Detail)
		}
	}
}

// TestRefusedJobFails: a createJob fleetd refuses fails the run even when
// no expectation names the job.
func TestRefusedJobFails(t *testing.T) {
	rep := run(t, parse(t, `
name: refused
duration: 10m
devices: [{name: d, count: 2}]
timeline:
  - at: 1m
    createJob: {jobId: fw, targets: ["arn:aws:iot:us-east-1:123456789012:thing/nobody"], document: {}}
`))
	if rep.Passed || len(rep.Expectations) != 1 || rep.Expectations[0].Passed ||
		!strings.Contains(rep.Expectations[0].Detail, "Thing nobody cannot be found") {
		t.Errorf("passed %v, expectations %+v; want the refused job as a failed expectation", rep.Passed, rep.Expectations)
	}
}

// TestClaimProvisioning provisions a cohort by claim through the core's
// fleet provisioning: real certificates, the template's thing, the
// cohort's groups and attributes; a template that names the thing after
// something else than the device is a clear warning.
func TestClaimProvisioning(t *testing.T) {
	src := `{"Parameters":{"SerialNumber":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"SerialNumber"}}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`
	sc, err := scenario.Parse("claim.yaml", []byte(`
name: claim
duration: 1h
indexing: {thingIndexingMode: REGISTRY}
thingGroups: [{thingGroupName: Fleet}]
provisioningTemplates: [{templateName: T, templateBody: {file: fleet.json}}, {templateName: Odd, templateBody: {file: odd.json}}]
devices:
  - {name: d, count: 3, groups: [Fleet], attributes: {hw: B}, provisioning: {method: claim, template: T, over: 1m, parameters: {SerialNumber: "${device.id}"}}}
  - {name: e, count: 1, provisioning: {method: claim, template: Odd, over: 1m, parameters: {SerialNumber: "${device.id}"}}}
timeline:
  - {at: 30m, query: {name: fleet, queryString: 'thingGroupNames:Fleet AND attributes.hw:B'}}
expect:
  - {query: fleet, count: 3}
`), func(name string) ([]byte, error) {
		if name == "odd.json" {
			return []byte(strings.ReplaceAll(src, `{"Ref":"SerialNumber"}`, `{"Fn::Join":["",["x-",{"Ref":"SerialNumber"}]]}`)), nil
		}
		return []byte(src), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Errorf("expectations: %+v", rep.Expectations)
	}
	warned := false
	for _, w := range rep.Warnings {
		warned = warned || strings.Contains(w, `named the thing "x-e-000000"`)
	}
	if !warned {
		t.Errorf("no warning for the template that names the thing x-e-000000: %v", rep.Warnings)
	}
}

// TestJITPProvisioning provisions a cohort just in time: certificates
// signed by a CA the simulator registers with the JITP template, presented
// on first connect; the things exist, in their cohort's group, with the
// certificate's subject in the template's attributes.
func TestJITPProvisioning(t *testing.T) {
	sc, err := scenario.Parse("jitp.yaml", []byte(`
name: jitp
duration: 1h
indexing: {thingIndexingMode: REGISTRY}
thingGroups: [{thingGroupName: Meters}]
provisioningTemplates:
  - templateName: J
    type: JITP
    templateBody:
      Parameters: {"AWS::IoT::Certificate::CommonName": {Type: String}, "AWS::IoT::Certificate::Country": {Type: String}, "AWS::IoT::Certificate::Id": {Type: String}}
      Resources:
        thing: {Type: "AWS::IoT::Thing", Properties: {ThingName: {Ref: "AWS::IoT::Certificate::CommonName"}, AttributePayload: {country: {Ref: "AWS::IoT::Certificate::Country"}}}}
        certificate: {Type: "AWS::IoT::Certificate", Properties: {CertificateId: {Ref: "AWS::IoT::Certificate::Id"}, Status: ACTIVE}}
devices:
  - {name: d, count: 3, groups: [Meters], provisioning: {method: jitp, template: J, over: 1m, parameters: {CommonName: "${device.id}", Country: DE}}}
timeline:
  - {at: 30m, query: {name: meters, queryString: 'thingGroupNames:Meters AND attributes.country:DE'}}
expect:
  - {provisioned: 3}
  - {query: meters, count: 3}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Errorf("expectations: %+v (warnings %v)", rep.Expectations, rep.Warnings)
	}
}

// TestScheduledJobFromDocumentSource runs a job whose document is an S3
// location beside the scenario and whose schedulingConfig has a daily
// maintenance window: 2 releases a minute inside 06:00-07:00 give 120
// things a day, none outside.
func TestScheduledJobFromDocumentSource(t *testing.T) {
	src := `
name: sched
duration: 31h
indexing: {thingIndexingMode: REGISTRY}
thingGroups: [{thingGroupName: Fleet}]
devices:
  - {name: d, count: 300, groups: [Fleet], jobs: {download: 10s, install: 10s, outcome: {SUCCEEDED: 1}}}
timeline:
  - at: 0s
    createJob:
      jobId: windowed
      targets: ["arn:aws:iot:us-east-1:123456789012:thinggroup/Fleet"]
      documentSource: s3://firmware/fw.json
      jobExecutionsRolloutConfig: {maximumPerMinute: 2}
      schedulingConfig:
        startTime: "2026-01-01T05:00"
        maintenanceWindows: [{startTime: "cron(0 6 * * ? *)", durationInMinutes: 60}]
expect:
  - {job: windowed, counter: numberOfSucceededThings, min: 240, max: 240}
  - {job: windowed, status: IN_PROGRESS}
`
	read := func(path string) ([]byte, error) {
		if path != filepath.Join("s3", "firmware", "fw.json") {
			return nil, fmt.Errorf("unexpected read of %s", path)
		}
		return []byte(`{"version":"3.0.0"}`), nil
	}
	sc, err := scenario.Parse("sched.yaml", []byte(src), read)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Errorf("expectations: %+v", rep.Expectations)
	}

	// A start less than 30 minutes after the job is created is AWS's
	// error, positioned at the schedulingConfig.
	bad := strings.Replace(src, `startTime: "2026-01-01T05:00"`, `startTime: "2026-01-01T00:10"`, 1)
	if _, err := scenario.Parse("sched.yaml", []byte(bad), read); err == nil || !strings.Contains(err.Error(), "sched.yaml:16:") ||
		!strings.Contains(err.Error(), "startTime must be at least 30 minutes") {
		t.Errorf("a start 10 minutes after creation: %v", err)
	}
}
