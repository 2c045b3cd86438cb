package registry

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// CreateDynamicThingGroupRequest is the input of CreateDynamicThingGroup
// (POST /dynamic-thing-groups/{thingGroupName}).
type CreateDynamicThingGroupRequest struct {
	ThingGroupName       string                `json:"-" uri:"thingGroupName"`
	ThingGroupProperties *ThingGroupProperties `json:"thingGroupProperties,omitempty"`
	IndexName            string                `json:"indexName,omitempty"`
	QueryString          string                `json:"queryString"`
	QueryVersion         string                `json:"queryVersion,omitempty"`
	Tags                 []Tag                 `json:"tags,omitempty"`
}

// CreateDynamicThingGroupResponse is the output of CreateDynamicThingGroup.
type CreateDynamicThingGroupResponse struct {
	ThingGroupName string `json:"thingGroupName"`
	ThingGroupArn  string `json:"thingGroupArn"`
	ThingGroupId   string `json:"thingGroupId"`
	IndexName      string `json:"indexName"`
	QueryString    string `json:"queryString"`
	QueryVersion   string `json:"queryVersion"`
}

// CreateDynamicThingGroup creates a dynamic thing group in status BUILDING
// with no members. The registry stores the query and never evaluates it:
// the caller checks that it parses (InvalidQueryException) before calling,
// then populates the group with SetDynamicMembership and sets it ACTIVE.
// The same name and configuration return the existing group.
func (r *Registry) CreateDynamicThingGroup(req CreateDynamicThingGroupRequest, now time.Time) (CreateDynamicThingGroupResponse, error) {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	c.thingGroupProperties("thingGroupProperties", req.ThingGroupProperties)
	c.optName("indexName", req.IndexName)
	if req.QueryString == "" {
		c.Null("queryString")
	}
	c.tags("tags", req.Tags)
	if err := c.Err(); err != nil {
		return CreateDynamicThingGroupResponse{}, err
	}
	index, version, err := queryTarget(req.IndexName, req.QueryVersion)
	if err != nil {
		return CreateDynamicThingGroupResponse{}, err
	}
	desc, attrs := createGroupProps(req.ThingGroupProperties)
	if err := checkGroupAttrCount(req.ThingGroupName, len(attrs)); err != nil {
		return CreateDynamicThingGroupResponse{}, err
	}
	if g, ok := r.groups[req.ThingGroupName]; ok {
		if !g.dynamic || g.queryString != req.QueryString || g.indexName != index || g.queryVersion != version ||
			g.description != desc || !maps.Equal(g.attrs, attrs) {
			return CreateDynamicThingGroupResponse{}, alreadyExists(kindThingGroup, g.name, g.id.String(), r.ThingGroupArn(g.name))
		}
		return r.createDynamicResponse(g), nil
	}
	if r.dynamicCount >= r.opts.MaxDynamicGroups {
		return CreateDynamicThingGroupResponse{}, awserr.New(awserr.LimitExceeded,
			"Cannot create dynamic thing group %s: the account already has %d dynamic thing groups, the limit.", req.ThingGroupName, r.dynamicCount)
	}
	g := r.newGroup(req.ThingGroupName, desc, attrs, req.Tags, now)
	g.dynamic = true
	g.indexName, g.queryString, g.queryVersion, g.status = index, req.QueryString, version, StatusBuilding
	r.dynamicCount++
	r.ch.dynamic[g.name] = struct{}{}
	return r.createDynamicResponse(g), nil
}

func (r *Registry) createDynamicResponse(g *group) CreateDynamicThingGroupResponse {
	return CreateDynamicThingGroupResponse{
		ThingGroupName: g.name,
		ThingGroupArn:  r.ThingGroupArn(g.name),
		ThingGroupId:   g.id.String(),
		IndexName:      g.indexName,
		QueryString:    g.queryString,
		QueryVersion:   g.queryVersion,
	}
}

