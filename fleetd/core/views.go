package core

import (
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
)

// The index holds, for every registered thing, its registry view (as the
// registry describes it), its shadows and its connectivity. The core keeps
// the registry view the index last saw of each thing, so that a registry
// change is indexed as a diff (the index needs the old values to move
// postings) without keeping whole flattened documents.

// viewTable holds those views by value, indexed by dense id: one
// allocation for the whole fleet where a map of pointers costs a view
// object per thing, which the collector would visit on every cycle. A slot
// whose Name is empty is free (thing names are never empty).
type viewTable struct {
	slots []registry.ThingView
	n     int // slots in use
}

// get returns the view held for dense id id, nil when there is none. The
// pointer is into the table: it is valid until the next set.
func (t *viewTable) get(id uint32) *registry.ThingView {
	if int(id) >= len(t.slots) || t.slots[id].Name == "" {
		return nil
	}
	return &t.slots[id]
}

// set stores v under its dense id, replacing what was there.
func (t *viewTable) set(v registry.ThingView) {
	if int(v.ID) >= len(t.slots) {
		t.grow(v.ID + 1)
	}
	if t.slots[v.ID].Name == "" {
		t.n++
	}
	t.slots[v.ID] = v
}

// grow makes room for dense ids below bound.
func (t *viewTable) grow(bound uint32) {
	if int(bound) > len(t.slots) {
		t.slots = slices.Grow(t.slots, int(bound)-len(t.slots))
		t.slots = t.slots[:bound]
	}
}

// drop frees the slot of dense id id.
func (t *viewTable) drop(id uint32) {
	if t.get(id) != nil {
		t.slots[id] = registry.ThingView{}
		t.n--
	}
}

// len returns the number of views held.
func (t *viewTable) len() int { return t.n }

// all returns the views held, in dense-id order (pointers into the table).
func (t *viewTable) all() []*registry.ThingView {
	out := make([]*registry.ThingView, 0, t.n)
	for i := range t.slots {
		if t.slots[i].Name != "" {
			out = append(out, &t.slots[i])
		}
	}
	return out
}

func viewFlat(v *registry.ThingView, cfg index.Config) index.Flat {
	f, _ := index.Flatten(&index.Document{
		ThingName: v.Name, ThingID: v.ThingID.String(), ThingTypeName: v.ThingTypeName,
		ThingGroupNames: v.GroupNames, Attributes: v.Attributes.Map(), RegistryVersion: v.Version,
	}, cfg)
	return f
}

func viewsEqual(a, b *registry.ThingView) bool {
	return a.Name == b.Name && a.ThingID == b.ThingID && a.ThingTypeName == b.ThingTypeName &&
		slices.Equal(a.GroupNames, b.GroupNames) && slices.Equal(a.Attributes, b.Attributes) && a.Version == b.Version
}

// flatParts are the parts of a thing's indexed document: its registry
// view, its shadows, its connectivity.
type flatParts struct{ registry, shadow, connectivity bool }

var allFlatParts = flatParts{registry: true, shadow: true, connectivity: true}

// fullFlat is everything the index holds of a thing: registry, shadows,
// connectivity.
func (c *Core) fullFlat(v *registry.ThingView) index.Flat {
	return c.fullFlatWith(&c.flatBuf, v)
}

// fullFlatWith is fullFlat with the caller's builder: concurrent readers
// (the parallel rebuild) each bring their own.
func (c *Core) fullFlatWith(b *index.FlatBuilder, v *registry.ThingView) index.Flat {
	return c.partialFlat(b, v, allFlatParts)
}

// partialFlat is the given parts of what the index holds of a thing: a
// dynamic group reading only shadow fields is evaluated without
// flattening the registry view, which costs most.
func (c *Core) partialFlat(b *index.FlatBuilder, v *registry.ThingView, parts flatParts) index.Flat {
	var f index.Flat
	if parts.registry {
		f = viewFlat(v, c.idx.icfg)
	}
	if ts := c.shadows[v.Name]; parts.shadow && ts != nil && c.idx.icfg.ThingIndexingMode == "REGISTRY_AND_SHADOW" {
		f = mergeFlats(f, c.shadowFlat(b, "", &ts.classic))
		for name, d := range ts.named {
			if c.namedShadowIndexed(name) {
				f = mergeFlats(f, c.shadowFlat(b, name, d))
			}
		}
	}
	if cs := c.conns[v.Name]; parts.connectivity && cs != nil && cs.Version > 0 {
		f = mergeFlats(f, c.connFlat(b, cs))
	}
	return f
}

