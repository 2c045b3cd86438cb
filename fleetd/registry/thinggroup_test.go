package registry

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/google/go-cmp/cmp"
)

func TestCreateThingGroup(t *testing.T) {
	desc := "lights"
	tests := []struct {
		name string
		req  CreateThingGroupRequest
		code string
		msg  string
	}{
		{"root", CreateThingGroupRequest{ThingGroupName: "g", ThingGroupProperties: &ThingGroupProperties{ThingGroupDescription: &desc}}, "", ""},
		{"child", CreateThingGroupRequest{ThingGroupName: "g", ParentGroupName: "leaf"}, "", ""},
		{"idempotent", CreateThingGroupRequest{ThingGroupName: "mid", ParentGroupName: "root"}, "", ""},
		{"different parent", CreateThingGroupRequest{ThingGroupName: "mid"}, awserr.ResourceAlreadyExists,
			"Thing group mid already exists with a different configuration."},
		{"different description", CreateThingGroupRequest{ThingGroupName: "other", ThingGroupProperties: &ThingGroupProperties{ThingGroupDescription: &desc}},
			awserr.ResourceAlreadyExists, ""},
		{"missing parent", CreateThingGroupRequest{ThingGroupName: "g", ParentGroupName: "nope"}, awserr.InvalidRequest,
			"Parent thing group nope cannot be found."},
		{"bad attribute", CreateThingGroupRequest{ThingGroupName: "g", ThingGroupProperties: &ThingGroupProperties{AttributePayload: attrs("a b", "c")}},
			awserr.InvalidRequest, "at 'thingGroupProperties.attributePayload.attributes'"},
		{"bad parent name", CreateThingGroupRequest{ThingGroupName: "g", ParentGroupName: "a b"}, awserr.InvalidRequest, "at 'parentGroupName'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			resp, err := r.CreateThingGroup(tt.req, t0)
			checkErr(t, "CreateThingGroup", err, tt.code, tt.msg)
			if err != nil {
				if c := r.DrainChanges(); !c.Empty() {
					t.Errorf("failed CreateThingGroup recorded changes: %+v", c)
				}
				return
			}
			d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: tt.req.ThingGroupName})
			if resp.ThingGroupId != d.ThingGroupId || resp.ThingGroupArn != "arn:aws:iot:us-east-1:123456789012:thinggroup/"+tt.req.ThingGroupName {
				t.Errorf("CreateThingGroup = %+v; describe %+v", resp, d)
			}
		})
	}
}

func TestThingGroupDepthLimit(t *testing.T) {
	r := New(Options{})
	parent := ""
	for i := 1; i <= MaxGroupDepth; i++ {
		name := fmt.Sprintf("g%d", i)
		_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: name, ParentGroupName: parent}, t0)
		must(t, err)
		parent = name
	}
	_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "deep", ParentGroupName: parent}, t0)
	checkErr(t, "CreateThingGroup(depth 8)", err, awserr.InvalidRequest, "at most 7 deep")
}

func TestDescribeThingGroup(t *testing.T) {
	r := fixture(t)
	desc := "bottom"
	_, err := r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "leaf", ThingGroupProperties: &ThingGroupProperties{
		ThingGroupDescription: &desc, AttributePayload: attrs("floor", "3")}}, t0)
	must(t, err)
	got, err := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "leaf"})
	must(t, err)
	want := DescribeThingGroupResponse{
		ThingGroupName: "leaf",
		ThingGroupId:   got.ThingGroupId,
		ThingGroupArn:  "arn:aws:iot:us-east-1:123456789012:thinggroup/leaf",
		Version:        2,
		ThingGroupProperties: ThingGroupProperties{
			ThingGroupDescription: &desc,
			AttributePayload:      &AttributePayload{Attributes: map[string]string{"floor": "3"}},
		},
		ThingGroupMetadata: ThingGroupMetadata{
			ParentGroupName: "mid",
			RootToParentThingGroups: []GroupNameAndArn{
				{GroupName: "root", GroupArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/root"},
				{GroupName: "mid", GroupArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/mid"},
			},
			CreationDate: stamp(t0),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeThingGroup(leaf) (-want +got):\n%s", diff)
	}
	root, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "root"})
	if root.ThingGroupMetadata.ParentGroupName != "" || root.ThingGroupMetadata.RootToParentThingGroups != nil || root.Status != "" || root.QueryString != "" {
		t.Errorf("DescribeThingGroup(root) = %+v", root)
	}
	_, err = r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "nope"})
	checkErr(t, "DescribeThingGroup(nope)", err, awserr.ResourceNotFound, "Thing group nope cannot be found.")
}

