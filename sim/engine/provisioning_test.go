package engine

import (
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/google/go-cmp/cmp"
)

// serialTemplate names the thing after SerialNumber and needs Line (no
// Default), so a device without a line fails its registration.
const serialTemplate = `{"Parameters":{"SerialNumber":{"Type":"String"},"Line":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"SerialNumber"},"AttributePayload":{"line":{"Ref":"Line"}}}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`

// bulkTemplate registers things only: a factory batch without certificates.
const bulkTemplate = `{"Parameters":{"SerialNumber":{"Type":"String"},"Line":{"Type":"String"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"SerialNumber"},"AttributePayload":{"line":{"Ref":"Line"}}}}}}`

func parseWith(t *testing.T, src string, files map[string]string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.yaml", []byte(src), func(name string) ([]byte, error) {
		if f, ok := files[name]; ok {
			return []byte(f), nil
		}
		return nil, &scenarioFileError{name}
	})
	if err != nil {
		t.Fatalf("parsing the test scenario: %v", err)
	}
	return sc
}

type scenarioFileError struct{ name string }

func (e *scenarioFileError) Error() string { return "no file " + e.name }

// TestClaimSafeguards: each safeguard stops exactly the registrations it
// should, the report counts the refusals by reason, and refusals are not
// warnings.
func TestClaimSafeguards(t *testing.T) {
	tests := []struct {
		name       string
		safeguards string
		count      int
		over       string
		want       report.Provisioning
	}{
		{name: "none", safeguards: "", count: 8, over: "1m",
			want: report.Provisioning{Provisioned: 8, RefusedBy: map[string]int{}}},
		{name: "max registrations per claim", safeguards: "{maxRegistrationsPerClaim: 5}", count: 8, over: "1m",
			want: report.Provisioning{Provisioned: 5, Refused: 3, RefusedBy: map[string]int{"MaxRegistrationsPerClaim": 3}}},
		// 10 devices in one second against 4 a minute (burst 4).
		{name: "rate limit", safeguards: "{registrationsPerMinute: 4}", count: 10, over: "1s",
			want: report.Provisioning{Provisioned: 4, Refused: 6, RefusedBy: map[string]int{"RateLimit": 6}}},
		{name: "allow-list", safeguards: "{allowedSerials: [d-000001, d-000003, d-000005]}", count: 8, over: "1m",
			want: report.Provisioning{Provisioned: 3, Refused: 5, RefusedBy: map[string]int{"AllowList": 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sg := ""
			if tt.safeguards != "" {
				sg = ", safeguards: " + tt.safeguards
			}
			sc := parseWith(t, `
name: claim-safeguards
duration: 1h
provisioningTemplates: [{templateName: T, templateBody: {file: t.json}`+sg+`}]
devices:
  - {name: d, count: `+itoa(tt.count)+`, provisioning: {method: claim, template: T, over: `+tt.over+`, parameters: {SerialNumber: "${device.id}", Line: L1}}}
`, map[string]string{"t.json": serialTemplate})
			rep := run(t, sc)
			got := rep.Provisioning
			got.RegistrationTasks = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("provisioning (-want +got):\n%s", diff)
			}
			if len(rep.Warnings) != 0 {
				t.Errorf("warnings %v; refusals are counted, not warned about", rep.Warnings)
			}
		})
	}
}

// TestLongAllowList: an allow-list longer than a tag value holds reaches
// fleetd all the same.
func TestLongAllowList(t *testing.T) {
	var serials []string
	for i := range 40 {
		serials = append(serials, "d-"+pad6(i*2)) // the even devices
	}
	sc := parseWith(t, `
name: long-allow-list
duration: 1h
provisioningTemplates: [{templateName: T, templateBody: {file: t.json}, safeguards: {allowedSerials: {file: serials.txt}}}]
devices:
  - {name: d, count: 20, provisioning: {method: claim, template: T, over: 1m, parameters: {SerialNumber: "${device.id}", Line: L1}}}
`, map[string]string{"t.json": serialTemplate, "serials.txt": strings.Join(serials, "\n")})
	if n := len(strings.Join(serials, " ")); n <= maxTagValue {
		t.Fatalf("the list has %d characters; the test needs more than %d", n, maxTagValue)
	}
	rep := run(t, sc)
	if got := rep.Provisioning; got.Provisioned != 10 || got.RefusedBy["AllowList"] != 10 {
		t.Errorf("provisioned %d, refused %v; want 10 and 10 by AllowList", got.Provisioned, got.RefusedBy)
	}
}

