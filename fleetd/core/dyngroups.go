package core

import (
	"errors"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// Dynamic thing groups: the registry keeps the groups and their members;
// the core decides membership, by a bitmap search when a group is created
// or its query changes (the backfill), and afterwards by evaluating every
// group's query against a thing whenever a change to it becomes visible in
// the index.

// CreateDynamicThingGroup checks the query against the fleet index, then
// creates the group and fills it.
func (c *Core) CreateDynamicThingGroup(now time.Time, req registry.CreateDynamicThingGroupRequest) (registry.CreateDynamicThingGroupResponse, error) {
	if _, err := c.parseDynamicQuery(req.IndexName, req.QueryString, req.QueryVersion); err != nil {
		return registry.CreateDynamicThingGroupResponse{}, err
	}
	resp, err := c.reg.CreateDynamicThingGroup(req, now)
	c.afterRegistry(now)
	return resp, err
}

// UpdateDynamicThingGroup changes a group; a new query rebuilds its
// membership.
func (c *Core) UpdateDynamicThingGroup(now time.Time, req registry.UpdateDynamicThingGroupRequest) (registry.UpdateDynamicThingGroupResponse, error) {
	if req.QueryString != "" {
		if _, err := c.parseDynamicQuery(req.IndexName, req.QueryString, req.QueryVersion); err != nil {
			return registry.UpdateDynamicThingGroupResponse{}, err
		}
	}
	resp, err := c.reg.UpdateDynamicThingGroup(req, now)
	c.afterRegistry(now)
	return resp, err
}

// parseDynamicQuery checks a dynamic group's query against the index.
func (c *Core) parseDynamicQuery(indexName, queryString, queryVersion string) (query.Node, error) {
	if !c.idx.on() {
		return nil, awserr.New(awserr.InvalidRequest, "Dynamic thing groups need fleet indexing: turn on thingIndexingMode with UpdateIndexingConfiguration first")
	}
	return c.queryOf(indexName, queryString, queryVersion)
}

// dynamicGroupChanged follows a group the registry created, deleted or
// gave a new query.
func (c *Core) dynamicGroupChanged(now time.Time, group string) {
	c.idx.dynOrder = c.idx.dynOrder[:0]
	for _, g := range c.reg.DynamicGroups() {
		c.idx.dynOrder = append(c.idx.dynOrder, g.Name)
	}
	info, ok := c.reg.DynamicGroup(group)
	if !ok {
		delete(c.idx.dynamic, group)
		return
	}
	q, err := query.ParseWithLimits(info.QueryString, c.opts.Index.Query)
	if err != nil {
		return // checked before the registry accepted it; a restored record could only be corrupt
	}
	c.idx.dynamic[group] = newDynamicQuery(q)
	c.backfillDynamicGroup(now, group)
}

// backfillDynamicGroup sets a group's membership to exactly the things its
// query selects now, then marks it ACTIVE.
func (c *Core) backfillDynamicGroup(now time.Time, group string) {
	dq := c.idx.dynamic[group]
	if dq == nil || !c.idx.on() {
		return
	}
	match := c.idx.ix.Bitmap(dq.q)
	for _, member := range c.reg.ThingGroupMembers(group) {
		if id, ok := c.reg.ThingID(member); !ok || !match.Contains(id) {
			c.setDynamicMembership(now, group, member, false)
		}
	}
	it := match.Iterator()
	for it.HasNext() {
		if v := c.views.get(it.Next()); v != nil {
			c.setDynamicMembership(now, group, v.Name, true)
		}
	}
	_ = c.reg.SetDynamicGroupStatus(group, "ACTIVE", now)
	c.afterRegistry(now)
	c.event(Event{Time: now, Kind: EventDynamicGroupActive, Group: group, Dynamic: true})
}

// evaluateDynamicGroups re-checks the dynamic groups whose queries read a
// changed field against the current state of one thing, oldest group first
// (the order the limit rule needs).
func (c *Core) evaluateDynamicGroups(now time.Time, thing string, changed []string) {
	if c.evaluating || !c.anyDynamicGroupSees(changed) {
		return
	}
	id, ok := c.reg.ThingID(thing)
	p := c.views.get(id)
	if !ok || p == nil || p.Name != thing {
		return
	}
	v := *p // the membership changes below replace the table's copy
	// Membership changes re-index thingGroupNames; that must not trigger
	// another evaluation (a query on thingGroupNames could flip forever).
	c.evaluating = true
	defer func() { c.evaluating = false }()
	// One document for every group that sees the change, holding the
	// parts those groups read.
	var parts flatParts
	for _, g := range c.idx.dynOrder {
		if dq := c.idx.dynamic[g]; dq != nil && dq.sees(changed) {
			parts.registry = parts.registry || dq.parts.registry
			parts.shadow = parts.shadow || dq.parts.shadow
			parts.connectivity = parts.connectivity || dq.parts.connectivity
		}
	}
	var doc index.Flat
	built := false
	for _, g := range c.idx.dynOrder {
		dq := c.idx.dynamic[g]
		if dq == nil || !dq.sees(changed) {
			continue
		}
		if !built {
			doc, built = c.partialFlat(&c.flatBuf, &v, parts), true
		}
		c.setDynamicMembership(now, g, thing, c.idx.ix.Match(dq.q, doc))
	}
	c.afterRegistry(now)
}

// anyDynamicGroupSees reports whether some dynamic group reads one of the
// changed fields: most updates (a temperature, a connection) concern none,
// and are then done without looking the thing up.
func (c *Core) anyDynamicGroupSees(changed []string) bool {
	for _, dq := range c.idx.dynamic {
		if dq != nil && dq.sees(changed) {
			return true
		}
	}
	return false
}

func (c *Core) setDynamicMembership(now time.Time, group, thing string, member bool) {
	_, err := c.reg.SetDynamicMembership(group, thing, member, now)
	var failed *registry.DynamicAddFailedError
	if errors.As(err, &failed) {
		c.event(Event{Time: now, Kind: EventDynamicGroupAddFailed, Thing: thing, Group: group, Dynamic: true, Detail: failed.Error()})
	}
}