func TestUpdateThingGroup(t *testing.T) {
	r := fixture(t)
	must1 := func(resp UpdateThingGroupResponse, err error) int64 {
		t.Helper()
		must(t, err)
		return resp.Version
	}
	if v := must1(r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "other", ThingGroupProperties: &ThingGroupProperties{AttributePayload: attrs("a", "1", "b", "2")}}, t0)); v != 2 {
		t.Errorf("version = %d; want 2", v)
	}
	if v := must1(r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "other", ExpectedVersion: ptr[int64](2),
		ThingGroupProperties: &ThingGroupProperties{AttributePayload: &AttributePayload{Attributes: map[string]string{"a": "", "c": "3"}, Merge: true}}}, t0)); v != 3 {
		t.Errorf("version = %d; want 3", v)
	}
	d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "other"})
	if got := d.ThingGroupProperties.AttributePayload.Attributes; !cmp.Equal(got, map[string]string{"b": "2", "c": "3"}) {
		t.Errorf("attributes after merge = %v", got)
	}
	_, err := r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "other", ExpectedVersion: ptr[int64](2), ThingGroupProperties: &ThingGroupProperties{}}, t0)
	checkErr(t, "UpdateThingGroup(stale version)", err, awserr.VersionConflict, "Thing group other is at version 3, not the expected version 2.")
	_, err = r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "other"}, t0)
	checkErr(t, "UpdateThingGroup(no properties)", err, awserr.InvalidRequest, "Value null at 'thingGroupProperties'")
	_, err = r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "nope", ThingGroupProperties: &ThingGroupProperties{}}, t0)
	checkErr(t, "UpdateThingGroup(nope)", err, awserr.ResourceNotFound, "")
	many := &AttributePayload{Attributes: map[string]string{}}
	for i := range MaxGroupAttributes + 1 {
		many.Attributes[fmt.Sprint("k", i)] = "v"
	}
	_, err = r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "other", ThingGroupProperties: &ThingGroupProperties{AttributePayload: many}}, t0)
	checkErr(t, "UpdateThingGroup(51 attributes)", err, awserr.InvalidRequest, "at most 50")
	empty := ""
	must1(r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "leaf", ThingGroupProperties: &ThingGroupProperties{ThingGroupDescription: ptr("x")}}, t0))
	must1(r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "leaf", ThingGroupProperties: &ThingGroupProperties{}}, t0))
	if d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "leaf"}); d.ThingGroupProperties.ThingGroupDescription == nil {
		t.Error("absent description cleared the stored one")
	}
	must1(r.UpdateThingGroup(UpdateThingGroupRequest{ThingGroupName: "leaf", ThingGroupProperties: &ThingGroupProperties{ThingGroupDescription: &empty}}, t0))
	if d, _ := r.DescribeThingGroup(DescribeThingGroupRequest{ThingGroupName: "leaf"}); d.ThingGroupProperties.ThingGroupDescription != nil {
		t.Error(`description "" did not clear`)
	}
}

func TestDeleteThingGroup(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t2"}, t0))
	r.DrainChanges()

	checkErr(t, "DeleteThingGroup(nope)", r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "nope"}, t0), "", "")
	checkErr(t, "DeleteThingGroup(mid)", r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "mid"}, t0), awserr.InvalidRequest,
		"Thing group mid cannot be deleted because it has child groups: leaf.")
	checkErr(t, "DeleteThingGroup(leaf, v9)", r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "leaf", ExpectedVersion: ptr[int64](9)}, t0),
		awserr.VersionConflict, "")
	must(t, r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "leaf", ExpectedVersion: ptr[int64](1)}, t0))
	if got := r.GroupNames("t1"); len(got) != 0 {
		t.Errorf("GroupNames(t1) after deleting leaf = %v", got)
	}
	c := r.DrainChanges()
	wantEvents := []MembershipEvent{{Group: "leaf", Kind: StaticGroup, Thing: "t1"}, {Group: "leaf", Kind: StaticGroup, Thing: "t2"}}
	if diff := cmp.Diff(wantEvents, c.Membership); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if want := []string{"thing/t1", "thing/t2", "thinggroup/leaf"}; !slices.Equal(c.Records, want) {
		t.Errorf("records = %v; want %v", c.Records, want)
	}
	// mid has no children now.
	must(t, r.DeleteThingGroup(DeleteThingGroupRequest{ThingGroupName: "mid"}, t0))
	resp, _ := r.ListThingGroups(ListThingGroupsRequest{ParentGroup: "root"})
	if len(resp.ThingGroups) != 0 {
		t.Errorf("root children after deletes = %v", resp.ThingGroups)
	}
}