// TestBulkRegistration registers a batch from CSV: lines with an empty
// required parameter fail into ERRORS, the rest exist, enrol (groups,
// attributes) and come online; the task's counts reach the report and
// the expectations.
func TestBulkRegistration(t *testing.T) {
	sc := parseWith(t, `
name: bulk
duration: 1h
indexing: {thingIndexingMode: REGISTRY, thingConnectivityIndexingMode: STATUS}
thingGroups: [{thingGroupName: Batch}]
provisioningTemplates: [{templateName: B, templateBody: {file: b.json}}]
devices:
  - name: good
    count: 30
    groups: [Batch]
    attributes: {plant: P1}
    provisioning: {method: bulk, template: B, start: 5m, parameters: {SerialNumber: "${device.id}", Line: L7}}
  - name: bad
    like: good
    count: 3
    provisioning: {method: bulk, template: B, start: 5m, parameters: {SerialNumber: "${device.id}", Line: ""}}
timeline:
  - {at: 4m, query: {name: before, queryString: 'thingGroupNames:Batch'}}
  - {at: 10m, query: {name: online, queryString: 'thingGroupNames:Batch AND attributes.plant:P1 AND connectivity.connected:true'}}
  # The template sets line: the truth knows what the template made.
  - {at: 10m, query: {name: line-7, queryString: 'attributes.line:L7'}}
expect:
  - {provisioned: 30}
  - {registrationTask: good, status: Completed}
  - {registrationTask: good, counter: successCount, min: 30, max: 30}
  - {registrationTask: bad, counter: failureCount, min: 3, max: 3}
  - {query: before, count: 0}
  - {query: online, count: 30}
  - {query: online, equalsTruth: true}
  - {query: line-7, count: 30}
  - {query: line-7, equalsTruth: true}
`, map[string]string{"b.json": bulkTemplate})
	rep := run(t, sc)
	for _, e := range rep.Expectations {
		if !e.Passed {
			t.Errorf("%s: %s", e.Expect, e.Detail)
		}
	}
	// The second cohort's task waited for the first: fleetd runs one at a time.
	good, bad := rep.Provisioning.RegistrationTasks["good"], rep.Provisioning.RegistrationTasks["bad"]
	if good.TaskID == "" || bad.TaskID == "" || good.TaskID == bad.TaskID || *bad.StartedAt < *good.FinishedAt {
		t.Errorf("tasks good %+v, bad %+v; want two tasks, bad's after good's", good, bad)
	}
	if bad.SuccessCount != 0 || bad.Status != "Completed" {
		t.Errorf("bad task %+v; want Completed with every line in ERRORS", bad)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings: %v", rep.Warnings)
	}
}

// TestBulkExpectationsFail: the bulk and provisioning expectations fail
// when the numbers are not met.
func TestBulkExpectationsFail(t *testing.T) {
	sc := parseWith(t, `
name: bulk-fail
duration: 1h
provisioningTemplates: [{templateName: B, templateBody: {file: b.json}, safeguards: {maxRegistrationsPerClaim: 1}}]
devices:
  - {name: late, count: 3, provisioning: {method: bulk, template: B, start: 2h, parameters: {SerialNumber: "${device.id}", Line: L7}}}
  - {name: now, count: 2, provisioning: {method: bulk, template: B, parameters: {SerialNumber: "${device.id}", Line: L7}}}
expect:
  - {provisioned: 5}
  - {refused: {min: 1}}
  - {refused: {reason: AllowList, min: 1}}
  - {registrationTask: late, status: Completed}
  - {registrationTask: now, status: Failed}
  - {registrationTask: now, counter: failureCount, min: 1}
`, map[string]string{"b.json": bulkTemplate})
	rep := run(t, sc)
	want := []report.ExpectationResult{
		{Expect: "devices provisioned = 5", Detail: "provisioned = 2 of 5 devices"},
		{Expect: "claims refused >= 1", Detail: "refused = 0"},
		{Expect: "claims refused for AllowList >= 1", Detail: "refused for AllowList = 0 (of 0 refusals)"},
		{Expect: "registration task of late status Completed", Detail: "cohort late never started its registration task (the run ended first)"},
		{Expect: "registration task of now status Failed", Detail: "status Completed"},
		{Expect: "registration task of now failureCount >= 1", Detail: "failureCount = 0"},
	}
	if diff := cmp.Diff(want, rep.Expectations); diff != "" {
		t.Errorf("expectations (-want +got):\n%s", diff)
	}
	if rep.Passed {
		t.Error("the report passed")
	}
}

