package registry

import (
	"maps"
	"slices"
)

// Membership bookkeeping shared by static groups, dynamic groups and
// billing groups. Every change goes through join/leave so the thing's group
// list, the group's member set, the change log and the events stay in step.

func kindOf(g *group) GroupKind {
	if g.dynamic {
		return DynamicGroup
	}
	return StaticGroup
}

func (r *Registry) join(t *thing, g *group) {
	t.groups = r.share.names(withName(t.groups, g.name))
	r.refreshGroupNames(t)
	g.members.add(t.name)
	r.thingChanged(t)
	r.membershipEvent(g.name, kindOf(g), t.name, true, false)
}

func (r *Registry) leave(t *thing, g *group, evicted bool) {
	t.groups = r.share.names(withoutName(t.groups, g.name))
	r.refreshGroupNames(t)
	g.members.remove(t.name)
	r.thingChanged(t)
	r.membershipEvent(g.name, kindOf(g), t.name, false, evicted)
}

func (r *Registry) joinBilling(t *thing, b *billingGroup) {
	t.billing = b.name
	r.refreshGroupNames(t)
	b.members.add(t.name)
	r.thingChanged(t)
	r.membershipEvent(b.name, BillingGroup, t.name, true, false)
}

func (r *Registry) leaveBilling(t *thing) {
	b := r.billing[t.billing]
	t.billing = ""
	r.refreshGroupNames(t)
	b.members.remove(t.name)
	r.thingChanged(t)
	r.membershipEvent(b.name, BillingGroup, t.name, false, false)
}

// newestDynamic returns the most recently created dynamic group among
// names created after seq (0: any), or nil.
func (r *Registry) newestDynamic(names []string, after uint64) *group {
	var best *group
	for _, n := range names {
		g := r.groups[n]
		if g.dynamic && g.seq > after && (best == nil || g.seq > best.seq) {
			best = g
		}
	}
	return best
}

// root returns the root of g's hierarchy.
func (r *Registry) root(g *group) *group {
	for g.parent != "" {
		g = r.groups[g.parent]
	}
	return g
}

// ancestors returns g's ancestors from its parent up to the root.
func (r *Registry) ancestors(g *group) []*group {
	var out []*group
	for g.parent != "" {
		g = r.groups[g.parent]
		out = append(out, g)
	}
	return out
}

// descendants returns g's descendants (not g), in no particular order.
func (r *Registry) descendants(g *group) []*group {
	var out []*group
	stack := []*group{g}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := range cur.children {
			child := r.groups[c]
			out = append(out, child)
			stack = append(stack, child)
		}
	}
	return out
}

// hierarchyConflict returns the static group among names that shares g's
// hierarchy (the same root), or nil. A thing may be in one group of each
// hierarchy only.
func (r *Registry) hierarchyConflict(names []string, g *group) *group {
	if g.dynamic {
		return nil
	}
	root := r.root(g)
	for _, n := range names {
		h := r.groups[n]
		if h != g && !h.dynamic && r.root(h) == root {
			return h
		}
	}
	return nil
}

// GroupNames returns the thingGroupNames the fleet index holds for a thing:
// its static groups and all their ancestors, its dynamic groups and its
// billing group, sorted and deduplicated. Nil for an unknown thing. The
// slice is shared: do not modify it.
func (r *Registry) GroupNames(thing string) []string {
	t, ok := r.things[thing]
	if !ok {
		return nil
	}
	return t.groupNames
}

// refreshGroupNames recomputes t.groupNames after a change to t's groups
// or billing group. Nothing else changes it: a group's parent is fixed at
// creation, and a group with children cannot be deleted. Computing it here
// rather than in View keeps View a pure read (the core calls it from
// several goroutines at start-up) and lets the list be shared: most things
// are in root groups only and in no billing group, and their direct list
// is the answer as it is; other lists go through the share table, things
// with the same groups being common.
func (r *Registry) refreshGroupNames(t *thing) {
	if t.billing == "" && !r.anyParent(t.groups) {
		t.groupNames = t.groups
		return
	}
	out := make([]string, 0, len(t.groups)+1)
	for _, n := range t.groups {
		out = append(out, n)
		for _, a := range r.ancestors(r.groups[n]) {
			out = append(out, a.name)
		}
	}
	if t.billing != "" {
		out = append(out, t.billing)
	}
	slices.Sort(out)
	t.groupNames = r.share.names(slices.Compact(out))
}