func TestAddThingToThingGroup(t *testing.T) {
	tests := []struct {
		name string
		req  AddThingToThingGroupRequest
		code string
		msg  string
	}{
		{"by names", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, "", ""},
		{"by ARNs", AddThingToThingGroupRequest{ThingGroupArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/leaf", ThingArn: "arn:aws:iot:us-east-1:123456789012:thing/t1"}, "", ""},
		{"name and matching ARN", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingGroupArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/leaf", ThingName: "t1"}, "", ""},
		{"name and other ARN", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingGroupArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/mid", ThingName: "t1"},
			awserr.InvalidRequest, "name different resources"},
		{"no group", AddThingToThingGroupRequest{ThingName: "t1"}, awserr.InvalidRequest, "Either thingGroupName or thingGroupArn must be specified."},
		{"no thing", AddThingToThingGroupRequest{ThingGroupName: "leaf"}, awserr.InvalidRequest, "Either thingName or thingArn must be specified."},
		{"malformed ARN", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingArn: "thing/t1"}, awserr.InvalidRequest, "is not a valid thing ARN"},
		{"group ARN for thing", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingArn: "arn:aws:iot:us-east-1:123456789012:thinggroup/t1"}, awserr.InvalidRequest, ""},
		{"other account", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingArn: "arn:aws:iot:us-east-1:999999999999:thing/t1"}, awserr.ResourceNotFound, ""},
		{"unknown group", AddThingToThingGroupRequest{ThingGroupName: "nope", ThingName: "t1"}, awserr.ResourceNotFound, "Thing group nope cannot be found."},
		{"unknown thing", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "nope"}, awserr.ResourceNotFound, "Thing nope cannot be found."},
		{"again", AddThingToThingGroupRequest{ThingGroupName: "other", ThingName: "t2"}, "", ""},
		{"same hierarchy", AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t2"}, awserr.InvalidRequest,
			"Thing t2 cannot be added to thing group leaf: it is already in thing group root of the same hierarchy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t)
			must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "other", ThingName: "t2"}, t0))
			must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "root", ThingName: "t2"}, t0))
			r.DrainChanges()
			err := r.AddThingToThingGroup(tt.req, t0)
			checkErr(t, "AddThingToThingGroup", err, tt.code, tt.msg)
			c := r.DrainChanges()
			if err != nil && !c.Empty() {
				t.Errorf("failed add recorded %+v", c)
			}
		})
	}
}

func TestHierarchyRule(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	for _, g := range []string{"root", "mid"} {
		err := r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: g, ThingName: "t1"}, t0)
		checkErr(t, "AddThingToThingGroup(t1, "+g+")", err, awserr.InvalidRequest, "same hierarchy")
	}
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "other", ThingName: "t1"}, t0))
	// Moving within a hierarchy works in one UpdateThingGroupsForThing.
	must(t, r.UpdateThingGroupsForThing(UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"leaf"}, ThingGroupsToAdd: []string{"mid"}}, t0))
	if got, want := r.GroupNames("t1"), []string{"mid", "other", "root"}; !slices.Equal(got, want) {
		t.Errorf("GroupNames(t1) = %v; want %v", got, want)
	}
	// Sibling groups share a root too.
	_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "mid2", ParentGroupName: "root"}, t0)
	must(t, err)
	err = r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "mid2", ThingName: "t1"}, t0)
	checkErr(t, "AddThingToThingGroup(t1, mid2)", err, awserr.InvalidRequest, "already in thing group mid of the same hierarchy")
}