func itoa(n int) string { return strings.TrimLeft(pad6(n), "0") }

func pad6(n int) string {
	b := []byte("000000")
	for i := 5; i >= 0 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// TestTruthKnowsWhatTheTemplateMade: a claim template's thing type,
// attributes and groups are in the ground truth, under the cohort's own
// attributes and beside its groups, so equalsTruth holds.
func TestTruthKnowsWhatTheTemplateMade(t *testing.T) {
	const typed = `{"Parameters":{"SerialNumber":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
 "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"SerialNumber"},"ThingTypeName":"Sensor_v3",
   "AttributePayload":{"serial":{"Ref":"SerialNumber"},"hw":"template"},"ThingGroups":["Tmpl"]}},
  "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}}}}`
	sc := parseWith(t, `
name: truth-template
duration: 1h
indexing: {thingIndexingMode: REGISTRY}
thingTypes: [{thingTypeName: Sensor_v3}]
thingGroups: [{thingGroupName: Tmpl}, {thingGroupName: Cohort}]
provisioningTemplates: [{templateName: T, templateBody: {file: t.json}}]
devices:
  - name: clm
    count: 10
    groups: [Cohort]
    attributes: {hw: A}
    provisioning: {method: claim, template: T, over: 1m, parameters: {SerialNumber: "${device.id}"}}
timeline:
  - {at: 30m, query: {name: type, queryString: 'thingTypeName:Sensor_v3'}}
  - {at: 30m, query: {name: serial, queryString: 'attributes.serial:clm*'}}
  - {at: 30m, query: {name: groups, queryString: 'thingGroupNames:Tmpl AND thingGroupNames:Cohort AND attributes.hw:A'}}
expect:
  - {query: type, count: 10}
  - {query: type, equalsTruth: true}
  - {query: serial, count: 10}
  - {query: serial, equalsTruth: true}
  - {query: groups, count: 10}
  - {query: groups, equalsTruth: true}
`, map[string]string{"t.json": typed})
	rep := run(t, sc)
	for _, e := range rep.Expectations {
		if !e.Passed {
			t.Errorf("%s: %s", e.Expect, e.Detail)
		}
	}
}

// TestPartsRead checks which parts of a document the truth builds for a
// query: those it reads (what a template sets with the type, attributes
// and groups), all of them for a bare term.
func TestPartsRead(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want documentParts
	}{
		{`connectivity.connected:true AND shadow.reported.firmware_version < "2.1.0"`, documentParts{shadow: true, connectivity: true}},
		{`attributes.hw_rev:B AND shadow.reported.firmware_version:"2.2.0"`, documentParts{template: true, attributes: true, shadow: true}},
		{`registry.thingTypeName:Sensor_v3`, documentParts{template: true}},
		{`thingGroupNames:Tmpl`, documentParts{template: true}},
		{`NOT shadow.hasDelta:true`, documentParts{shadow: true}},
		{`thingName:dev-1*`, documentParts{}},
		{`sensor`, allParts}, // a bare term reads every field
	} {
		n, err := query.Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := partsRead(n); got != tc.want {
			t.Errorf("partsRead(%s) = %+v; want %+v", tc.q, got, tc.want)
		}
	}
}
