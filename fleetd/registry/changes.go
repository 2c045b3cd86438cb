package registry

import (
	"cmp"
	"slices"
)

// GroupKind tells static thing groups, dynamic thing groups and billing
// groups apart in membership events.
type GroupKind uint8

const (
	StaticGroup GroupKind = iota + 1
	DynamicGroup
	BillingGroup
)

func (k GroupKind) String() string {
	switch k {
	case StaticGroup:
		return "static"
	case DynamicGroup:
		return "dynamic"
	case BillingGroup:
		return "billing"
	}
	return "unknown"
}

// MembershipEvent is one change of a thing's direct membership in a group.
// Membership of ancestors is implied and not reported.
type MembershipEvent struct {
	Group string
	Kind  GroupKind
	Thing string
	Added bool // false: removed
	// Evicted marks a removal from a dynamic group that made room for
	// another group at the per-thing limit (overrideDynamicGroups, or an
	// older dynamic group claiming the thing). AWS logs these.
	Evicted bool
}

// ThingChange names a thing whose indexed registry view (attributes, type,
// groups, billing group, version, existence) changed.
type ThingChange struct {
	Name string
	// ID is the dense id concerned. For a live change it is the thing's
	// current id; for a deletion, the id it held (possibly held by another
	// thing by now, which then has its own live change).
	ID      uint32
	Deleted bool
}

// Changes is what changed since the last DrainChanges.
type Changes struct {
	// Things lists deletions first (by name, then id), then the things
	// that exist now and changed (by name). Apply them in this order.
	Things []ThingChange
	// Records are the record keys written or deleted, sorted. Read each
	// with Record: false means delete it from the store.
	Records []string
	// Membership lists membership changes in the order they happened.
	Membership []MembershipEvent
	// DynamicGroups are the dynamic groups created, deleted or given a new
	// query, sorted: the core (re)evaluates their membership. A deleted one
	// no longer appears in DynamicGroup.
	DynamicGroups []string
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Things) == 0 && len(c.Records) == 0 && len(c.Membership) == 0 && len(c.DynamicGroups) == 0
}

type changeLog struct {
	things     map[string]struct{}
	deleted    []ThingChange
	records    map[string]struct{}
	dynamic    map[string]struct{}
	membership []MembershipEvent
}

func newChangeLog() changeLog {
	return changeLog{
		things:  make(map[string]struct{}),
		records: make(map[string]struct{}),
		dynamic: make(map[string]struct{}),
	}
}

func (l *changeLog) record(key string) { l.records[key] = struct{}{} }

// thingChanged marks t's view and record as changed.
func (r *Registry) thingChanged(t *thing) {
	r.ch.things[t.name] = struct{}{}
	r.ch.record(thingKey(t.name))
}

func (r *Registry) thingDeleted(t *thing) {
	r.ch.deleted = append(r.ch.deleted, ThingChange{Name: t.name, ID: t.dense, Deleted: true})
	r.ch.record(thingKey(t.name))
}

func (r *Registry) membershipEvent(group string, kind GroupKind, thing string, added, evicted bool) {
	r.ch.membership = append(r.ch.membership, MembershipEvent{Group: group, Kind: kind, Thing: thing, Added: added, Evicted: evicted})
}

// DrainChanges returns the changes since the last call and forgets them.
// The core re-indexes the things (View), persists the records (Record)
// and turns the membership events into registry events and continuous-job
// targeting.
func (r *Registry) DrainChanges() Changes {
	var c Changes
	del := r.ch.deleted
	slices.SortFunc(del, func(a, b ThingChange) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	c.Things = slices.Compact(del)
	var live []ThingChange
	for n := range r.ch.things {
		if t, ok := r.things[n]; ok {
			live = append(live, ThingChange{Name: n, ID: t.dense})
		}
	}
	slices.SortFunc(live, func(a, b ThingChange) int { return cmp.Compare(a.Name, b.Name) })
	c.Things = append(c.Things, live...)
	c.Records = sortedKeys(r.ch.records)
	c.DynamicGroups = sortedKeys(r.ch.dynamic)
	c.Membership = r.ch.membership
	// Most drains find nothing (every shadow update drains the registry):
	// keep small maps, and replace big ones, whose clearing would cost
	// their capacity on every later drain.
	r.ch.things = reset(r.ch.things)
	r.ch.records = reset(r.ch.records)
	r.ch.dynamic = reset(r.ch.dynamic)
	r.ch.deleted, r.ch.membership = nil, nil
	return c
}

func reset(m map[string]struct{}) map[string]struct{} {
	switch {
	case len(m) == 0:
		return m
	case len(m) > 64:
		return make(map[string]struct{})
	}
	clear(m)
	return m
}

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