// anyParent reports whether one of the named groups has a parent.
func (r *Registry) anyParent(names []string) bool {
	for _, n := range names {
		if r.groups[n].parent != "" {
			return true
		}
	}
	return false
}

// ThingView is the registry part of a thing's fleet-index document.
type ThingView struct {
	Name string
	ID   uint32 // dense id
	// ThingID is the AWS thingId, formatted by its String method: a view
	// is kept for every thing, and the text would be one more object each.
	ThingID       UUID
	ThingTypeName string
	// Attributes are the registry's own, shared: read them, never write
	// them (the registry replaces a thing's attributes on every change, so
	// a view keeps the ones it was taken with). Nil when there are none.
	Attributes       Attrs
	GroupNames       []string // as GroupNames, shared: read it, never write it
	BillingGroupName string
	Version          int64
}

// View returns the indexed registry view of a thing.
func (r *Registry) View(name string) (ThingView, bool) {
	t, ok := r.things[name]
	if !ok {
		return ThingView{}, false
	}
	return ThingView{
		Name:             t.name,
		ID:               t.dense,
		ThingID:          t.id,
		ThingTypeName:    t.typeName,
		Attributes:       t.attrs, // never modified: shared
		GroupNames:       t.groupNames,
		BillingGroupName: t.billing,
		Version:          t.version,
	}, true
}

// Things calls yield with every thing name in dense-id order until it
// returns false; the core uses it to index everything after a restore.
func (r *Registry) Things(yield func(id uint32, name string) bool) {
	for id := range r.slab.bound {
		if t := r.slab.at(id); t != nil && !yield(id, t.name) {
			return
		}
	}
}

// nonNil returns m, or an empty map for nil: AWS answers {} for a thing
// without attributes.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func copyAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}

// ThingGroupExists reports whether a thing group, static or dynamic,
// exists.
func (r *Registry) ThingGroupExists(name string) bool { return r.groups[name] != nil }

// GroupThings returns every thing in a thing group or one of its
// descendants, sorted by name, without duplicates: a job's targets.
func (r *Registry) GroupThings(name string) []string {
	g := r.groups[name]
	if g == nil {
		return nil
	}
	desc := r.descendants(g)
	out := slices.Clone(g.members.sorted()) // sorted() is shared
	if len(desc) == 0 {
		return out
	}
	for _, d := range desc {
		out = append(out, d.members.sorted()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// InThingGroup reports whether a thing is in a thing group directly or
// through one of the group's descendants.
func (r *Registry) InThingGroup(thing, group string) bool {
	t := r.things[thing]
	if t == nil || r.groups[group] == nil {
		return false
	}
	for _, n := range t.groups {
		for g := r.groups[n]; g != nil; g = r.groups[g.parent] {
			if g.name == group {
				return true
			}
			if g.parent == "" {
				break
			}
		}
	}
	return false
}

// ThingGroupNameByID returns the name of the thing group with the given
// thingGroupId, false when there is none. It scans the groups: the only
// caller is ListJobs' thingGroupId filter, and fleets have few groups.
func (r *Registry) ThingGroupNameByID(id string) (string, bool) {
	for name, g := range r.groups {
		if g.id.String() == id {
			return name, true
		}
	}
	return "", false
}

// ThingGroupNames returns every thing group's name, static and dynamic,
// sorted.
func (r *Registry) ThingGroupNames() []string {
	names := make([]string, 0, len(r.groups))
	for name := range r.groups {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