// limitFixture: t1 in 7 static roots s1..s7 and dynamic groups d1, d2, d3
// (created in that order), i.e. at the limit of 10.
func limitFixture(t *testing.T) *Registry {
	r := New(Options{Seed: 3})
	must(t, create(r, "t1"))
	for i := 1; i <= 8; i++ {
		_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: fmt.Sprintf("s%d", i)}, t0)
		must(t, err)
	}
	for i := 1; i <= 7; i++ {
		must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: fmt.Sprintf("s%d", i), ThingName: "t1"}, t0))
	}
	for _, d := range []string{"d1", "d2", "d3", "d4"} {
		_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: d, QueryString: "attributes.x:1"}, t0)
		must(t, err)
	}
	for _, d := range []string{"d2", "d3", "d1"} {
		if ok, err := r.SetDynamicMembership(d, "t1", true, t0); !ok || err != nil {
			t.Fatalf("SetDynamicMembership(%s) = %v, %v", d, ok, err)
		}
	}
	r.DrainChanges()
	return r
}

func TestGroupLimitAndOverride(t *testing.T) {
	r := limitFixture(t)
	err := r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "s8", ThingName: "t1"}, t0)
	checkErr(t, "AddThingToThingGroup(11th group)", err, awserr.InvalidRequest, "Thing t1 cannot be added to more than 10 thing groups.")

	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "s8", ThingName: "t1", OverrideDynamicGroups: true}, t0))
	c := r.DrainChanges()
	want := []MembershipEvent{
		{Group: "d3", Kind: DynamicGroup, Thing: "t1", Evicted: true}, // the most recently created dynamic group it is in
		{Group: "s8", Kind: StaticGroup, Thing: "t1", Added: true},
	}
	if diff := cmp.Diff(want, c.Membership); diff != "" {
		t.Errorf("override events (-want +got):\n%s", diff)
	}
	got, _ := r.ListThingGroupsForThing(ListThingGroupsForThingRequest{ThingName: "t1"})
	var names []string
	for _, g := range got.ThingGroups {
		names = append(names, g.GroupName)
	}
	if want := []string{"d1", "d2", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"}; !slices.Equal(names, want) {
		t.Errorf("groups of t1 = %v; want %v", names, want)
	}

	// Only static groups left: override cannot help.
	r2 := New(Options{MaxGroupsPerThing: 2})
	must(t, create(r2, "x"))
	for _, g := range []string{"a", "b", "c"} {
		_, err := r2.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: g}, t0)
		must(t, err)
	}
	must(t, r2.UpdateThingGroupsForThing(UpdateThingGroupsForThingRequest{ThingName: "x", ThingGroupsToAdd: []string{"a", "b"}}, t0))
	err = r2.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "c", ThingName: "x", OverrideDynamicGroups: true}, t0)
	checkErr(t, "AddThingToThingGroup(static only, override)", err, awserr.InvalidRequest, "more than 2 thing groups")
}

func TestUpdateThingGroupsForThing(t *testing.T) {
	r := limitFixture(t)
	// All or nothing: the second add breaks the hierarchy rule.
	_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "s1c", ParentGroupName: "s1"}, t0)
	must(t, err)
	r.DrainChanges()
	err = r.UpdateThingGroupsForThing(UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"s2"}, ThingGroupsToAdd: []string{"s8", "s1c"}}, t0)
	checkErr(t, "UpdateThingGroupsForThing(hierarchy)", err, awserr.InvalidRequest, "same hierarchy")
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("failed update changed %+v", c)
	}
	// One removal and two adds end one over the limit: override evicts the
	// newest dynamic group. Duplicate adds count once.
	must(t, r.UpdateThingGroupsForThing(UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"s1"},
		ThingGroupsToAdd: []string{"s8", "s1c", "s8"}, OverrideDynamicGroups: true}, t0))
	want := []MembershipEvent{
		{Group: "s1", Kind: StaticGroup, Thing: "t1"},
		{Group: "d3", Kind: DynamicGroup, Thing: "t1", Evicted: true},
		{Group: "s8", Kind: StaticGroup, Thing: "t1", Added: true},
		{Group: "s1c", Kind: StaticGroup, Thing: "t1", Added: true},
	}
	if diff := cmp.Diff(want, r.DrainChanges().Membership); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		req  UpdateThingGroupsForThingRequest
		code string
	}{
		{UpdateThingGroupsForThingRequest{ThingName: "nope"}, awserr.ResourceNotFound},
		{UpdateThingGroupsForThingRequest{}, awserr.InvalidRequest},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToAdd: []string{"nope"}}, awserr.ResourceNotFound},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"nope"}}, awserr.ResourceNotFound},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToAdd: []string{"d4"}}, awserr.InvalidRequest},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"d1"}}, awserr.InvalidRequest},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToAdd: []string{"bad name"}}, awserr.InvalidRequest},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"s5"}}, ""},
		{UpdateThingGroupsForThingRequest{ThingName: "t1", ThingGroupsToRemove: []string{"s5"}}, ""}, // not a member any more: no-op
	} {
		checkErr(t, fmt.Sprintf("UpdateThingGroupsForThing(%+v)", tc.req), r.UpdateThingGroupsForThing(tc.req, t0), tc.code, "")
	}
}

