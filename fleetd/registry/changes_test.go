package registry

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDrainChanges(t *testing.T) {
	r := New(Options{Seed: 1})
	if c := r.DrainChanges(); !c.Empty() {
		t.Fatalf("new registry has changes %+v", c)
	}
	_, err := r.CreateThingGroup(CreateThingGroupRequest{ThingGroupName: "g"}, t0)
	must(t, err)
	must(t, create(r, "a")) // dense 0
	must(t, create(r, "b")) // dense 1
	must(t, r.AddThingToThingGroup(AddThingToThingGroupRequest{ThingGroupName: "g", ThingName: "b"}, t0))
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "a"}, t0))
	must(t, create(r, "c")) // reuses dense 0
	must(t, create(r, "d")) // 2, then deleted: the core never saw it
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "d"}, t0))
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "b"}, t0))
	must(t, create(r, "b")) // recreated: takes dense 1 back
	_, err = r.CreateDynamicThingGroup(CreateDynamicThingGroupRequest{ThingGroupName: "dyn", QueryString: "*"}, t0)
	must(t, err)
	_, err = r.SetDynamicMembership("dyn", "c", true, t0)
	must(t, err)

	want := Changes{
		Things: []ThingChange{
			{Name: "a", ID: 0, Deleted: true},
			{Name: "b", ID: 1, Deleted: true},
			{Name: "d", ID: 2, Deleted: true},
			{Name: "b", ID: 1},
			{Name: "c", ID: 0},
		},
		Records: []string{"registry/meta", "thing/a", "thing/b", "thing/c", "thing/d", "thinggroup/dyn", "thinggroup/g"},
		Membership: []MembershipEvent{
			{Group: "g", Kind: StaticGroup, Thing: "b", Added: true},
			{Group: "g", Kind: StaticGroup, Thing: "b"},
			{Group: "dyn", Kind: DynamicGroup, Thing: "c", Added: true},
		},
		DynamicGroups: []string{"dyn"},
	}
	if diff := cmp.Diff(want, r.DrainChanges()); diff != "" {
		t.Errorf("DrainChanges (-want +got):\n%s", diff)
	}
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("second DrainChanges = %+v; want empty", c)
	}
	// Reads change nothing.
	r.DescribeThing(DescribeThingRequest{ThingName: "b"})
	r.ListThings(ListThingsRequest{})
	r.ListThingsInThingGroup(ListThingsInThingGroupRequest{ThingGroupName: "g", Recursive: true})
	r.GroupNames("c")
	r.View("c")
	if c := r.DrainChanges(); !c.Empty() {
		t.Errorf("reads recorded %+v", c)
	}
	if got := []string{GroupKind(0).String(), StaticGroup.String(), DynamicGroup.String(), BillingGroup.String()}; !cmp.Equal(got, []string{"unknown", "static", "dynamic", "billing"}) {
		t.Errorf("GroupKind strings = %v", got)
	}
}

func TestThingsIteratesByDenseID(t *testing.T) {
	r := New(Options{})
	for _, n := range []string{"z", "y", "x"} {
		must(t, create(r, n))
	}
	must(t, r.DeleteThing(DeleteThingRequest{ThingName: "y"}, t0))
	var got []string
	r.Things(func(id uint32, name string) bool {
		got = append(got, name)
		return true
	})
	if !cmp.Equal(got, []string{"z", "x"}) {
		t.Errorf("Things = %v", got)
	}
	n := 0
	r.Things(func(uint32, string) bool { n++; return false })
	if n != 1 || r.ThingCount() != 2 || r.ThingIDBound() != 3 {
		t.Errorf("early stop %d, count %d, bound %d", n, r.ThingCount(), r.ThingIDBound())
	}
}
