package registry

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// driver applies a seeded stream of random registry operations, mostly
// valid, some not, over small name pools so that names collide, groups fill
// up and things come and go. Its log records every operation and outcome.
type driver struct {
	rng *rand.Rand
	now time.Time
	log []string
}

func newDriver(seed uint64) *driver {
	return &driver{rng: rand.New(rand.NewPCG(seed, 99)), now: t0}
}

func (d *driver) pick(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, d.rng.IntN(n)) }

func (d *driver) thing() string   { return d.pick("th", 20) }
func (d *driver) static() string  { return d.pick("g", 10) }
func (d *driver) dynamic() string { return d.pick("dy", 5) }
func (d *driver) billing() string { return d.pick("b", 4) }
func (d *driver) typ() string     { return d.pick("ty", 4) }
func (d *driver) coin(p float64) bool {
	return d.rng.Float64() < p
}

func (d *driver) payload() *AttributePayload {
	if d.coin(0.3) {
		return nil
	}
	p := &AttributePayload{Attributes: map[string]string{}, Merge: d.coin(0.5)}
	for range d.rng.IntN(5) {
		v := []string{"", "red", "blue", "x=[1]"}[d.rng.IntN(4)]
		p.Attributes[d.pick("k", 6)] = v
	}
	return p
}

func (d *driver) version() *int64 {
	if d.coin(0.8) {
		return nil
	}
	return ptr(int64(1 + d.rng.IntN(3)))
}