func TestRemoveThingFromThingGroup(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	r.DrainChanges()
	must(t, r.RemoveThingFromThingGroup(RemoveThingFromThingGroupRequest{ThingGroupArn: r.ThingGroupArn("leaf"), ThingName: "t1"}, t0))
	if got := r.GroupNames("t1"); len(got) != 0 {
		t.Errorf("GroupNames(t1) = %v", got)
	}
	if c := r.DrainChanges(); len(c.Membership) != 1 || c.Membership[0].Added {
		t.Errorf("remove events = %+v", c.Membership)
	}
	must(t, r.RemoveThingFromThingGroup(RemoveThingFromThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("removing a non-member changed %+v", c)
	}
	err := r.RemoveThingFromThingGroup(RemoveThingFromThingGroupRequest{ThingGroupName: "nope", ThingName: "t1"}, t0)
	checkErr(t, "RemoveThingFromThingGroup(nope)", err, awserr.ResourceNotFound, "")
	err = r.RemoveThingFromThingGroup(RemoveThingFromThingGroupRequest{ThingGroupName: "leaf", ThingName: "nope"}, t0)
	checkErr(t, "RemoveThingFromThingGroup(thing nope)", err, awserr.ResourceNotFound, "")
}

func TestListThingGroups(t *testing.T) {
	r := fixture(t)
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*"}, t0)
	must(t, err)
	_, err = r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "mid-b", ParentGroupName: "root"}, t0)
	must(t, err)
	list := func(req ListThingGroupsRequest) []string {
		t.Helper()
		resp, err := r.ListThingGroups(req)
		must(t, err)
		var out []string
		for _, g := range resp.ThingGroups {
			if g.GroupArn != r.ThingGroupArn(g.GroupName) {
				t.Errorf("arn of %s = %s", g.GroupName, g.GroupArn)
			}
			out = append(out, g.GroupName)
		}
		return out
	}
	tests := []struct {
		name string
		req  ListThingGroupsRequest
		want []string
	}{
		{"all", ListThingGroupsRequest{}, []string{"dyn", "leaf", "mid", "mid-b", "other", "root"}},
		{"recursive true", ListThingGroupsRequest{Recursive: ptr(true)}, []string{"dyn", "leaf", "mid", "mid-b", "other", "root"}},
		{"roots only", ListThingGroupsRequest{Recursive: ptr(false)}, []string{"dyn", "other", "root"}},
		{"children", ListThingGroupsRequest{ParentGroup: "root"}, []string{"mid", "mid-b"}},
		{"descendants", ListThingGroupsRequest{ParentGroup: "root", Recursive: ptr(true)}, []string{"leaf", "mid", "mid-b"}},
		{"prefix", ListThingGroupsRequest{NamePrefixFilter: "mid"}, []string{"mid", "mid-b"}},
		{"prefix under parent", ListThingGroupsRequest{ParentGroup: "root", Recursive: ptr(true), NamePrefixFilter: "l"}, []string{"leaf"}},
		{"leaf has no children", ListThingGroupsRequest{ParentGroup: "leaf"}, nil},
	}
	for _, tt := range tests {
		if got := list(tt.req); !slices.Equal(got, tt.want) {
			t.Errorf("ListThingGroups %s = %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err = r.ListThingGroups(ListThingGroupsRequest{ParentGroup: "nope"})
	checkErr(t, "ListThingGroups(parent nope)", err, awserr.ResourceNotFound, "")
}

func TestListThingsInThingGroup(t *testing.T) {
	r := fixture(t)
	for i := range 7 {
		must(t, create(r, fmt.Sprintf("x%d", i)))
	}
	add := func(g string, things ...string) {
		for _, th := range things {
			must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: g, ThingName: th}, t0))
		}
	}
	add("root", "x0", "x3")
	add("mid", "x1", "x4", "t1")
	add("leaf", "x2", "x5", "t2")
	add("other", "x0", "x1", "x2") // a thing in two hierarchies is listed once
	walk := func(req ListThingsInThingGroupRequest) ([]string, int) {
		t.Helper()
		var all []string
		pages := 0
		for {
			resp, err := r.ListThingsInThingGroup(req)
			must(t, err)
			pages++
			all = append(all, resp.Things...)
			if resp.NextToken == "" {
				return all, pages
			}
			req.NextToken = resp.NextToken
		}
	}
	got, _ := walk(ListThingsInThingGroupRequest{ThingGroupName: "root"})
	if want := []string{"x0", "x3"}; !slices.Equal(got, want) {
		t.Errorf("root = %v; want %v", got, want)
	}
	for _, size := range []int{1, 2, 3, 8, 9, 250} {
		got, pages := walk(ListThingsInThingGroupRequest{ThingGroupName: "root", Recursive: true, MaxResults: size})
		want := []string{"t1", "t2", "x0", "x1", "x2", "x3", "x4", "x5"}
		if !slices.Equal(got, want) {
			t.Errorf("root recursive, pages of %d = %v; want %v", size, got, want)
		}
		if wantPages := max(1, (len(want)+size-1)/size); pages != wantPages {
			t.Errorf("root recursive, pages of %d: %d pages; want %d", size, pages, wantPages)
		}
	}
	_, err := r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "nope"})
	checkErr(t, "ListThingsInThingGroup(nope)", err, awserr.ResourceNotFound, "")
	resp, _ := r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "root", MaxResults: 1})
	_, err = r.ListThings(ListThingsRequest{NextToken: resp.NextToken})
	checkErr(t, "ListThings(token of ListThingsInThingGroup)", err, awserr.InvalidRequest, "is not valid for this request")
	resp, _ = r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "leaf"})
	if resp.Things == nil {
		t.Error("things is nil")
	}
}

