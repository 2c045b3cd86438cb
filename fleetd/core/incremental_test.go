package core

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
)

// TestIncrementalIndexEqualsRebuild applies random registry, shadow,
// connectivity and dynamic-group changes, each indexed as a diff of the
// section it touched, and checks that the index then answers every query
// exactly as an index rebuilt from the final state.
func TestIncrementalIndexEqualsRebuild(t *testing.T) {
	c := New(Options{Seed: 3})
	r := rand.New(rand.NewPCG(3, 3))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := &ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS", NamedShadowIndexingMode: "ON"}
	if err := c.UpdateIndexingConfiguration(now, IndexingConfiguration{ThingIndexingConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	Do(c, now, (*registry.Registry).CreateThingGroup, registry.CreateThingGroupRequest{ThingGroupName: "G"})
	thing := func() string { return fmt.Sprintf("t%02d", r.IntN(60)) }
	for i := range 3000 {
		switch r.IntN(10) {
		case 0, 1:
			Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: thing(),
				AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"batch": fmt.Sprint(r.IntN(5))}}})
		case 2:
			DoErr(c, now, (*registry.Registry).UpdateThing, registry.UpdateThingRequest{ThingName: thing(),
				AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"batch": fmt.Sprint(r.IntN(5))}, Merge: r.IntN(2) == 0}})
		case 3:
			DoErr(c, now, (*registry.Registry).AddThingToThingGroup, registry.AddThingToThingGroupRequest{ThingGroupName: "G", ThingName: thing()})
		case 4, 5:
			// Both sections, reported only, desired only: the index is
			// fed only the sections an update touched.
			reported := fmt.Sprintf(`"reported":{"fw":"2.%d","temp":%d,"tags":["a%d"]}`, r.IntN(3), r.IntN(100), r.IntN(3))
			desired := fmt.Sprintf(`"desired":{"fw":"2.%d"}`, r.IntN(3))
			state := []string{reported + "," + desired, reported, desired, `"desired":null`, `"reported":{"fw":"2.1"}`}[r.IntN(5)]
			c.UpdateThingShadow(now, FromHTTP, thing(), "", []byte(`{"state":{`+state+`}}`))
		case 6:
			c.UpdateThingShadow(now, FromHTTP, thing(), "cfg", []byte(fmt.Sprintf(`{"state":{"reported":{"mode":"m%d"}}}`, r.IntN(3))))
		case 7:
			if r.IntN(2) == 0 {
				c.Connect(now, ConnectRequest{ClientID: thing()})
			} else {
				c.Disconnect(now, thing(), ReasonConnectionLost)
			}
		case 8:
			if r.IntN(4) == 0 {
				DoErr(c, now, (*registry.Registry).DeleteThing, registry.DeleteThingRequest{ThingName: thing()})
			} else {
				c.DeleteThingShadow(now, FromHTTP, thing(), "", nil)
			}
		}
		if i%400 == 100 {
			// Queries reading the registry, shadows, connectivity or a
			// mix: a group is evaluated on the parts it reads.
			queries := []string{
				fmt.Sprintf("shadow.reported.temp > %d AND NOT shadow.reported.fw:2.%d", r.IntN(100), r.IntN(3)),
				fmt.Sprintf("attributes.batch > %d", r.IntN(5)),
				"connectivity.connected:true",
				fmt.Sprintf("attributes.batch:%d AND shadow.reported.fw:2.%d", r.IntN(5), r.IntN(3)),
				fmt.Sprintf("connectivity.connected:false OR shadow.reported.temp < %d", r.IntN(100)),
				"thingGroupNames:G AND NOT shadow.hasDelta:true",
				fmt.Sprintf("shadow.name.cfg.reported.mode:m%d", r.IntN(3)),
				"thingName:t0* OR connectivity.connected:true",
			}
			c.CreateDynamicThingGroup(now, registry.CreateDynamicThingGroupRequest{ThingGroupName: fmt.Sprintf("D%d", i),
				QueryString: queries[(i/400)%len(queries)]})
		}
		now = now.Add(time.Second)
		c.Ready()
	}
	// Finally every thing re-sends a value it already has, at a new time:
	// only its metadata timestamp moves, and the index must follow.
	now = now.Add(time.Hour)
	for i := range 60 {
		c.UpdateThingShadow(now, FromHTTP, fmt.Sprintf("t%02d", i), "", []byte(`{"state":{"reported":{"fw":"2.1"}}}`))
		c.UpdateThingShadow(now.Add(time.Second), FromHTTP, fmt.Sprintf("t%02d", i), "", []byte(`{"state":{"reported":{"fw":"2.1"}}}`))
	}
	c.Ready()
	rebuilt := index.New(c.idx.icfg, c.opts.Index)
	for _, v := range c.views.all() {
		rebuilt.Put(v.ID, nil, c.fullFlat(v))
	}
	if rebuilt.Len() < 20 || len(c.reg.DynamicGroups()) < 3 {
		t.Fatalf("history too thin to test anything: %d things, %d dynamic groups", rebuilt.Len(), len(c.reg.DynamicGroups()))
	}
	queries := []string{"*", "thingGroupNames:G", "thingGroupNames:D*", "attributes.batch > 2", "shadow.reported.fw:2.1",
		"shadow.hasDelta:true", "shadow.reported.tags:a1", "shadow.name.cfg.reported.mode:m2", "connectivity.connected:true",
		"connectivity.disconnectReason:*", "NOT shadow.reported.temp < 50", "shadow.delta.fw:*", "thingName:t1*",
		"shadow.metadata.desired.fw.timestamp < 1767226000",
		fmt.Sprint("shadow.metadata.reported.fw.timestamp:", now.Add(time.Second).Unix())}
	for _, qs := range queries {
		q, err := c.idx.ix.Parse(qs)
		if err != nil {
			t.Fatal(err)
		}
		got, want := c.idx.ix.Bitmap(q).ToArray(), rebuilt.Bitmap(q).ToArray()
		if !slices.Equal(got, want) {
			t.Errorf("%s: incremental index has %v, rebuilt %v", qs, got, want)
		}
	}
	// Dynamic groups hold exactly the things their queries select now.
	for _, g := range c.reg.DynamicGroups() {
		q := c.idx.dynamic[g.Name].q
		var want []string
		it := rebuilt.Bitmap(q).Iterator()
		for it.HasNext() {
			want = append(want, c.views.get(it.Next()).Name)
		}
		slices.Sort(want)
		got := c.reg.ThingGroupMembers(g.Name)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("dynamic group %s (%s) has %v, query selects %v", g.Name, g.QueryString, got, want)
		}
	}
}
