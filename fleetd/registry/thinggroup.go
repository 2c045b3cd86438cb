package registry

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// CreateThingGroupRequest is the input of CreateThingGroup
// (POST /thing-groups/{thingGroupName}).
type CreateThingGroupRequest struct {
	ThingGroupName       string                `json:"-" uri:"thingGroupName"`
	ParentGroupName      string                `json:"parentGroupName,omitempty"`
	ThingGroupProperties *ThingGroupProperties `json:"thingGroupProperties,omitempty"`
	Tags                 []Tag                 `json:"tags,omitempty"`
}

// CreateThingGroupResponse is the output of CreateThingGroup.
type CreateThingGroupResponse struct {
	ThingGroupName string `json:"thingGroupName"`
	ThingGroupArn  string `json:"thingGroupArn"`
	ThingGroupId   string `json:"thingGroupId"`
}

// CreateThingGroup creates a static thing group, optionally under a
// parent. It is idempotent: the same name, parent, description and
// attributes return the existing group; tags are not compared.
func (r *Registry) CreateThingGroup(req CreateThingGroupRequest, now time.Time) (CreateThingGroupResponse, error) {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	c.optName("parentGroupName", req.ParentGroupName)
	c.thingGroupProperties("thingGroupProperties", req.ThingGroupProperties)
	c.tags("tags", req.Tags)
	if err := c.Err(); err != nil {
		return CreateThingGroupResponse{}, err
	}
	desc, attrs := createGroupProps(req.ThingGroupProperties)
	if err := checkGroupAttrCount(req.ThingGroupName, len(attrs)); err != nil {
		return CreateThingGroupResponse{}, err
	}
	if g, ok := r.groups[req.ThingGroupName]; ok {
		if g.dynamic || g.parent != req.ParentGroupName || g.description != desc || !maps.Equal(g.attrs, attrs) {
			return CreateThingGroupResponse{}, alreadyExists(kindThingGroup, g.name, g.id.String(), r.ThingGroupArn(g.name))
		}
		return r.createThingGroupResponse(g), nil
	}
	var parent *group
	if req.ParentGroupName != "" {
		parent = r.groups[req.ParentGroupName]
		switch {
		case parent == nil:
			return CreateThingGroupResponse{}, invalid("Parent thing group %s cannot be found.", req.ParentGroupName)
		case parent.dynamic:
			return CreateThingGroupResponse{}, invalid("Dynamic thing group %s cannot be a parent group.", parent.name)
		case len(r.ancestors(parent))+2 > MaxGroupDepth:
			return CreateThingGroupResponse{}, invalid("Thing group %s would be at depth %d; a thing group hierarchy can be at most %d deep.",
				req.ThingGroupName, len(r.ancestors(parent))+2, MaxGroupDepth)
		}
	}
	g := r.newGroup(req.ThingGroupName, desc, attrs, req.Tags, now)
	if parent != nil {
		g.parent = parent.name
		parent.children[g.name] = struct{}{}
	}
	return r.createThingGroupResponse(g), nil
}

// newGroup adds a thing group with the next id and creation sequence.
func (r *Registry) newGroup(name, desc string, attrs map[string]string, tags []Tag, now time.Time) *group {
	r.groupSeq++
	g := &group{
		name:        name,
		id:          r.nextUUID(),
		description: desc,
		attrs:       attrs,
		tags:        normTags(tags),
		version:     1,
		created:     norm(now),
		seq:         r.groupSeq,
		children:    make(map[string]struct{}),
	}
	r.groups[name] = g
	r.ch.record(thingGroupKey(name))
	r.ch.record(metaKey)
	return g
}

func (r *Registry) createThingGroupResponse(g *group) CreateThingGroupResponse {
	return CreateThingGroupResponse{ThingGroupName: g.name, ThingGroupArn: r.ThingGroupArn(g.name), ThingGroupId: g.id.String()}
}

func createGroupProps(p *ThingGroupProperties) (string, map[string]string) {
	if p == nil {
		return "", nil
	}
	desc := ""
	if p.ThingGroupDescription != nil {
		desc = *p.ThingGroupDescription
	}
	return desc, applyPayload(nil, p.AttributePayload, false)
}