// step applies one random operation and fails the test on any error that
// is not an AWS client error or a dynamic-add failure.
func (d *driver) step(t *testing.T, r *Registry) {
	t.Helper()
	d.now = d.now.Add(time.Duration(d.rng.IntN(120)) * time.Second)
	now := d.now
	var op string
	var err error
	var out any
	switch k := d.rng.IntN(20); k {
	case 0, 1, 2:
		req := CreateThingRequest{ThingName: d.thing(), AttributePayload: d.payload()}
		if d.coin(0.4) {
			req.ThingTypeName = d.typ()
		}
		if d.coin(0.3) {
			req.BillingGroupName = d.billing()
		}
		op = "CreateThing " + jsonString(req)
		out, err = r.CreateThing(req, now)
	case 3, 4:
		req := UpdateThingRequest{ThingName: d.thing(), AttributePayload: d.payload(), ExpectedVersion: d.version()}
		switch d.rng.IntN(4) {
		case 0:
			req.ThingTypeName = d.typ()
		case 1:
			req.RemoveThingType = true
		}
		op = "UpdateThing " + jsonString(req)
		err = r.UpdateThing(req, now)
	case 5:
		req := DeleteThingRequest{ThingName: d.thing(), ExpectedVersion: d.version()}
		op = "DeleteThing " + jsonString(req)
		err = r.DeleteThing(req, now)
	case 6:
		req := CreateThingTypeRequest{ThingTypeName: d.typ(), ThingTypeProperties: &ThingTypeProperties{SearchableAttributes: []string{"k0"}}}
		op = "CreateThingType " + jsonString(req)
		out, err = r.CreateThingType(req, now)
	case 7:
		if d.coin(0.5) {
			req := DeprecateThingTypeRequest{ThingTypeName: d.typ(), UndoDeprecate: d.coin(0.3)}
			op = "DeprecateThingType " + jsonString(req)
			err = r.DeprecateThingType(req, now)
		} else {
			req := DeleteThingTypeRequest{ThingTypeName: d.typ()}
			op = "DeleteThingType " + jsonString(req)
			err = r.DeleteThingType(req, now)
		}
	case 8:
		req := CreateThingGroupRequest{ThingGroupName: d.static()}
		if d.coin(0.6) {
			req.ParentGroupName = d.static()
		}
		op = "CreateThingGroup " + jsonString(req)
		out, err = r.CreateThingGroup(req, now)
	case 9:
		req := DeleteThingGroupRequest{ThingGroupName: d.static()}
		op = "DeleteThingGroup " + jsonString(req)
		err = r.DeleteThingGroup(req, now)
	case 10, 11:
		req := AddThingToThingGroupRequest{ThingGroupName: d.static(), ThingName: d.thing(), OverrideDynamicGroups: d.coin(0.5)}
		op = "AddThingToThingGroup " + jsonString(req)
		err = r.AddThingToThingGroup(req, now)
	case 12:
		req := RemoveThingFromThingGroupRequest{ThingGroupName: d.static(), ThingName: d.thing()}
		op = "RemoveThingFromThingGroup " + jsonString(req)
		err = r.RemoveThingFromThingGroup(req, now)
	case 13:
		req := UpdateThingGroupsForThingRequest{ThingName: d.thing(), OverrideDynamicGroups: d.coin(0.5),
			ThingGroupsToAdd: []string{d.static(), d.static()}, ThingGroupsToRemove: []string{d.static()}}
		op = "UpdateThingGroupsForThing " + jsonString(req)
		err = r.UpdateThingGroupsForThing(req, now)
	case 14:
		switch d.rng.IntN(3) {
		case 0:
			req := CreateDynamicThingGroupRequest{ThingGroupName: d.dynamic(), QueryString: "attributes.k0:red"}
			op = "CreateDynamicThingGroup " + jsonString(req)
			out, err = r.CreateDynamicThingGroup(req, now)
		case 1:
			req := DeleteDynamicThingGroupRequest{ThingGroupName: d.dynamic()}
			op = "DeleteDynamicThingGroup " + jsonString(req)
			err = r.DeleteDynamicThingGroup(req, now)
		default:
			req := UpdateDynamicThingGroupRequest{ThingGroupName: d.dynamic(), QueryString: d.pick("q", 3),
				ThingGroupProperties: &ThingGroupProperties{AttributePayload: d.payload()}}
			op = "UpdateDynamicThingGroup " + jsonString(req)
			out, err = r.UpdateDynamicThingGroup(req, now)
		}
	case 15, 16:
		g, th, member := d.dynamic(), d.thing(), d.coin(0.8)
		op = fmt.Sprintf("SetDynamicMembership %s %s %v", g, th, member)
		out, err = r.SetDynamicMembership(g, th, member, now)
	case 17:
		if d.coin(0.7) {
			req := CreateBillingGroupRequest{BillingGroupName: d.billing()}
			op = "CreateBillingGroup " + jsonString(req)
			out, err = r.CreateBillingGroup(req, now)
		} else {
			req := DeleteBillingGroupRequest{BillingGroupName: d.billing()}
			op = "DeleteBillingGroup " + jsonString(req)
			err = r.DeleteBillingGroup(req, now)
		}
	case 18:
		if d.coin(0.7) {
			req := AddThingToBillingGroupRequest{BillingGroupName: d.billing(), ThingName: d.thing()}
			op = "AddThingToBillingGroup " + jsonString(req)
			err = r.AddThingToBillingGroup(req, now)
		} else {
			req := RemoveThingFromBillingGroupRequest{BillingGroupName: d.billing(), ThingName: d.thing()}
			op = "RemoveThingFromBillingGroup " + jsonString(req)
			err = r.RemoveThingFromBillingGroup(req, now)
		}
	default:
		if d.coin(0.5) {
			req := UpdateThingGroupRequest{ThingGroupName: d.static(), ExpectedVersion: d.version(),
				ThingGroupProperties: &ThingGroupProperties{AttributePayload: d.payload()}}
			op = "UpdateThingGroup " + jsonString(req)
			out, err = r.UpdateThingGroup(req, now)
		} else {
			g := d.dynamic()
			op = "SetDynamicGroupStatus " + g
			err = r.SetDynamicGroupStatus(g, StatusActive, now)
		}
	}
	var dyn *DynamicAddFailedError
	if _, ok := awserr.As(err); err != nil && !ok && !errors.As(err, &dyn) {
		t.Fatalf("%s: unexpected error type %T: %v", op, err, err)
	}
	d.log = append(d.log, fmt.Sprintf("%s -> %s %v", op, jsonString(out), err))
}