func TestGroupNames(t *testing.T) {
	r := fixture(t)
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "leaf", ThingName: "t1"}, t0))
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "other", ThingName: "t1"}, t0))
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "bill-a", ThingName: "t1"}, t0))
	_, err := r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*"}, t0)
	must(t, err)
	_, err = r.SetDynamicMembership("dyn", "t1", true, t0)
	must(t, err)
	if got, want := r.GroupNames("t1"), []string{"bill-a", "dyn", "leaf", "mid", "other", "root"}; !slices.Equal(got, want) {
		t.Errorf("GroupNames(t1) = %v; want %v", got, want)
	}
	// A billing group named like a thing group appears once.
	_, err = r.CreateBillingGroup(CreateBillingGroupRequest{BillingGroupName: "other"}, t0)
	must(t, err)
	must(t, r.AddThingToBillingGroup(AddThingToBillingGroupRequest{BillingGroupName: "other", ThingName: "t1"}, t0))
	if got, want := r.GroupNames("t1"), []string{"dyn", "leaf", "mid", "other", "root"}; !slices.Equal(got, want) {
		t.Errorf("GroupNames(t1) = %v; want %v", got, want)
	}
	if got := r.GroupNames("nope"); got != nil {
		t.Errorf("GroupNames(nope) = %v", got)
	}
	v, ok := r.View("t1")
	id, _ := r.ThingID("t1")
	if !ok || v.ID != id || v.BillingGroupName != "other" || v.ThingTypeName != "sensor" || !slices.Equal(v.GroupNames, r.GroupNames("t1")) {
		t.Errorf("View(t1) = %+v", v)
	}
}