// updatedGroupProps returns g's description and attributes after p.
func updatedGroupProps(g *group, p *ThingGroupProperties) (string, map[string]string, error) {
	desc := g.description
	if p.ThingGroupDescription != nil {
		desc = *p.ThingGroupDescription
	}
	merge := p.AttributePayload != nil && p.AttributePayload.Merge
	attrs := applyPayload(g.attrs, p.AttributePayload, merge)
	return desc, attrs, checkGroupAttrCount(g.name, len(attrs))
}

func checkGroupAttrCount(name string, n int) error {
	if n > MaxGroupAttributes {
		return invalid("Thing group %s has %d attributes; a thing group can have at most %d.", name, n, MaxGroupAttributes)
	}
	return nil
}

// DescribeThingGroupRequest is the input of DescribeThingGroup
// (GET /thing-groups/{thingGroupName}).
type DescribeThingGroupRequest struct {
	ThingGroupName string `json:"-" uri:"thingGroupName"`
}

// DescribeThingGroupResponse is the output of DescribeThingGroup. The
// query fields and status are set for dynamic groups only.
type DescribeThingGroupResponse struct {
	ThingGroupName       string               `json:"thingGroupName"`
	ThingGroupId         string               `json:"thingGroupId"`
	ThingGroupArn        string               `json:"thingGroupArn"`
	Version              int64                `json:"version"`
	ThingGroupProperties ThingGroupProperties `json:"thingGroupProperties"`
	ThingGroupMetadata   ThingGroupMetadata   `json:"thingGroupMetadata"`
	IndexName            string               `json:"indexName,omitempty"`
	QueryString          string               `json:"queryString,omitempty"`
	QueryVersion         string               `json:"queryVersion,omitempty"`
	Status               string               `json:"status,omitempty"`
}

// DescribeThingGroup describes a static or dynamic thing group.
func (r *Registry) DescribeThingGroup(req DescribeThingGroupRequest) (DescribeThingGroupResponse, error) {
	g, err := r.lookupGroup("thingGroupName", req.ThingGroupName)
	if err != nil {
		return DescribeThingGroupResponse{}, err
	}
	out := DescribeThingGroupResponse{
		ThingGroupName:       g.name,
		ThingGroupId:         g.id.String(),
		ThingGroupArn:        r.ThingGroupArn(g.name),
		Version:              g.version,
		ThingGroupProperties: groupProps(g),
		ThingGroupMetadata:   ThingGroupMetadata{ParentGroupName: g.parent, CreationDate: stamp(g.created)},
	}
	anc := r.ancestors(g)
	for i := len(anc) - 1; i >= 0; i-- {
		out.ThingGroupMetadata.RootToParentThingGroups = append(out.ThingGroupMetadata.RootToParentThingGroups,
			GroupNameAndArn{GroupName: anc[i].name, GroupArn: r.ThingGroupArn(anc[i].name)})
	}
	if g.dynamic {
		out.IndexName, out.QueryString, out.QueryVersion, out.Status = g.indexName, g.queryString, g.queryVersion, g.status
	}
	return out, nil
}

func groupProps(g *group) ThingGroupProperties {
	var p ThingGroupProperties
	if g.description != "" {
		d := g.description
		p.ThingGroupDescription = &d
	}
	if len(g.attrs) > 0 {
		p.AttributePayload = &AttributePayload{Attributes: copyAttrs(g.attrs)}
	}
	return p
}

