package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/google/go-cmp/cmp"
)

func TestCreateDynamicThingGroup(t *testing.T) {
	tests := []struct {
		name string
		req  CreateDynamicThingGroupRequest
		code string
		msg  string
	}{
		{"defaults", CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "attributes.color:red"}, "", ""},
		{"explicit", CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*", IndexName: "AWS_Things", QueryVersion: "2017-09-30"}, "", ""},
		{"no query", CreateDynamicThingGroupRequest{ThingGroupName: "dyn"}, awserr.InvalidRequest, "Value null at 'queryString'"},
		{"other index", CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*", IndexName: "AWS_ThingGroups"}, awserr.ResourceNotFound, "Index AWS_ThingGroups cannot be found"},
		{"other version", CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*", QueryVersion: "2020-01-01"}, awserr.InvalidRequest, "not supported"},
		{"name of a static group", CreateDynamicThingGroupRequest{ThingGroupName: "other", QueryString: "*"}, awserr.ResourceAlreadyExists, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			resp, err := r.CreateDynamicThingGroup(tt.req, t0)
			checkErr(t, "CreateDynamicThingGroup", err, tt.code, tt.msg)
			if err != nil {
				return
			}
			want := CreateDynamicThingGroupResponse{ThingGroupName: "dyn", ThingGroupArn: r.ThingGroupArn("dyn"), ThingGroupId: resp.ThingGroupId,
				IndexName: "AWS_Things", QueryString: tt.req.QueryString, QueryVersion: "2017-09-30"}
			if diff := cmp.Diff(want, resp); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "dyn"})
			if d.Status != StatusBuilding || d.QueryString != tt.req.QueryString || d.IndexName != "AWS_Things" || d.QueryVersion != "2017-09-30" || d.Version != 1 {
				t.Errorf("DescribeThingGroup(dyn) = %+v", d)
			}
			c := r.DrainChanges()
			if !slices.Equal(c.DynamicGroups, []string{"dyn"}) || !slices.Contains(c.Records, "thinggroup/dyn") {
				t.Errorf("changes = %+v", c)
			}
			// Idempotent with the same configuration, not with another query.
			again, err := r.CreateDynamicThingGroup(tt.req, t0)
			if err != nil || again != resp {
				t.Errorf("CreateDynamicThingGroup again = %+v, %v", again, err)
			}
			other := tt.req
			other.QueryString = "thingName:x"
			_, err = r.CreateDynamicThingGroup(other, t0)
			checkErr(t, "CreateDynamicThingGroup(other query)", err, awserr.ResourceAlreadyExists, "")
		})
	}
}

func TestDynamicGroupLimit(t *testing.T) {
	r := New(Options{MaxDynamicGroups: 2})
	for _, n := range []string{"a", "b"} {
		_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: n, QueryString: "*"}, t0)
		must(t, err)
	}
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "c", QueryString: "*"}, t0)
	checkErr(t, "CreateDynamicThingGroup(3rd of 2)", err, awserr.LimitExceeded, "")
	if e, _ := awserr.As(err); e.Status != 410 {
		t.Errorf("status %d; want 410", e.Status)
	}
	// Re-creating an existing one at the limit is still fine; so is a static group.
	_, err = r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "a", QueryString: "*"}, t0)
	must(t, err)
	_, err = r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "s"}, t0)
	must(t, err)
	must(t, r.DeleteDynamicThingGroup(DeleteDynamicThingGroupRequest{ThingGroupName: "a"}, t0))
	_, err = r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "c", QueryString: "*"}, t0)
	must(t, err)
}

func TestDynamicGroupsRefuseStaticOperations(t *testing.T) {
	r := fixture(t)
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*"}, t0)
	must(t, err)
	_, err = r.SetDynamicMembership("dyn", "t1", true, t0)
	must(t, err)
	checks := []struct {
		what string
		err  error
		msg  string
	}{
		{"AddThingToThingGroup", r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "dyn", ThingName: "t2"}, t0), "cannot be added or removed directly"},
		{"RemoveThingFromThingGroup", r.RemoveThingFromThingGroup(RemoveThingFromThingGroupRequest{ThingGroupName: "dyn", ThingName: "t1"}, t0), "cannot be added or removed directly"},
		{"DeleteThingGroup", r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "dyn"}, t0), "use DeleteDynamicThingGroup"},
		{"UpdateThingGroup", func() error {
			_, err := r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "dyn", ThingGroupProperties: &ThingGroupProperties{}}, t0)
			return err
		}(), "use UpdateDynamicThingGroup"},
		{"CreateThingGroup under dyn", func() error {
			_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "kid", ParentGroupName: "dyn"}, t0)
			return err
		}(), "cannot be a parent group"},
		{"UpdateDynamicThingGroup(static)", func() error {
			_, err := r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "other", ThingGroupProperties: &ThingGroupProperties{}}, t0)
			return err
		}(), "is a static thing group"},
		{"DeleteDynamicThingGroup(static)", r.DeleteDynamicThingGroup(DeleteDynamicThingGroupRequest{ThingGroupName: "other"}, t0), "is a static thing group"},
		{"SetDynamicMembership(static)", func() error { _, err := r.SetDynamicMembership("other", "t1", true, t0); return err }(), "is a static thing group"},
		{"SetDynamicGroupStatus(static)", r.SetDynamicGroupStatus("other", StatusActive, t0), "is a static thing group"},
	}
	for _, c := range checks {
		checkErr(t, c.what, c.err, awserr.InvalidRequest, c.msg)
	}
	_, err = r.SetDynamicMembership("nope", "t1", true, t0)
	checkErr(t, "SetDynamicMembership(nope)", err, awserr.ResourceNotFound, "")
	_, err = r.SetDynamicMembership("dyn", "nope", true, t0)
	checkErr(t, "SetDynamicMembership(dyn, nope)", err, awserr.ResourceNotFound, "")
	checkErr(t, "SetDynamicGroupStatus(bad)", r.SetDynamicGroupStatus("dyn", "DONE", t0), awserr.InvalidRequest, "")
}

