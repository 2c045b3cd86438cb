package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// code returns the AWS code of err, "" for nil and "<plain>" for a
// non-AWS error.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	var d *DynamicAddFailedError
	if errors.As(err, &d) {
		return "DynamicAddFailed"
	}
	return "<plain>"
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkErr reports a mismatch of code and, when msg is set, of a message
// fragment.
func checkErr(t *testing.T, what string, err error, wantCode, msg string) {
	t.Helper()
	if got := code(err); got != wantCode {
		t.Errorf("%s: error %v; want code %q", what, err, wantCode)
		return
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: error %q; want it to contain %q", what, err.Error(), msg)
	}
}

func attrs(kv ...string) *AttributePayload {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &AttributePayload{Attributes: m}
}

// fixture is a registry with a few things, types and groups:
//
//	types: sensor, old (deprecated at t0)
//	billing groups: bill-a, bill-b
//	static: root ─ mid ─ leaf ; other
//	things: t1 (sensor, {color:red}), t2 ({color:blue}), t3
func fixture(t *testing.T) *Registry {
	t.Helper()
	r := New(Options{Seed: 7})
	check := func(_ any, err error) { t.Helper(); must(t, err) }
	check(r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "sensor"}, t0))
	check(r.CreateThingType(CreateThingTypeRequest{ThingTypeName: "old"}, t0))
	must(t, r.DeprecateThingType(DeprecateThingTypeRequest{ThingTypeName: "old"}, t0))
	check(r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill-a"}, t0))
	check(r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill-b"}, t0))
	check(r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "root"}, t0))
	check(r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "mid", ParentGroupName: "root"}, t0))
	check(r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "leaf", ParentGroupName: "mid"}, t0))
	check(r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "other"}, t0))
	check(r.CreateThing(CreateThingRequest{ThingName: "t1", ThingTypeName: "sensor", AttributePayload: attrs("color", "red")}, t0))
	check(r.CreateThing(CreateThingRequest{ThingName: "t2", AttributePayload: attrs("color", "blue")}, t0))
	check(r.CreateThing(CreateThingRequest{ThingName: "t3"}, t0))
	r.DrainChanges()
	return r
}