// lookupGroup validates a thing group name and finds the group.
func (r *Registry) lookupGroup(field, name string) (*group, error) {
	var c checker
	c.name(field, name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	g := r.groups[name]
	if g == nil {
		return nil, notFound(kindThingGroup, name)
	}
	return g, nil
}

func notStatic(g *group, op string) error {
	return invalid("Thing group %s is a dynamic thing group; use %s.", g.name, op)
}

func notDynamic(g *group) error {
	return invalid("Thing group %s is a static thing group, not a dynamic thing group.", g.name)
}

func manualDynamic(g *group) error {
	return invalid("Thing group %s is a dynamic thing group; its members follow its query and cannot be added or removed directly.", g.name)
}

// UpdateThingGroupRequest is the input of UpdateThingGroup
// (PATCH /thing-groups/{thingGroupName}).
type UpdateThingGroupRequest struct {
	ThingGroupName       string                `json:"-" uri:"thingGroupName"`
	ThingGroupProperties *ThingGroupProperties `json:"thingGroupProperties"`
	ExpectedVersion      *int64                `json:"expectedVersion,omitempty"`
}

// UpdateThingGroupResponse is the output of UpdateThingGroup.
type UpdateThingGroupResponse struct {
	Version int64 `json:"version"`
}

// UpdateThingGroup changes a static group's description and attributes
// (merged or replaced as in UpdateThing) and increments its version.
func (r *Registry) UpdateThingGroup(req UpdateThingGroupRequest, now time.Time) (UpdateThingGroupResponse, error) {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	if req.ThingGroupProperties == nil {
		c.Null("thingGroupProperties")
	}
	c.thingGroupProperties("thingGroupProperties", req.ThingGroupProperties)
	if err := c.Err(); err != nil {
		return UpdateThingGroupResponse{}, err
	}
	g := r.groups[req.ThingGroupName]
	switch {
	case g == nil:
		return UpdateThingGroupResponse{}, notFound(kindThingGroup, req.ThingGroupName)
	case g.dynamic:
		return UpdateThingGroupResponse{}, notStatic(g, "UpdateDynamicThingGroup")
	case req.ExpectedVersion != nil && *req.ExpectedVersion != g.version:
		return UpdateThingGroupResponse{}, versionConflict(kindThingGroup, g.name, g.version, *req.ExpectedVersion)
	}
	desc, attrs, err := updatedGroupProps(g, req.ThingGroupProperties)
	if err != nil {
		return UpdateThingGroupResponse{}, err
	}
	g.description, g.attrs = desc, attrs
	g.version++
	r.ch.record(thingGroupKey(g.name))
	return UpdateThingGroupResponse{Version: g.version}, nil
}

// DeleteThingGroupRequest is the input of DeleteThingGroup
// (DELETE /thing-groups/{thingGroupName}?expectedVersion=).
type DeleteThingGroupRequest struct {
	ThingGroupName  string `json:"-" uri:"thingGroupName"`
	ExpectedVersion *int64 `json:"-" query:"expectedVersion"`
}

// DeleteThingGroup deletes a static group that has no child groups; its
// things leave it. Deleting a group that does not exist succeeds.
func (r *Registry) DeleteThingGroup(req DeleteThingGroupRequest, now time.Time) error {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	if err := c.Err(); err != nil {
		return err
	}
	g := r.groups[req.ThingGroupName]
	switch {
	case g == nil:
		return nil
	case g.dynamic:
		return notStatic(g, "DeleteDynamicThingGroup")
	case req.ExpectedVersion != nil && *req.ExpectedVersion != g.version:
		return versionConflict(kindThingGroup, g.name, g.version, *req.ExpectedVersion)
	case len(g.children) > 0:
		return invalid("Thing group %s cannot be deleted because it has child groups: %s.", g.name, strings.Join(sortedKeys(g.children), ", "))
	}
	r.dropGroup(g)
	return nil
}

// dropGroup removes g and all its memberships.
func (r *Registry) dropGroup(g *group) {
	for _, n := range slices.Clone(g.members.sorted()) {
		r.leave(r.things[n], g, false)
	}
	if g.parent != "" {
		delete(r.groups[g.parent].children, g.name)
	}
	if g.dynamic {
		r.dynamicCount--
		r.ch.dynamic[g.name] = struct{}{}
	}
	delete(r.groups, g.name)
	r.ch.record(thingGroupKey(g.name))
}

// ListThingGroupsRequest is the input of ListThingGroups
// (GET /thing-groups?…).
type ListThingGroupsRequest struct {
	NextToken        string `json:"-" query:"nextToken"`
	MaxResults       int    `json:"-" query:"maxResults"`
	ParentGroup      string `json:"-" query:"parentGroup"`
	NamePrefixFilter string `json:"-" query:"namePrefixFilter"`
	// Recursive has no default: absent differs from false (see ListThingGroups).
	Recursive *bool `json:"-" query:"recursive"`
}

// ListThingGroupsResponse is the output of ListThingGroups.
type ListThingGroupsResponse struct {
	ThingGroups []GroupNameAndArn `json:"thingGroups"`
	NextToken   string            `json:"nextToken,omitempty"`
}

// ListThingGroups lists thing groups (static and dynamic) in name order.
// With parentGroup: its direct children, or all its descendants when
// recursive is true. Without: every group, or only root groups when
// recursive is explicitly false. namePrefixFilter applies on top.
func (r *Registry) ListThingGroups(req ListThingGroupsRequest) (ListThingGroupsResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	c.optName("parentGroup", req.ParentGroup)
	c.optName("namePrefixFilter", req.NamePrefixFilter)
	if err := c.Err(); err != nil {
		return ListThingGroupsResponse{}, err
	}
	after, err := decodeToken("thingGroups", req.NextToken)
	if err != nil {
		return ListThingGroupsResponse{}, err
	}
	recursive := req.Recursive != nil && *req.Recursive
	var names []string
	if req.ParentGroup != "" {
		p := r.groups[req.ParentGroup]
		if p == nil {
			return ListThingGroupsResponse{}, notFound(kindThingGroup, req.ParentGroup)
		}
		if recursive {
			for _, d := range r.descendants(p) {
				names = append(names, d.name)
			}
		} else {
			names = sortedKeys(p.children)
		}
	} else {
		rootsOnly := req.Recursive != nil && !*req.Recursive
		for n, g := range r.groups {
			if !rootsOnly || g.parent == "" {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	items, next := page("thingGroups", names, after, limit(req.MaxResults), func(n string) (GroupNameAndArn, bool) {
		if !strings.HasPrefix(n, req.NamePrefixFilter) {
			return GroupNameAndArn{}, false
		}
		return GroupNameAndArn{GroupName: n, GroupArn: r.ThingGroupArn(n)}, true
	})
	return ListThingGroupsResponse{ThingGroups: items, NextToken: next}, nil
}

// AddThingToThingGroupRequest is the input of AddThingToThingGroup
// (PUT /thing-groups/addThingToThingGroup). Name or ARN identify each side.
type AddThingToThingGroupRequest struct {
	ThingGroupName        string `json:"thingGroupName,omitempty"`
	ThingGroupArn         string `json:"thingGroupArn,omitempty"`
	ThingName             string `json:"thingName,omitempty"`
	ThingArn              string `json:"thingArn,omitempty"`
	OverrideDynamicGroups bool   `json:"overrideDynamicGroups,omitempty"`
}

// AddThingToThingGroup adds a thing to a static group. A thing may be in
// one group per hierarchy and in MaxGroupsPerThing groups; at the limit,
// overrideDynamicGroups evicts it from its most recently created dynamic
// group. Adding a member again succeeds.
func (r *Registry) AddThingToThingGroup(req AddThingToThingGroupRequest, now time.Time) error {
	g, t, err := r.groupAndThing(req.ThingGroupName, req.ThingGroupArn, req.ThingName, req.ThingArn)
	if err != nil {
		return err
	}
	if g.dynamic {
		return manualDynamic(g)
	}
	return r.updateMembership(t, []*group{g}, nil, req.OverrideDynamicGroups)
}

// groupAndThing resolves the group and thing of an add or remove request.
func (r *Registry) groupAndThing(groupName, groupArn, thingName, thingArn string) (*group, *thing, error) {
	gn, err := r.nameOrArn(kindThingGroup, "thinggroup", "thingGroupName", groupName, "thingGroupArn", groupArn)
	if err != nil {
		return nil, nil, err
	}
	tn, err := r.nameOrArn(kindThing, "thing", "thingName", thingName, "thingArn", thingArn)
	if err != nil {
		return nil, nil, err
	}
	g := r.groups[gn]
	if g == nil {
		return nil, nil, notFound(kindThingGroup, gn)
	}
	t := r.things[tn]
	if t == nil {
		return nil, nil, notFound(kindThing, tn)
	}
	return g, t, nil
}

// updateMembership removes t from the static groups in remove, then adds
// it to the static groups in add, all or nothing. Over the limit,
// override evicts t from its newest dynamic groups, newest first.
func (r *Registry) updateMembership(t *thing, add, remove []*group, override bool) error {
	final := t.groups // withName and withoutName leave it as it is
	var removed []*group
	for _, g := range remove {
		if slices.Contains(final, g.name) {
			final = withoutName(final, g.name)
			removed = append(removed, g)
		}
	}
	var added []*group
	for _, g := range add {
		if slices.Contains(final, g.name) {
			continue
		}
		if h := r.hierarchyConflict(final, g); h != nil {
			return invalid("Thing %s cannot be added to thing group %s: it is already in thing group %s of the same hierarchy.", t.name, g.name, h.name)
		}
		final = withName(final, g.name)
		added = append(added, g)
	}
	var evicted []*group
	if len(added) > 0 {
		for len(final) > r.opts.MaxGroupsPerThing {
			d := r.newestDynamic(final, 0)
			if !override || d == nil {
				return invalid("Thing %s cannot be added to more than %d thing groups.", t.name, r.opts.MaxGroupsPerThing)
			}
			final = withoutName(final, d.name)
			evicted = append(evicted, d)
		}
	}
	for _, g := range removed {
		r.leave(t, g, false)
	}
	for _, g := range evicted {
		r.leave(t, g, true)
	}
	for _, g := range added {
		r.join(t, g)
	}
	return nil
}

// RemoveThingFromThingGroupRequest is the input of RemoveThingFromThingGroup
// (PUT /thing-groups/removeThingFromThingGroup).
type RemoveThingFromThingGroupRequest struct {
	ThingGroupName string `json:"thingGroupName,omitempty"`
	ThingGroupArn  string `json:"thingGroupArn,omitempty"`
	ThingName      string `json:"thingName,omitempty"`
	ThingArn       string `json:"thingArn,omitempty"`
}

// RemoveThingFromThingGroup removes a thing from a static group; removing a
// non-member succeeds.
func (r *Registry) RemoveThingFromThingGroup(req RemoveThingFromThingGroupRequest, now time.Time) error {
	g, t, err := r.groupAndThing(req.ThingGroupName, req.ThingGroupArn, req.ThingName, req.ThingArn)
	if err != nil {
		return err
	}
	if g.dynamic {
		return manualDynamic(g)
	}
	return r.updateMembership(t, nil, []*group{g}, false)
}

// ListThingsInThingGroupRequest is the input of ListThingsInThingGroup
// (GET /thing-groups/{thingGroupName}/things?…).
type ListThingsInThingGroupRequest struct {
	ThingGroupName string `json:"-" uri:"thingGroupName"`
	Recursive      bool   `json:"-" query:"recursive"`
	NextToken      string `json:"-" query:"nextToken"`
	MaxResults     int    `json:"-" query:"maxResults"`
}

// ListThingsInThingGroupResponse is the output of ListThingsInThingGroup.
type ListThingsInThingGroupResponse struct {
	Things    []string `json:"things"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListThingsInThingGroup lists the names of a group's things, with
// recursive those of its descendants too, in name order, each once.
func (r *Registry) ListThingsInThingGroup(req ListThingsInThingGroupRequest) (ListThingsInThingGroupResponse, error) {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListThingsInThingGroupResponse{}, err
	}
	g := r.groups[req.ThingGroupName]
	if g == nil {
		return ListThingsInThingGroupResponse{}, notFound(kindThingGroup, req.ThingGroupName)
	}
	after, err := decodeToken("thingsInThingGroup", req.NextToken)
	if err != nil {
		return ListThingsInThingGroupResponse{}, err
	}
	lists := [][]string{g.members.sorted()}
	if req.Recursive {
		for _, d := range r.descendants(g) {
			lists = append(lists, d.members.sorted())
		}
	}
	things, next := mergePage("thingsInThingGroup", lists, after, limit(req.MaxResults))
	return ListThingsInThingGroupResponse{Things: slices.Clone(things), NextToken: next}, nil
}

// ListThingGroupsForThingRequest is the input of ListThingGroupsForThing
// (GET /things/{thingName}/thing-groups?…).
type ListThingGroupsForThingRequest struct {
	ThingName  string `json:"-" uri:"thingName"`
	NextToken  string `json:"-" query:"nextToken"`
	MaxResults int    `json:"-" query:"maxResults"`
}

// ListThingGroupsForThingResponse is the output of ListThingGroupsForThing.
type ListThingGroupsForThingResponse struct {
	ThingGroups []GroupNameAndArn `json:"thingGroups"`
	NextToken   string            `json:"nextToken,omitempty"`
}

// ListThingGroupsForThing lists the groups a thing is directly in, static
// and dynamic, in name order.
func (r *Registry) ListThingGroupsForThing(req ListThingGroupsForThingRequest) (ListThingGroupsForThingResponse, error) {
	var c checker
	c.name("thingName", req.ThingName)
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListThingGroupsForThingResponse{}, err
	}
	t := r.things[req.ThingName]
	if t == nil {
		return ListThingGroupsForThingResponse{}, notFound(kindThing, req.ThingName)
	}
	after, err := decodeToken("thingGroupsForThing", req.NextToken)
	if err != nil {
		return ListThingGroupsForThingResponse{}, err
	}
	items, next := page("thingGroupsForThing", t.groups, after, limit(req.MaxResults), func(n string) (GroupNameAndArn, bool) {
		return GroupNameAndArn{GroupName: n, GroupArn: r.ThingGroupArn(n)}, true
	})
	return ListThingGroupsForThingResponse{ThingGroups: items, NextToken: next}, nil
}

// UpdateThingGroupsForThingRequest is the input of UpdateThingGroupsForThing
// (PUT /thing-groups/updateThingGroupsForThing).
type UpdateThingGroupsForThingRequest struct {
	ThingName             string   `json:"thingName,omitempty"`
	ThingGroupsToAdd      []string `json:"thingGroupsToAdd,omitempty"`
	ThingGroupsToRemove   []string `json:"thingGroupsToRemove,omitempty"`
	OverrideDynamicGroups bool     `json:"overrideDynamicGroups,omitempty"`
}

// UpdateThingGroupsForThing removes a thing from thingGroupsToRemove, then
// adds it to thingGroupsToAdd, all or nothing, under the same rules as
// AddThingToThingGroup. A group in both lists ends up a member.
func (r *Registry) UpdateThingGroupsForThing(req UpdateThingGroupsForThingRequest, now time.Time) error {
	var c checker
	c.name("thingName", req.ThingName)
	for i, n := range req.ThingGroupsToAdd {
		c.name(fmt.Sprintf("thingGroupsToAdd.%d.member", i+1), n)
	}
	for i, n := range req.ThingGroupsToRemove {
		c.name(fmt.Sprintf("thingGroupsToRemove.%d.member", i+1), n)
	}
	if err := c.Err(); err != nil {
		return err
	}
	t := r.things[req.ThingName]
	if t == nil {
		return notFound(kindThing, req.ThingName)
	}
	resolve := func(names []string) ([]*group, error) {
		var out []*group
		for _, n := range names {
			g := r.groups[n]
			if g == nil {
				return nil, notFound(kindThingGroup, n)
			}
			if g.dynamic {
				return nil, manualDynamic(g)
			}
			out = append(out, g)
		}
		return out, nil
	}
	add, err := resolve(req.ThingGroupsToAdd)
	if err != nil {
		return err
	}
	remove, err := resolve(req.ThingGroupsToRemove)
	if err != nil {
		return err
	}
	return r.updateMembership(t, add, remove, req.OverrideDynamicGroups)
}