func TestUpdateDynamicThingGroup(t *testing.T) {
	r := fixture(t)
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "a:1"}, t0)
	must(t, err)
	must(t, r.SetDynamicGroupStatus("dyn", StatusActive, t0))
	r.DrainChanges()

	resp, err := r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "dyn", ThingGroupProperties: &ThingGroupProperties{ThingGroupDescription: ptr("d")}}, t0)
	must(t, err)
	d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "dyn"})
	if resp.Version != 2 || d.Status != StatusActive || d.QueryString != "a:1" {
		t.Errorf("after property update: version %d, %+v", resp.Version, d)
	}
	if c := r.DrainChanges(); len(c.DynamicGroups) != 0 {
		t.Errorf("property update reported dynamic groups %v", c.DynamicGroups)
	}
	resp, err = r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "dyn", ExpectedVersion: ptr[int64](2), QueryString: "a:2",
		ThingGroupProperties: &ThingGroupProperties{}}, t0)
	must(t, err)
	d, _ = r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "dyn"})
	if resp.Version != 3 || d.Status != StatusRebuilding || d.QueryString != "a:2" || d.ThingGroupProperties.ThingGroupDescription == nil {
		t.Errorf("after query update: version %d, %+v", resp.Version, d)
	}
	if c := r.DrainChanges(); !slices.Equal(c.DynamicGroups, []string{"dyn"}) {
		t.Errorf("query update reported dynamic groups %v", c.DynamicGroups)
	}
	info, ok := r.DynamicGroup("dyn")
	if !ok || info.QueryString != "a:2" || info.Status != StatusRebuilding || info.Seq == 0 {
		t.Errorf("DynamicGroup(dyn) = %+v, %v", info, ok)
	}
	_, err = r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "dyn", ExpectedVersion: ptr[int64](2), ThingGroupProperties: &ThingGroupProperties{}}, t0)
	checkErr(t, "UpdateDynamicThingGroup(stale)", err, awserr.VersionConflict, "")
	_, err = r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "dyn"}, t0)
	checkErr(t, "UpdateDynamicThingGroup(no properties)", err, awserr.InvalidRequest, "Value null at 'thingGroupProperties'")
	_, err = r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "nope", ThingGroupProperties: &ThingGroupProperties{}}, t0)
	checkErr(t, "UpdateDynamicThingGroup(nope)", err, awserr.ResourceNotFound, "")
	_, err = r.UpdateDynamicThingGroup(UpdateDynamicThingGroupRequest{ThingGroupName: "dyn", IndexName: "x", ThingGroupProperties: &ThingGroupProperties{}}, t0)
	checkErr(t, "UpdateDynamicThingGroup(index x)", err, awserr.ResourceNotFound, "")
}

func TestDeleteDynamicThingGroup(t *testing.T) {
	r := fixture(t)
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*"}, t0)
	must(t, err)
	for _, th := range []string{"t1", "t2"} {
		_, err := r.SetDynamicMembership("dyn", th, true, t0)
		must(t, err)
	}
	r.DrainChanges()
	checkErr(t, "DeleteDynamicThingGroup(v7)", r.DeleteDynamicThingGroup(DeleteDynamicThingGroupRequest{ThingGroupName: "dyn", ExpectedVersion: ptr[int64](7)}, t0),
		awserr.VersionConflict, "")
	must(t, r.DeleteDynamicThingGroup(DeleteDynamicThingGroupRequest{ThingGroupName: "dyn"}, t0))
	must(t, r.DeleteDynamicThingGroup(DeleteDynamicThingGroupRequest{ThingGroupName: "dyn"}, t0))
	c := r.DrainChanges()
	want := []MembershipEvent{{Group: "dyn", Kind: DynamicGroup, Thing: "t1"}, {Group: "dyn", Kind: DynamicGroup, Thing: "t2"}}
	if diff := cmp.Diff(want, c.Membership); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if !slices.Equal(c.DynamicGroups, []string{"dyn"}) {
		t.Errorf("DynamicGroups = %v", c.DynamicGroups)
	}
	if _, ok := r.DynamicGroup("dyn"); ok {
		t.Error("DynamicGroup(dyn) after delete")
	}
}

