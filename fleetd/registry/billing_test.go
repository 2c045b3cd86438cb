package registry

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/google/go-cmp/cmp"
)

func TestBillingGroupLifecycle(t *testing.T) {
	r := fixture(t)
	desc := "east"
	resp, err := r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill-c", BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: &desc},
		Tags: []Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "b", Value: "3"}}}, t0)
	must(t, err)
	if resp.BillingGroupArn != "arn:aws:iot:us-east-1:123456789012:billinggroup/bill-c" {
		t.Errorf("arn = %s", resp.BillingGroupArn)
	}
	again, err := r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill-c", BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: &desc}}, t0)
	if err != nil || again != resp {
		t.Errorf("idempotent CreateBillingGroup = %+v, %v", again, err)
	}
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill-c"}, t0)
	checkErr(t, "CreateBillingGroup(different)", err, awserr.ResourceAlreadyExists, "Billing group bill-c already exists with a different configuration.")
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "bill c"}, t0)
	checkErr(t, "CreateBillingGroup(bad name)", err, awserr.InvalidRequest, "at 'billingGroupName'")
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "x", BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: ptr("tab\t")}}, t0)
	checkErr(t, "CreateBillingGroup(bad description)", err, awserr.InvalidRequest, "billingGroupProperties.billingGroupDescription")

	rec, _ := r.Record("billinggroup/bill-c")
	if want := `"tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"3"}]`; !strings.Contains(string(rec), want) {
		t.Errorf("record %s lacks normalised tags %s", rec, want)
	}

	d, err := r.DescribeBillingGroup(DescribeBillingGroupRequest{BillingGroupName: "bill-c"})
	must(t, err)
	want := DescribeBillingGroupResponse{BillingGroupName: "bill-c", BillingGroupId: resp.BillingGroupId, BillingGroupArn: resp.BillingGroupArn, Version: 1,
		BillingGroupProperties: BillingGroupProperties{BillingGroupDescription: &desc}, BillingGroupMetadata: BillingGroupMetadata{CreationDate: stamp(t0)}}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("DescribeBillingGroup (-want +got):\n%s", diff)
	}
	_, err = r.DescribeBillingGroup(DescribeBillingGroupRequest{BillingGroupName: "nope"})
	checkErr(t, "DescribeBillingGroup(nope)", err, awserr.ResourceNotFound, "Billing group nope cannot be found.")

	up, err := r.UpdateBillingGroup(UpdateBillingGroupRequest{BillingGroupName: "bill-c", ExpectedVersion: ptr[int64](1), BillingGroupProperties: &BillingGroupProperties{BillingGroupDescription: ptr("")}}, t0)
	if err != nil || up.Version != 2 {
		t.Errorf("UpdateBillingGroup = %+v, %v", up, err)
	}
	if d, _ := r.DescribeBillingGroup(DescribeBillingGroupRequest{BillingGroupName: "bill-c"}); d.BillingGroupProperties.BillingGroupDescription != nil {
		t.Error("description not cleared")
	}
	_, err = r.UpdateBillingGroup(UpdateBillingGroupRequest{BillingGroupName: "bill-c", ExpectedVersion: ptr[int64](1), BillingGroupProperties: &BillingGroupProperties{}}, t0)
	checkErr(t, "UpdateBillingGroup(stale)", err, awserr.VersionConflict, "Billing group bill-c is at version 2, not the expected version 1.")
	_, err = r.UpdateBillingGroup(UpdateBillingGroupRequest{BillingGroupName: "bill-c"}, t0)
	checkErr(t, "UpdateBillingGroup(no properties)", err, awserr.InvalidRequest, "Value null at 'billingGroupProperties'")
	_, err = r.UpdateBillingGroup(UpdateBillingGroupRequest{BillingGroupName: "nope", BillingGroupProperties: &BillingGroupProperties{}}, t0)
	checkErr(t, "UpdateBillingGroup(nope)", err, awserr.ResourceNotFound, "")

	list, _ := r.ListBillingGroups(ListBillingGroupsRequest{NamePrefixFilter: "bill-"})
	var names []string
	for _, g := range list.BillingGroups {
		names = append(names, g.GroupName)
	}
	if want := []string{"bill-a", "bill-b", "bill-c"}; !slices.Equal(names, want) {
		t.Errorf("ListBillingGroups = %v; want %v", names, want)
	}
	if list.BillingGroups[0].GroupArn != r.BillingGroupArn("bill-a") {
		t.Errorf("arn = %s", list.BillingGroups[0].GroupArn)
	}

	checkErr(t, "DeleteBillingGroup(nope)", r.DeleteBillingGroup(DeleteBillingGroupRequest{BillingGroupName: "nope"}, t0), "", "")
	checkErr(t, "DeleteBillingGroup(stale)", r.DeleteBillingGroup(DeleteBillingGroupRequest{BillingGroupName: "bill-c", ExpectedVersion: ptr[int64](1)}, t0), awserr.VersionConflict, "")
	must(t, r.DeleteBillingGroup(DeleteBillingGroupRequest{BillingGroupName: "bill-c", ExpectedVersion: ptr[int64](2)}, t0))
	if _, ok := r.Record("billinggroup/bill-c"); ok {
		t.Error("record survives delete")
	}
}