// mergeFlats merges two flats with disjoint fields into one sorted flat.
func mergeFlats(a, b index.Flat) index.Flat {
	if a == nil {
		return b
	}
	out := make(index.Flat, 0, len(a)+len(b))
	out = append(out, a...)
	out = append(out, b...)
	slices.SortFunc(out, func(x, y index.FieldValues) int { return strings.Compare(x.Field, y.Field) })
	return out
}

// afterRegistry applies the consequences of registry operations: records
// to persist, membership events, things to re-index, dynamic groups to
// (re)evaluate.
func (c *Core) afterRegistry(now time.Time) {
	ch := c.reg.DrainChanges()
	if ch.Empty() {
		return
	}
	for _, k := range ch.Records {
		c.markDirty(k)
		if g, ok := strings.CutPrefix(k, "thinggroup/"); ok && c.ident != nil && !c.reg.ThingGroupExists(g) {
			c.ident.ThingGroupDeleted(g) // its policy attachments go with it
			c.afterIdentity(now)
		}
	}
	var moved []string // things whose group membership changed, for continuous jobs
	for i, m := range ch.Membership {
		kind := EventGroupMembershipAdded
		if !m.Added {
			kind = EventGroupMembershipRemoved
		}
		c.event(Event{Time: now, Kind: kind, Thing: m.Thing, Group: m.Group, Dynamic: m.Kind == registry.DynamicGroup, Evicted: m.Evicted})
		if m.Kind != registry.BillingGroup && (i == 0 || ch.Membership[i-1].Thing != m.Thing) {
			moved = append(moved, m.Thing)
		}
	}
	for _, t := range ch.Things {
		c.forgetThingID(t.Name)
		if c.ident != nil {
			c.ident.InvalidateThing(t.Name) // policy variables read its attributes and groups
		}
		if t.Deleted {
			c.dropView(now, t.ID, t.Name)
			c.event(Event{Time: now, Kind: EventThingDeleted, Thing: t.Name})
			c.jobs.ThingDeleted(now, t.Name)
			continue
		}
		c.syncView(now, t.Name)
	}
	for _, thing := range moved {
		c.jobs.MembershipChanged(now, thing)
	}
	for _, g := range ch.DynamicGroups {
		c.dynamicGroupChanged(now, g)
	}
}

// dropView removes a deleted thing from the index.
func (c *Core) dropView(now time.Time, id uint32, name string) {
	v := c.views.get(id)
	if v == nil || v.Name != name {
		return
	}
	if c.idx.on() {
		c.enqueue(now, indexOp{thing: name, id: id, old: c.fullFlat(v), gone: true})
	}
	c.views.drop(id)
}

// syncView re-indexes the registry part of a thing that exists.
func (c *Core) syncView(now time.Time, name string) {
	nv, ok := c.reg.View(name)
	if !ok {
		return
	}
	var old registry.ThingView // the slot is overwritten below: keep a copy
	if p := c.views.get(nv.ID); p != nil {
		old = *p
	}
	if old.Name == name && viewsEqual(&old, &nv) {
		return
	}
	c.views.set(nv)
	created := old.Name != name
	if created {
		c.event(Event{Time: now, Kind: EventThingCreated, Thing: name})
	}
	if !c.idx.on() {
		return
	}
	if created {
		c.enqueue(now, indexOp{thing: name, id: nv.ID, new: c.fullFlat(&nv)})
		return
	}
	oldPart, newPart := viewChange(&old, &nv)
	c.enqueue(now, indexOp{thing: name, id: nv.ID, old: c.flatten(&oldPart), new: c.flatten(&newPart)})
}

// viewChange returns the parts of two views of one thing that differ, as
// documents holding only those fields: a dynamic-group join changes
// thingGroupNames alone, and re-indexing the rest would be wasted work.
func viewChange(old, nv *registry.ThingView) (o, n index.Document) {
	if old.ThingTypeName != nv.ThingTypeName {
		o.ThingTypeName, n.ThingTypeName = old.ThingTypeName, nv.ThingTypeName
	}
	if !slices.Equal(old.GroupNames, nv.GroupNames) {
		o.ThingGroupNames, n.ThingGroupNames = old.GroupNames, nv.GroupNames
	}
	if !slices.Equal(old.Attributes, nv.Attributes) {
		o.Attributes, n.Attributes = old.Attributes.Map(), nv.Attributes.Map()
	}
	if old.Version != nv.Version {
		o.RegistryVersion, n.RegistryVersion = old.Version, nv.Version
	}
	return o, n
}

func (c *Core) flatten(d *index.Document) index.Flat {
	f, _ := index.Flatten(d, c.idx.icfg)
	return f
}