// queryTarget applies the defaults to indexName and queryVersion and
// accepts only the one index and query version AWS supports.
func queryTarget(index, version string) (string, string, error) {
	if index == "" {
		index = DefaultIndexName
	}
	if version == "" {
		version = DefaultQueryVersion
	}
	if index != DefaultIndexName {
		return "", "", awserr.New(awserr.ResourceNotFound, "Index %s cannot be found; dynamic thing groups use %s.", index, DefaultIndexName)
	}
	if version != DefaultQueryVersion {
		return "", "", invalid("Query version %s is not supported; the supported query version is %s.", version, DefaultQueryVersion)
	}
	return index, version, nil
}

// UpdateDynamicThingGroupRequest is the input of UpdateDynamicThingGroup
// (PATCH /dynamic-thing-groups/{thingGroupName}).
type UpdateDynamicThingGroupRequest struct {
	ThingGroupName       string                `json:"-" uri:"thingGroupName"`
	ThingGroupProperties *ThingGroupProperties `json:"thingGroupProperties"`
	ExpectedVersion      *int64                `json:"expectedVersion,omitempty"`
	IndexName            string                `json:"indexName,omitempty"`
	QueryString          string                `json:"queryString,omitempty"`
	QueryVersion         string                `json:"queryVersion,omitempty"`
}

// UpdateDynamicThingGroupResponse is the output of UpdateDynamicThingGroup.
type UpdateDynamicThingGroupResponse struct {
	Version int64 `json:"version"`
}

// UpdateDynamicThingGroup changes a dynamic group's properties and, when
// queryString is given and differs, its query: the group goes REBUILDING
// and is reported in Changes.DynamicGroups (its members stay until the
// core re-evaluates them). The version increments.
func (r *Registry) UpdateDynamicThingGroup(req UpdateDynamicThingGroupRequest, now time.Time) (UpdateDynamicThingGroupResponse, error) {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	if req.ThingGroupProperties == nil {
		c.Null("thingGroupProperties")
	}
	c.thingGroupProperties("thingGroupProperties", req.ThingGroupProperties)
	c.optName("indexName", req.IndexName)
	if err := c.Err(); err != nil {
		return UpdateDynamicThingGroupResponse{}, err
	}
	g := r.groups[req.ThingGroupName]
	switch {
	case g == nil:
		return UpdateDynamicThingGroupResponse{}, notFound(kindThingGroup, req.ThingGroupName)
	case !g.dynamic:
		return UpdateDynamicThingGroupResponse{}, notDynamic(g)
	case req.ExpectedVersion != nil && *req.ExpectedVersion != g.version:
		return UpdateDynamicThingGroupResponse{}, versionConflict(kindThingGroup, g.name, g.version, *req.ExpectedVersion)
	}
	if _, _, err := queryTarget(req.IndexName, req.QueryVersion); err != nil {
		return UpdateDynamicThingGroupResponse{}, err
	}
	desc, attrs, err := updatedGroupProps(g, req.ThingGroupProperties)
	if err != nil {
		return UpdateDynamicThingGroupResponse{}, err
	}
	g.description, g.attrs = desc, attrs
	if req.QueryString != "" && req.QueryString != g.queryString {
		g.queryString = req.QueryString
		g.status = StatusRebuilding
		r.ch.dynamic[g.name] = struct{}{}
	}
	g.version++
	r.ch.record(thingGroupKey(g.name))
	return UpdateDynamicThingGroupResponse{Version: g.version}, nil
}

// DeleteDynamicThingGroupRequest is the input of DeleteDynamicThingGroup
// (DELETE /dynamic-thing-groups/{thingGroupName}?expectedVersion=).
type DeleteDynamicThingGroupRequest struct {
	ThingGroupName  string `json:"-" uri:"thingGroupName"`
	ExpectedVersion *int64 `json:"-" query:"expectedVersion"`
}

// DeleteDynamicThingGroup deletes a dynamic group; its things leave it.
// Deleting a group that does not exist succeeds.
func (r *Registry) DeleteDynamicThingGroup(req DeleteDynamicThingGroupRequest, now time.Time) error {
	var c checker
	c.name("thingGroupName", req.ThingGroupName)
	if err := c.Err(); err != nil {
		return err
	}
	g := r.groups[req.ThingGroupName]
	switch {
	case g == nil:
		return nil
	case !g.dynamic:
		return notDynamic(g)
	case req.ExpectedVersion != nil && *req.ExpectedVersion != g.version:
		return versionConflict(kindThingGroup, g.name, g.version, *req.ExpectedVersion)
	}
	r.dropGroup(g)
	return nil
}