// TestDynamicEvictionRule walks AWS's rule at the group limit: a thing that
// qualifies for a dynamic group while in 10 groups joins it only if it is
// in a more recently created dynamic group, which it then leaves.
func TestDynamicEvictionRule(t *testing.T) {
	r := limitFixture(t) // t1: s1..s7, d1, d2, d3 (d4 is newest, not joined)

	// d4 is newer than every dynamic group t1 is in: not added.
	changed, err := r.SetDynamicMembership("d4", "t1", true, t0)
	var failed *DynamicAddFailedError
	if changed || !errors.As(err, &failed) || failed.Group != "d4" || failed.Thing != "t1" || failed.Limit != 10 {
		t.Fatalf("SetDynamicMembership(d4) = %v, %v; want false, DynamicAddFailedError", changed, err)
	}
	if _, isAWS := awserr.As(err); isAWS {
		t.Error("DynamicAddFailedError must not be an AWS client error")
	}
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("failed add changed %+v", c)
	}

	// Make room: t1 leaves d1 (9 groups) and joins d4 without eviction.
	_, err = r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "d5", QueryString: "*"}, t0)
	must(t, err)
	if ok, err := r.SetDynamicMembership("d1", "t1", false, t0); !ok || err != nil {
		t.Fatalf("SetDynamicMembership(d1, false) = %v, %v", ok, err)
	}
	if ok, err := r.SetDynamicMembership("d4", "t1", true, t0); !ok || err != nil {
		t.Fatalf("SetDynamicMembership(d4) at 9 groups = %v, %v", ok, err)
	}
	r.DrainChanges()

	// At 10 again (s1..s7, d2, d3, d4): d1 is older than d2, d3 and d4, so
	// it claims t1 from the most recently created of them, d4.
	changed, err = r.SetDynamicMembership("d1", "t1", true, t0)
	if !changed || err != nil {
		t.Fatalf("SetDynamicMembership(d1) = %v, %v; want true, nil", changed, err)
	}
	want := []MembershipEvent{
		{Group: "d4", Kind: DynamicGroup, Thing: "t1", Evicted: true},
		{Group: "d1", Kind: DynamicGroup, Thing: "t1", Added: true},
	}
	if diff := cmp.Diff(want, r.DrainChanges().Membership); diff != "" {
		t.Errorf("eviction events (-want +got):\n%s", diff)
	}

	// t1 is in d1, d2, d3; d5 is newer than all of them: not added.
	_, err = r.SetDynamicMembership("d5", "t1", true, t0)
	checkErr(t, "SetDynamicMembership(d5)", err, "DynamicAddFailed", "")

	// Adding a member again and removing a non-member change nothing.
	if ok, err := r.SetDynamicMembership("d1", "t1", true, t0); ok || err != nil {
		t.Errorf("re-adding = %v, %v", ok, err)
	}
	if ok, err := r.SetDynamicMembership("d1", "t1", false, t0); !ok || err != nil {
		t.Errorf("removing = %v, %v", ok, err)
	}
	if ok, err := r.SetDynamicMembership("d1", "t1", false, t0); ok || err != nil {
		t.Errorf("removing again = %v, %v", ok, err)
	}
	if got := r.DynamicGroups(); len(got) != 5 || got[0].Name != "d1" || got[4].Name != "d5" {
		t.Errorf("DynamicGroups() = %+v; want d1..d5 oldest first", got)
	}
}

func TestDynamicAddFailedErrorText(t *testing.T) {
	e := &DynamicAddFailedError{Group: "g", Thing: "x", Limit: 10}
	if got, want := e.Error(), "AddThingToDynamicThingGroupsFailed: thing x is already in 10 thing groups and in no dynamic thing group newer than g"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestDescribeDynamicGroupJSON(t *testing.T) {
	r := New(Options{Seed: 1})
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "thingName:a*"}, t0.Add(1500_000_000))
	must(t, err)
	d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "dyn"})
	b, _ := json.Marshal(d)
	want := fmt.Sprintf(`{"thingGroupName":"dyn","thingGroupId":"%s","thingGroupArn":"arn:aws:iot:us-east-1:123456789012:thinggroup/dyn","version":1,`+
		`"thingGroupProperties":{},"thingGroupMetadata":{"creationDate":1767323046.5},"indexName":"AWS_Things","queryString":"thingName:a*",`+
		`"queryVersion":"2017-09-30","status":"BUILDING"}`, d.ThingGroupId)
	if string(b) != want {
		t.Errorf("DescribeThingGroup JSON =\n%s\nwant\n%s", b, want)
	}
}
