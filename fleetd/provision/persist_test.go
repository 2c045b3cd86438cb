package provision

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// restart builds a new engine over the same identity store and registry
// from the old engine's records.
func (v *env) restart() map[string][]byte {
	v.t.Helper()
	records := map[string][]byte{}
	for _, k := range v.e.Keys() {
		if !OwnsKey(k) {
			v.t.Errorf("OwnsKey(%q) = false", k)
		}
		records[k] = v.e.Record(k)
	}
	v.sink = newSink()
	v.e = New(Options{Identity: v.id, Registry: v.reg, Sink: v.sink, Hooks: v.hooks})
	for k, b := range records {
		if err := v.e.Restore(k, b); err != nil {
			v.t.Fatal(err)
		}
	}
	if err := v.e.FinishRestore(v.now); err != nil {
		v.t.Fatal(err)
	}
	return records
}

func TestPersistenceRoundTrip(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate, registry.Tag{Key: TagMaxRegistrationsPerClaim, Value: "2"},
		registry.Tag{Key: TagRegistrationsPerMinute, Value: "60"}, registry.Tag{Key: TagAllowedSerials, Value: "1 2 3"})
	if _, err := v.e.CreateProvisioningTemplateVersion(v.now, CreateProvisioningTemplateVersionRequest{TemplateName: "factory", TemplateBody: fleetTemplate}); err != nil {
		t.Fatal(err)
	}
	if err := v.e.UpdateProvisioningTemplate(v.now, UpdateProvisioningTemplateRequest{TemplateName: "factory",
		PreProvisioningHook: &ProvisioningHook{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:f"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.e.UpdateProvisioningTemplate(v.now, UpdateProvisioningTemplateRequest{TemplateName: "factory", RemovePreProvisioningHook: true}); err != nil {
		t.Fatal(err)
	}
	for _, serial := range []string{"1", "2"} {
		if s, r := v.provision("factory", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": serial}); s != "accepted" {
			t.Fatalf("%s %v", s, r)
		}
	}
	done := v.runTask(bulkTemplate, []byte("{\"ThingName\":\"b1\"}\nbad\n"))
	v.e.opts.BulkSliceLines = 1
	running, err := v.e.StartThingRegistrationTask(v.now, StartThingRegistrationTaskRequest{TemplateBody: bulkTemplate,
		InputFileBucket: "factory", InputFileKey: "k", RoleArn: roleArn, Input: []byte("{\"ThingName\":\"r1\"}\n{\"ThingName\":\"r2\"}\n")})
	if err != nil {
		t.Fatal(err)
	}
	v.e.Tick(v.now)

	before := v.restart()
	for k, b := range before {
		after := v.e.Record(k)
		if k == keyTask(running.TaskId) {
			continue
		}
		if !bytes.Equal(after, b) {
			t.Errorf("record %s changed over a restart:\n%s\n%s", k, b, after)
		}
	}
	if got := v.e.Keys(); !slices.Equal(got, slices.Sorted(func(yield func(string) bool) {
		for k := range before {
			if !yield(k) {
				return
			}
		}
	})) {
		t.Errorf("keys after restore = %v", got)
	}
	// The interrupted task failed; the finished one kept its reports.
	d, _ := v.e.DescribeThingRegistrationTask(DescribeThingRegistrationTaskRequest{TaskId: running.TaskId})
	if d.Status != TaskFailed || d.SuccessCount != 2 || !v.sink.dirty[keyTask(running.TaskId)] { // the slice in Start and one Tick
		t.Errorf("interrupted task = %+v", d)
	}
	links, _ := v.e.ListThingRegistrationTaskReports(ListThingRegistrationTaskReportsRequest{TaskId: done, ReportType: ReportErrors})
	if len(links.ResourceLinks) != 1 {
		t.Errorf("reports after restore = %v", links)
	}
	// Versions, safeguards and counters survive: the claim certificate
	// has used its 2 registrations; the allow-list still applies.
	list, _ := v.e.ListProvisioningTemplateVersions(ListProvisioningTemplateVersionsRequest{TemplateName: "factory"})
	if len(list.Versions) != 2 {
		t.Errorf("versions = %+v", list)
	}
	s, r := v.provision("factory", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "3"})
	if s != "rejected" || r["errorCode"] != CodeAccessDenied || v.sink.eventsOf(EventProvisioningRefused)[0].Reason != ReasonMaxRegistrations {
		t.Errorf("after restore: %s %v; want the max-registrations refusal", s, r)
	}
	s, r = v.provisionAs("other", "factory", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "4"})
	if s != "rejected" || fmt.Sprint(r["errorMessage"]) == "" || v.sink.eventsOf(EventProvisioningRefused)[1].Reason != ReasonAllowList {
		t.Errorf("allow-list after restore: %s %v", s, r)
	}
	if err := v.e.Restore("job/x", nil); err == nil {
		t.Errorf("Restore of a foreign key succeeded")
	}
}

// TestRateLimiterExact: the limiter is a function of now only, so a
// restored engine decides as the original.
func TestRateLimiterExact(t *testing.T) {
	for _, tc := range []struct {
		rate   int
		tat    int64 // relative to now, ns
		wantNs int64
	}{
		{60, 0, 0},
		{60, 59e9, 0},    // burst of 60 a second apart: 59 s ahead still admits
		{60, 60e9, 1e9},  // a full burst: wait one interval
		{1, 1e9, 1e9},    // rate 1: no burst beyond one
		{2, 30e9 + 5, 5}, // just over
		{3, 40e9 + 1, 1}, // 20 s interval, burst 3
		{3, -5e9, 0},     // a stale tat counts as now
	} {
		got := gcraWait(t0, t0.UnixNano()+tc.tat, tc.rate)
		if int64(got) != tc.wantNs {
			t.Errorf("gcraWait(rate %d, tat now%+dns) = %v; want %dns", tc.rate, tc.tat, got, tc.wantNs)
		}
	}
}