// checkInvariants checks the registry's internal consistency.
func checkInvariants(t *testing.T, r *Registry) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("invariant: "+format, args...)
	}
	dyn := 0
	for n, g := range r.groups {
		if g.name != n {
			fail("group key %s holds %s", n, g.name)
		}
		if g.dynamic {
			dyn++
			if g.parent != "" || len(g.children) > 0 {
				fail("dynamic group %s in a hierarchy", n)
			}
		}
		if g.parent != "" {
			if _, ok := r.groups[g.parent].children[n]; !ok {
				fail("group %s missing from its parent's children", n)
			}
		}
		if depth := len(r.ancestors(g)) + 1; depth > MaxGroupDepth {
			fail("group %s at depth %d", n, depth)
		}
		for c := range g.children {
			if r.groups[c] == nil || r.groups[c].parent != n {
				fail("group %s has child %s that does not point back", n, c)
			}
		}
		for m := range g.members.m {
			th := r.things[m]
			if th == nil || !slices.Contains(th.groups, n) {
				fail("group %s member %s does not point back", n, m)
			}
		}
		if !slices.IsSorted(g.members.sorted()) || len(g.members.sorted()) != g.members.len() {
			fail("group %s sorted view broken", n)
		}
	}
	if dyn != r.dynamicCount || dyn > r.opts.MaxDynamicGroups {
		fail("dynamic count %d, counted %d", r.dynamicCount, dyn)
	}
	for n, th := range r.things {
		if r.slab.at(th.dense) != th {
			fail("thing %s dense id %d not in its slot", n, th.dense)
		}
		if !slices.IsSorted(th.groups) || len(slices.Compact(slices.Clone(th.groups))) != len(th.groups) {
			fail("thing %s groups %v not sorted and unique", n, th.groups)
		}
		if len(th.groups) > r.opts.MaxGroupsPerThing {
			fail("thing %s in %d groups", n, len(th.groups))
		}
		roots := map[*group]string{}
		for _, gn := range th.groups {
			g := r.groups[gn]
			if g == nil || !g.members.has(n) {
				fail("thing %s group %s does not point back", n, gn)
			}
			if !g.dynamic {
				root := r.root(g)
				if other, dup := roots[root]; dup {
					fail("thing %s in %s and %s of one hierarchy", n, other, gn)
				}
				roots[root] = gn
			}
		}
		if want := naiveGroupNames(r, th); !slices.Equal(th.groupNames, want) {
			fail("thing %s groupNames %v; want %v", n, th.groupNames, want)
		}
		if th.billing != "" && (r.billing[th.billing] == nil || !r.billing[th.billing].members.has(n)) {
			fail("thing %s billing group %s does not point back", n, th.billing)
		}
		if th.typeName != "" && (r.types[th.typeName] == nil || !r.types[th.typeName].things.has(n)) {
			fail("thing %s type %s does not point back", n, th.typeName)
		}
		limit := MaxAttributesUntyped
		if th.typeName != "" {
			limit = MaxAttributesTyped
		}
		if len(th.attrs) > limit {
			fail("thing %s has %d attributes", n, len(th.attrs))
		}
		for i, a := range th.attrs {
			if a.Value == "" {
				fail("thing %s stores an empty attribute", n)
			}
			if i > 0 && th.attrs[i-1].Name >= a.Name {
				fail("thing %s attributes %v not sorted and unique", n, th.attrs)
			}
		}
	}
	for _, b := range r.billing {
		for m := range b.members.m {
			if r.things[m] == nil || r.things[m].billing != b.name {
				fail("billing group %s member %s does not point back", b.name, m)
			}
		}
	}
	for _, tt := range r.types {
		for m := range tt.things.m {
			if r.things[m] == nil || r.things[m].typeName != tt.name {
				fail("thing type %s thing %s does not point back", tt.name, m)
			}
		}
	}
	free := map[uint32]bool{}
	for _, id := range r.free {
		if id >= r.slab.bound || r.slab.at(id) != nil || free[id] {
			fail("free id %d invalid or duplicated", id)
		}
		free[id] = true
	}
	for id := range r.slab.bound {
		th := r.slab.at(id)
		if th == nil && !free[id] {
			fail("empty slot %d not in the free list", id)
		}
		if th != nil && r.things[th.name] != th {
			fail("slot %d holds a stale thing %s", id, th.name)
		}
	}
	names := r.sortedThings()
	want := sortedKeysOf(r.things)
	if !slices.Equal(names, want) {
		fail("sorted thing view differs from the things")
	}
}

// naiveGroupNames computes GroupNames from scratch: direct groups, their
// ancestors and the billing group, sorted and deduplicated.
func naiveGroupNames(r *Registry, th *thing) []string {
	var out []string
	for _, gn := range th.groups {
		for g := r.groups[gn]; g != nil; g = r.groups[g.parent] {
			out = append(out, g.name)
		}
	}
	if th.billing != "" {
		out = append(out, th.billing)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestRandomOperationsKeepInvariants(t *testing.T) {
	for seed := range uint64(8) {
		r := New(Options{Seed: seed, MaxGroupsPerThing: 3, MaxDynamicGroups: 4})
		d := newDriver(seed)
		for i := range 1500 {
			d.step(t, r)
			if i%50 == 0 {
				checkInvariants(t, r)
				if i%100 == 0 {
					r.DrainChanges()
				}
			}
		}
		checkInvariants(t, r)
	}
}

func TestOperationLogIsReadable(t *testing.T) {
	d := newDriver(1)
	r := New(Options{})
	for range 20 {
		d.step(t, r)
	}
	if !strings.Contains(strings.Join(d.log, "\n"), "->") {
		t.Error("empty log")
	}
}