func TestBillingGroupMembership(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t1"}, t0))
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupArn: r.BillingGroupArn("bill-a"), ThingArn: r.ThingArn("t2")}, t0))
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t2"}, t0)) // again: no-op
	r.DrainChanges()
	// Moving: one billing group per thing.
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-b", ThingName: "t1"}, t0))
	want := []MembershipEvent{
		{Group: "bill-a", Kind: BillingGroup, Thing: "t1"},
		{Group: "bill-b", Kind: BillingGroup, Thing: "t1", Added: true},
	}
	c := r.DrainChanges()
	if diff := cmp.Diff(want, c.Membership); diff != "" {
		t.Errorf("move events (-want +got):\n%s", diff)
	}
	if len(c.Things) != 1 || c.Things[0].Name != "t1" {
		t.Errorf("move thing changes = %+v", c.Things)
	}
	if d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t1"}); d.BillingGroupName != "bill-b" || d.Version != 1 {
		t.Errorf("t1 after move: billing %q, version %d", d.BillingGroupName, d.Version)
	}
	inA, _ := r.ListThingsInBillingGroup(ListThingsInBillingGroupRequest{BillingGroupName: "bill-a"})
	if !slices.Equal(inA.Things, []string{"t2"}) {
		t.Errorf("bill-a things = %v", inA.Things)
	}
	// Removing from a group the thing is not in changes nothing.
	must(t, r.RemoveThingFromBillingGroup(RemoveThingFromBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t1"}, t0))
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("no-op remove changed %+v", c)
	}
	must(t, r.RemoveThingFromBillingGroup(RemoveThingFromBillingGroupRequest{BillingGroupName: "bill-b", ThingName: "t1"}, t0))
	if d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t1"}); d.BillingGroupName != "" {
		t.Errorf("t1 billing after remove = %q", d.BillingGroupName)
	}
	// Deleting a billing group releases its things.
	must(t, r.DeleteBillingGroup(DeleteBillingGroupRequest{BillingGroupName: "bill-a"}, t0))
	if d, _ := r.DescribeThing(DescribeThingRequest{ThingName: "t2"}); d.BillingGroupName != "" {
		t.Errorf("t2 billing after group delete = %q", d.BillingGroupName)
	}
	for _, tc := range []struct {
		what string
		err  error
		code string
	}{
		{"add to unknown group", r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "nope", ThingName: "t1"}, t0), awserr.ResourceNotFound},
		{"add unknown thing", r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-b", ThingName: "nope"}, t0), awserr.ResourceNotFound},
		{"add without group", r.AddThingToBillingGroup(AddThingToBillingGroupRequest{ThingName: "t1"}, t0), awserr.InvalidRequest},
		{"add with thing-group ARN", r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupArn: r.ThingGroupArn("root"), ThingName: "t1"}, t0), awserr.InvalidRequest},
		{"remove from unknown group", r.RemoveThingFromBillingGroup(RemoveThingFromBillingGroupRequest{BillingGroupName: "nope", ThingName: "t1"}, t0), awserr.ResourceNotFound},
		{"list unknown group", func() error {
			_, err := r.ListThingsInBillingGroup(ListThingsInBillingGroupRequest{BillingGroupName: "nope"})
			return err
		}(), awserr.ResourceNotFound},
	} {
		checkErr(t, tc.what, tc.err, tc.code, "")
	}
}
