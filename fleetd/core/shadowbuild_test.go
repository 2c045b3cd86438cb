package core

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/shadow"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// TestDeferredShadowChangesIndexAsSynchronous drives a core whose index
// writes behind (most shadow updates then have their change built on the
// index's goroutine) and one whose index writes synchronously (every
// change built by the core) through the same random history: their
// output, dynamic groups and indexes must be the same throughout. The
// write-behind index applies its writes in batches, long after the core
// went on to later updates that reused its Scratch: a change built from
// the Scratch's paths instead of a copy would index the wrong fields.
func TestDeferredShadowChangesIndexAsSynchronous(t *testing.T) {
	settings := index.DefaultSettings()
	synchronous := New(Options{Seed: 9, Index: settings})
	settings.WriteBehind = true
	behind := New(Options{Seed: 9, Index: settings})
	defer behind.Close()
	cores := []*Core{synchronous, behind}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := &ThingIndexingConfiguration{ThingIndexingMode: "REGISTRY_AND_SHADOW", ThingConnectivityIndexingMode: "STATUS", NamedShadowIndexingMode: "ON"}
	for _, c := range cores {
		if err := c.UpdateIndexingConfiguration(now, IndexingConfiguration{ThingIndexingConfiguration: cfg}); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	const things = 300
	thing := func() string { return fmt.Sprintf("t%03d", r.IntN(things)) }
	for i := range things {
		for _, c := range cores {
			Do(c, now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: fmt.Sprintf("t%03d", i),
				AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"batch": fmt.Sprint(i % 3)}}})
		}
	}
	// Groups arrive as the history goes on: first none (every classic
	// update deferred), then groups on a reported field, on the delta, and
	// on hasDelta (no update deferred).
	groups := map[int]string{
		4000:  "shadow.reported.fw:2.1 AND attributes.batch:1",
		8000:  "shadow.delta.mode:m1 OR connectivity.connected:true",
		12000: "shadow.reported.env.hum > 50",
		16000: "shadow.hasDelta:true",
	}
	section := func() string {
		parts := []string{
			fmt.Sprintf(`"temp":%d`, r.IntN(100)),
			fmt.Sprintf(`"fw":"2.%d"`, r.IntN(3)),
			fmt.Sprintf(`"env":{"hum":%d}`, r.IntN(100)),
			fmt.Sprintf(`"env":{"co2":%d,"hum":null}`, r.IntN(9)),
			fmt.Sprintf(`"tags":["a%d","b"]`, r.IntN(3)),
			fmt.Sprintf(`"mode":"m%d"`, r.IntN(3)),
			`"env":null`, `"temp":null`, `"env":7`,
		}
		r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		return "{" + strings.Join(parts[:1+r.IntN(3)], ",") + "}"
	}
	deferred, updates := 0, 0
	for step := range 20000 {
		if g, ok := groups[step]; ok {
			for _, c := range cores {
				if _, err := c.CreateDynamicThingGroup(now, registry.CreateDynamicThingGroupRequest{ThingGroupName: fmt.Sprintf("D%d", step), QueryString: g}); err != nil {
					t.Fatal(err)
				}
			}
		}
		name, shadowName := thing(), ""
		var apply func(c *Core)
		switch k := r.IntN(40); {
		case k < 30:
			state := []string{`"reported":` + section(), `"desired":` + section(), `"reported":` + section() + `,"desired":` + section(), `"desired":null`}[min(r.IntN(8), 3)]
			payload := []byte(`{"state":{` + state + `}}`)
			if r.IntN(10) == 0 {
				shadowName = "cfg"
			}
			if d := behind.shadowDoc(name, shadowName); shadowName == "" && d != nil && d.Exists() {
				if u, err := shadow.ApplyUpdate(*d, payload, now, behind.opts.Shadow); err == nil {
					updates++
					if !behind.dynamicGroupMaySee(u.Touched()) {
						deferred++
					}
				}
			}
			apply = func(c *Core) { c.UpdateThingShadow(now, FromMQTT, name, shadowName, payload) }
		case k < 33:
			apply = func(c *Core) { c.DeleteThingShadow(now, FromHTTP, name, "", nil) }
		case k < 36:
			apply = func(c *Core) {
				DoErr(c, now, (*registry.Registry).UpdateThing, registry.UpdateThingRequest{ThingName: name,
					AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"batch": fmt.Sprint(step % 3)}, Merge: true}})
			}
		case k < 38:
			apply = func(c *Core) { c.Connect(now, ConnectRequest{ClientID: name}) }
		default:
			apply = func(c *Core) { c.Disconnect(now, name, ReasonConnectionLost) }
		}
		var out [2]Ready
		for i, c := range cores {
			apply(c)
			out[i] = c.Ready()
		}
		if !reflect.DeepEqual(out[0], out[1]) {
			t.Fatalf("step %d: the write-behind core's output differs\n%+v\nwant\n%+v", step, out[1], out[0])
		}
		if step%2500 == 2499 {
			sameIndex(t, step, synchronous, behind)
		}
		now = now.Add(time.Second)
	}
	sameIndex(t, -1, synchronous, behind)
	for _, g := range synchronous.reg.DynamicGroups() {
		if got, want := behind.reg.ThingGroupMembers(g.Name), synchronous.reg.ThingGroupMembers(g.Name); !slices.Equal(got, want) {
			t.Errorf("dynamic group %s (%s): write-behind core has %v, synchronous %v", g.Name, g.QueryString, got, want)
		}
	}
	if deferred < updates/3 {
		t.Fatalf("only %d of %d classic shadow updates deferred", deferred, updates)
	}
	t.Logf("%d of %d classic shadow updates deferred", deferred, updates)
}

// sameIndex checks that two cores' indexes hold the same postings: the
// same statistics field by field, and the same things for every value
// either core's things hold now and for every field's existence.
func sameIndex(t *testing.T, step int, want, got *Core) {
	t.Helper()
	byField := func(s []index.FieldStats) []index.FieldStats {
		return slices.SortedFunc(slices.Values(s), func(a, b index.FieldStats) int { return strings.Compare(a.Field, b.Field) })
	}
	ws, gs := byField(want.idx.ix.Stats()), byField(got.idx.ix.Stats())
	if !reflect.DeepEqual(ws, gs) {
		t.Fatalf("step %d: index statistics differ\n%v\nwant\n%v", step, gs, ws)
	}
	var queries []query.Node
	for _, s := range ws {
		queries = append(queries, &query.Exists{Field: s.Field})
	}
	for _, c := range []*Core{want, got} {
		for _, v := range c.views.all() {
			for _, fv := range c.fullFlat(v) {
				for _, val := range fv.Values {
					queries = append(queries, &query.Term{Field: fv.Field, Value: val.String()})
				}
			}
		}
	}
	for _, q := range queries {
		if w, g := want.idx.ix.Bitmap(q).ToArray(), got.idx.ix.Bitmap(q).ToArray(); !slices.Equal(w, g) {
			t.Fatalf("step %d: %s selects %v in the write-behind index, %v in the synchronous one", step, query.String(q), g, w)
		}
	}
}