// DynamicGroupInfo is what the core needs to evaluate a dynamic group.
type DynamicGroupInfo struct {
	Name         string
	IndexName    string
	QueryString  string
	QueryVersion string
	Status       string
	// Seq is the group's creation sequence: a larger Seq is a more
	// recently created group.
	Seq uint64
}

// DynamicGroup returns a dynamic group's query and status.
func (r *Registry) DynamicGroup(name string) (DynamicGroupInfo, bool) {
	g, ok := r.groups[name]
	if !ok || !g.dynamic {
		return DynamicGroupInfo{}, false
	}
	return dynamicInfo(g), true
}

func dynamicInfo(g *group) DynamicGroupInfo {
	return DynamicGroupInfo{Name: g.name, IndexName: g.indexName, QueryString: g.queryString, QueryVersion: g.queryVersion, Status: g.status, Seq: g.seq}
}

// DynamicGroups returns every dynamic group, oldest first (the order in
// which the core should evaluate them, so that older groups win at the
// per-thing limit as they would on AWS).
func (r *Registry) DynamicGroups() []DynamicGroupInfo {
	var out []DynamicGroupInfo
	for _, g := range r.groups {
		if g.dynamic {
			out = append(out, dynamicInfo(g))
		}
	}
	slices.SortFunc(out, func(a, b DynamicGroupInfo) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// SetDynamicGroupStatus sets a dynamic group's status (ACTIVE, BUILDING or
// REBUILDING); the core calls it when an evaluation pass finishes.
func (r *Registry) SetDynamicGroupStatus(name, status string, now time.Time) error {
	g := r.groups[name]
	switch {
	case g == nil:
		return notFound(kindThingGroup, name)
	case !g.dynamic:
		return notDynamic(g)
	case status != StatusActive && status != StatusBuilding && status != StatusRebuilding:
		return invalid("Dynamic thing group status %s is not one of ACTIVE, BUILDING, REBUILDING.", status)
	}
	if g.status != status {
		g.status = status
		r.ch.record(thingGroupKey(g.name))
	}
	return nil
}

// SetDynamicMembership makes thing a member of the dynamic group (member
// true) or not. It reports whether the membership changed.
//
// At the per-thing group limit AWS's rule applies: if the thing is in a
// dynamic group created more recently than this one, it leaves the most
// recently created such group (a MembershipEvent with Evicted set) and
// joins this one; otherwise it is not added and the error is a
// *DynamicAddFailedError, which the core logs and counts as
// AddThingToDynamicThingGroupsFailed. Unknown names are
// ResourceNotFoundException, a static group InvalidRequestException.
func (r *Registry) SetDynamicMembership(group, thing string, member bool, now time.Time) (changed bool, err error) {
	g := r.groups[group]
	switch {
	case g == nil:
		return false, notFound(kindThingGroup, group)
	case !g.dynamic:
		return false, notDynamic(g)
	}
	t := r.things[thing]
	if t == nil {
		return false, notFound(kindThing, thing)
	}
	in := g.members.has(t.name)
	if !member {
		if !in {
			return false, nil
		}
		r.leave(t, g, false)
		return true, nil
	}
	if in {
		return false, nil
	}
	if len(t.groups) >= r.opts.MaxGroupsPerThing {
		newer := r.newestDynamic(t.groups, g.seq)
		if newer == nil {
			return false, &DynamicAddFailedError{Group: g.name, Thing: t.name, Limit: r.opts.MaxGroupsPerThing}
		}
		r.leave(t, newer, true)
	}
	r.join(t, g)
	return true, nil
}

// ThingGroupMembers returns the direct members of a thing group, sorted.
func (r *Registry) ThingGroupMembers(name string) []string {
	g, ok := r.groups[name]
	if !ok {
		return nil
	}
	return slices.Clone(g.members.sorted())
}
