package scenario

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// provHead is a scenario with a claim template T (SerialNumber) and a
// JITP template J, for the safeguards and provisioning expectations.
const provHead = `name: t
duration: 1h
provisioningTemplates:
  - templateName: T
    templateBody:
      Parameters: {SerialNumber: {Type: String}, Line: {Type: String}}
      Resources: {thing: {Type: "AWS::IoT::Thing", Properties: {ThingName: {Ref: SerialNumber}}}}
`

const provDevices = `devices:
  - {name: a, count: 10, provisioning: {method: claim, template: T, parameters: {SerialNumber: "${device.id}", Line: L1}}}
  - {name: b, count: 10, provisioning: {method: bulk, template: T, start: 5m, parameters: {SerialNumber: "${device.id}", Line: L1}}}
`

// TestSafeguards pins how safeguards: decodes, and its positioned errors.
func TestSafeguards(t *testing.T) {
	tests := []struct {
		name       string
		safeguards string // the line after templateBody, indented under the template
		files      map[string]string
		want       *Safeguards
		errs       []string
	}{
		{
			name:       "all four",
			safeguards: `{maxRegistrationsPerClaim: 500, registrationsPerMinute: 60, allowedSerials: [a-000001, a-000000], allowListParameter: SerialNumber}`,
			want: &Safeguards{MaxRegistrationsPerClaim: 500, RegistrationsPerMinute: 60, AllowedSerials: []string{"a-000001", "a-000000"},
				HasAllowList: true, AllowListParameter: "SerialNumber"},
		},
		{
			name:       "allow-list from a file",
			safeguards: `{allowedSerials: {file: serials.txt}}`,
			files:      map[string]string{"serials.txt": "a-000000, a-000001\na-000002\n"},
			want:       &Safeguards{AllowedSerials: []string{"a-000000", "a-000001", "a-000002"}, HasAllowList: true, AllowedSerialsFile: "serials.txt"},
		},
		{
			name:       "bad values, each positioned",
			safeguards: `{maxRegistrationsPerClaim: 0, registrationsPerMinute: many, allowedSerials: ["a b"]}`,
			errs: []string{
				"s.yaml:8:44: provisioning template T: safeguards.maxRegistrationsPerClaim: expected an integer from 1 to 2147483647, found 0",
				`s.yaml:8:71: provisioning template T: safeguards.registrationsPerMinute: expected an integer from 1 to 2147483647, found string "many"`,
				`s.yaml:8:94: provisioning template T: safeguards.allowedSerials[0]: "a b": a serial cannot hold commas or spaces (fleetd separates the list with them)`,
			},
		},
		{
			name:       "unknown key with a hint",
			safeguards: `{maxRegistrationPerClaim: 5}`,
			errs: []string{
				`s.yaml:8:18: unknown key "maxRegistrationPerClaim" in provisioning template T safeguards, did you mean "maxRegistrationsPerClaim"? (known: maxRegistrationsPerClaim, registrationsPerMinute, allowedSerials, allowListParameter)`,
			},
		},
		{
			name:       "allow-list on an undeclared parameter",
			safeguards: `{allowedSerials: [x], allowListParameter: Batch}`,
			errs:       []string{"s.yaml:8:59: provisioning template T: safeguards: the allow-list checks parameter Batch, which template T does not declare"},
		},
		{
			name:       "allowListParameter alone",
			safeguards: `{allowListParameter: Line}`,
			errs:       []string{"s.yaml:8:38: provisioning template T: safeguards.allowListParameter: allowListParameter needs allowedSerials"},
		},
		{
			name:       "an empty allow-list file",
			safeguards: `{allowedSerials: {file: empty.txt}}`,
			files:      map[string]string{"empty.txt": "\n"},
			errs:       []string{"s.yaml:8:34: provisioning template T: safeguards.allowedSerials: empty.txt lists no serials: the allow-list would refuse every device"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := provHead + "    safeguards: " + tt.safeguards + "\n" + provDevices
			sc, errs, _ := messages(t, src, tt.files)
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Fatalf("errors (-want +got):\n%s", diff)
			}
			if tt.errs != nil {
				return
			}
			got := sc.Templates[0].Safeguards
			if got != nil {
				got.Pos = Pos{}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Safeguards (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSafeguardsOnJITP: safeguards guard the claim flow only.
func TestSafeguardsOnJITP(t *testing.T) {
	src := `name: t
duration: 1h
provisioningTemplates:
  - templateName: J
    type: JITP
    safeguards: {maxRegistrationsPerClaim: 5}
    templateBody:
      Parameters: {"AWS::IoT::Certificate::CommonName": {Type: String}}
      Resources: {thing: {Type: "AWS::IoT::Thing", Properties: {ThingName: {Ref: "AWS::IoT::Certificate::CommonName"}}}}
devices:
  - {name: a, count: 1}
`
	_, errs, _ := messages(t, src, nil)
	want := []string{"s.yaml:6:17: provisioning template J: safeguards: safeguards apply to fleet provisioning by claim; template J is JITP"}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestProvisioningExpectations pins the provisioned, refused and
// registrationTask forms and their errors.
func TestProvisioningExpectations(t *testing.T) {
	tests := []struct {
		name   string
		expect string
		want   Expectation
		errs   []string
	}{
		{name: "provisioned exact", expect: `{provisioned: 7}`,
			want: Expectation{Kind: Provisioned, Min: 7, Max: 7, HasMin: true, HasMax: true}},
		{name: "provisioned range", expect: `{provisioned: {min: 5}}`,
			want: Expectation{Kind: Provisioned, Min: 5, HasMin: true}},
		{name: "refused by reason", expect: `{refused: {reason: MaxRegistrationsPerClaim, min: 1, max: 3}}`,
			want: Expectation{Kind: Refused, Reason: "MaxRegistrationsPerClaim", Min: 1, Max: 3, HasMin: true, HasMax: true}},
		{name: "refused none", expect: `{refused: 0}`,
			want: Expectation{Kind: Refused, HasMin: true, HasMax: true}},
		{name: "task status", expect: `{registrationTask: b, status: Completed}`,
			want: Expectation{Kind: TaskStatus, Cohort: "b", Status: "Completed"}},
		{name: "task counter", expect: `{registrationTask: b, counter: failureCount, max: 2}`,
			want: Expectation{Kind: TaskCounter, Cohort: "b", Counter: "failureCount", Max: 2, HasMax: true}},
		{name: "unknown reason", expect: `{refused: {reason: Leaked, min: 1}}`,
			errs: []string{"s.yaml:12:24: expect[0].refused.reason: expected one of MaxRegistrationsPerClaim, RateLimit, AllowList, HookDenied, HookFailed, found \"Leaked\""}},
		{name: "reason without bounds", expect: `{refused: {reason: RateLimit}}`,
			errs: []string{"s.yaml:12:15: expect[0].refused: expected min, max or both with reason"}},
		{name: "max below min", expect: `{provisioned: {min: 5, max: 4}}`,
			errs: []string{"s.yaml:12:33: expect[0].provisioned.max: max 4 is below min 5"}},
		{name: "two subjects", expect: `{provisioned: 3, refused: 1}`,
			errs: []string{"s.yaml:12:22: expect[0]: an expectation is about one of job, query, provisioned, refused, registrationTask; this one names provisioned and refused"}},
		{name: "a key of another form", expect: `{provisioned: 3, min: 1}`,
			errs: []string{"s.yaml:12:22: expect[0]: min does not go with provisioned (this form takes provisioned)"}},
		{name: "task of a claim cohort", expect: `{registrationTask: a, status: Completed}`,
			errs: []string{"s.yaml:12:24: expect[0].registrationTask: cohort a is provisioned by method claim; only method bulk runs a registration task"}},
		{name: "task of no cohort", expect: `{registrationTask: z, counter: successCount, min: 1}`,
			errs: []string{`s.yaml:12:24: expect[0].registrationTask: unknown cohort "z" (registrationTask names a cohort provisioned by method bulk)`}},
		{name: "job status for a task", expect: `{registrationTask: b, status: COMPLETED}`,
			errs: []string{`s.yaml:12:35: expect[0].status: expected one of InProgress, Completed, Failed, Cancelled, found "COMPLETED"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := provHead + provDevices + "expect:\n  - " + tt.expect + "\n"
			sc, errs, _ := messages(t, src, nil)
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Fatalf("errors (-want +got):\n%s", diff)
			}
			if tt.errs != nil {
				return
			}
			got := sc.Expect[0]
			got.Pos = Pos{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Expectation (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBulkTakesNoOver: a registration task registers the cohort at start.
func TestBulkTakesNoOver(t *testing.T) {
	src := provHead + `devices:
  - {name: b, count: 10, provisioning: {method: bulk, template: T, over: 1m, parameters: {SerialNumber: "${device.id}", Line: L1}}}
`
	_, errs, _ := messages(t, src, nil)
	want := []string{"s.yaml:9:68: cohort b: provisioning: over does not apply to method bulk: one registration task registers the whole cohort from start on"}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if !slices.Contains(knownKeys["provisioning"], "over") {
		t.Errorf("over is no longer a provisioning key")
	}
}
