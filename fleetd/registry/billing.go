package registry

import (
	"slices"
	"strings"
	"time"
)

// CreateBillingGroupRequest is the input of CreateBillingGroup
// (POST /billing-groups/{billingGroupName}).
type CreateBillingGroupRequest struct {
	BillingGroupName       string                  `json:"-" uri:"billingGroupName"`
	BillingGroupProperties *BillingGroupProperties `json:"billingGroupProperties,omitempty"`
	Tags                   []Tag                   `json:"tags,omitempty"`
}

// CreateBillingGroupResponse is the output of CreateBillingGroup.
type CreateBillingGroupResponse struct {
	BillingGroupName string `json:"billingGroupName"`
	BillingGroupArn  string `json:"billingGroupArn"`
	BillingGroupId   string `json:"billingGroupId"`
}

// CreateBillingGroup creates a billing group. The same name and
// description return the existing group; tags are not compared.
func (r *Registry) CreateBillingGroup(req CreateBillingGroupRequest, now time.Time) (CreateBillingGroupResponse, error) {
	var c checker
	c.name("billingGroupName", req.BillingGroupName)
	c.billingProps(req.BillingGroupProperties)
	c.tags("tags", req.Tags)
	if err := c.Err(); err != nil {
		return CreateBillingGroupResponse{}, err
	}
	desc := ""
	if p := req.BillingGroupProperties; p != nil && p.BillingGroupDescription != nil {
		desc = *p.BillingGroupDescription
	}
	if b, ok := r.billing[req.BillingGroupName]; ok {
		if b.description != desc {
			return CreateBillingGroupResponse{}, alreadyExists(kindBillingGroup, b.name, b.id.String(), r.BillingGroupArn(b.name))
		}
		return r.createBillingResponse(b), nil
	}
	b := &billingGroup{
		name:        req.BillingGroupName,
		id:          r.nextUUID(),
		description: desc,
		tags:        normTags(req.Tags),
		version:     1,
		created:     norm(now),
	}
	r.billing[b.name] = b
	r.ch.record(billingGroupKey(b.name))
	return r.createBillingResponse(b), nil
}

func (c *checker) billingProps(p *BillingGroupProperties) {
	if p != nil && p.BillingGroupDescription != nil {
		c.description("billingGroupProperties.billingGroupDescription", *p.BillingGroupDescription)
	}
}

func (r *Registry) createBillingResponse(b *billingGroup) CreateBillingGroupResponse {
	return CreateBillingGroupResponse{BillingGroupName: b.name, BillingGroupArn: r.BillingGroupArn(b.name), BillingGroupId: b.id.String()}
}

func (r *Registry) lookupBilling(name string) (*billingGroup, error) {
	var c checker
	c.name("billingGroupName", name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	b := r.billing[name]
	if b == nil {
		return nil, notFound(kindBillingGroup, name)
	}
	return b, nil
}

// DescribeBillingGroupRequest is the input of DescribeBillingGroup
// (GET /billing-groups/{billingGroupName}).
type DescribeBillingGroupRequest struct {
	BillingGroupName string `json:"-" uri:"billingGroupName"`
}

// DescribeBillingGroupResponse is the output of DescribeBillingGroup.
type DescribeBillingGroupResponse struct {
	BillingGroupName       string                 `json:"billingGroupName"`
	BillingGroupId         string                 `json:"billingGroupId"`
	BillingGroupArn        string                 `json:"billingGroupArn"`
	Version                int64                  `json:"version"`
	BillingGroupProperties BillingGroupProperties `json:"billingGroupProperties"`
	BillingGroupMetadata   BillingGroupMetadata   `json:"billingGroupMetadata"`
}

// DescribeBillingGroup describes a billing group.
func (r *Registry) DescribeBillingGroup(req DescribeBillingGroupRequest) (DescribeBillingGroupResponse, error) {
	b, err := r.lookupBilling(req.BillingGroupName)
	if err != nil {
		return DescribeBillingGroupResponse{}, err
	}
	out := DescribeBillingGroupResponse{
		BillingGroupName:     b.name,
		BillingGroupId:       b.id.String(),
		BillingGroupArn:      r.BillingGroupArn(b.name),
		Version:              b.version,
		BillingGroupMetadata: BillingGroupMetadata{CreationDate: stamp(b.created)},
	}
	if b.description != "" {
		d := b.description
		out.BillingGroupProperties.BillingGroupDescription = &d
	}
	return out, nil
}

// UpdateBillingGroupRequest is the input of UpdateBillingGroup
// (PATCH /billing-groups/{billingGroupName}).
type UpdateBillingGroupRequest struct {
	BillingGroupName       string                  `json:"-" uri:"billingGroupName"`
	BillingGroupProperties *BillingGroupProperties `json:"billingGroupProperties"`
	ExpectedVersion        *int64                  `json:"expectedVersion,omitempty"`
}

// UpdateBillingGroupResponse is the output of UpdateBillingGroup.
type UpdateBillingGroupResponse struct {
	Version int64 `json:"version"`
}

// UpdateBillingGroup changes a billing group's description and increments
// its version.
func (r *Registry) UpdateBillingGroup(req UpdateBillingGroupRequest, now time.Time) (UpdateBillingGroupResponse, error) {
	var c checker
	c.name("billingGroupName", req.BillingGroupName)
	if req.BillingGroupProperties == nil {
		c.Null("billingGroupProperties")
	}
	c.billingProps(req.BillingGroupProperties)
	if err := c.Err(); err != nil {
		return UpdateBillingGroupResponse{}, err
	}
	b := r.billing[req.BillingGroupName]
	if b == nil {
		return UpdateBillingGroupResponse{}, notFound(kindBillingGroup, req.BillingGroupName)
	}
	if req.ExpectedVersion != nil && *req.ExpectedVersion != b.version {
		return UpdateBillingGroupResponse{}, versionConflict(kindBillingGroup, b.name, b.version, *req.ExpectedVersion)
	}
	if d := req.BillingGroupProperties.BillingGroupDescription; d != nil {
		b.description = *d
	}
	b.version++
	r.ch.record(billingGroupKey(b.name))
	return UpdateBillingGroupResponse{Version: b.version}, nil
}

// DeleteBillingGroupRequest is the input of DeleteBillingGroup
// (DELETE /billing-groups/{billingGroupName}?expectedVersion=).
type DeleteBillingGroupRequest struct {
	BillingGroupName string `json:"-" uri:"billingGroupName"`
	ExpectedVersion  *int64 `json:"-" query:"expectedVersion"`
}

// DeleteBillingGroup deletes a billing group; its things leave it.
// Deleting a group that does not exist succeeds.
func (r *Registry) DeleteBillingGroup(req DeleteBillingGroupRequest, now time.Time) error {
	var c checker
	c.name("billingGroupName", req.BillingGroupName)
	if err := c.Err(); err != nil {
		return err
	}
	b := r.billing[req.BillingGroupName]
	if b == nil {
		return nil
	}
	if req.ExpectedVersion != nil && *req.ExpectedVersion != b.version {
		return versionConflict(kindBillingGroup, b.name, b.version, *req.ExpectedVersion)
	}
	for _, n := range slices.Clone(b.members.sorted()) {
		r.leaveBilling(r.things[n])
	}
	delete(r.billing, b.name)
	r.ch.record(billingGroupKey(b.name))
	return nil
}

// ListBillingGroupsRequest is the input of ListBillingGroups
// (GET /billing-groups?…).
type ListBillingGroupsRequest struct {
	NextToken        string `json:"-" query:"nextToken"`
	MaxResults       int    `json:"-" query:"maxResults"`
	NamePrefixFilter string `json:"-" query:"namePrefixFilter"`
}

// ListBillingGroupsResponse is the output of ListBillingGroups.
type ListBillingGroupsResponse struct {
	BillingGroups []GroupNameAndArn `json:"billingGroups"`
	NextToken     string            `json:"nextToken,omitempty"`
}

// ListBillingGroups lists billing groups in name order.
func (r *Registry) ListBillingGroups(req ListBillingGroupsRequest) (ListBillingGroupsResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	c.optName("namePrefixFilter", req.NamePrefixFilter)
	if err := c.Err(); err != nil {
		return ListBillingGroupsResponse{}, err
	}
	after, err := decodeToken("billingGroups", req.NextToken)
	if err != nil {
		return ListBillingGroupsResponse{}, err
	}
	items, next := page("billingGroups", sortedKeysOf(r.billing), after, limit(req.MaxResults), func(n string) (GroupNameAndArn, bool) {
		if !strings.HasPrefix(n, req.NamePrefixFilter) {
			return GroupNameAndArn{}, false
		}
		return GroupNameAndArn{GroupName: n, GroupArn: r.BillingGroupArn(n)}, true
	})
	return ListBillingGroupsResponse{BillingGroups: items, NextToken: next}, nil
}

// AddThingToBillingGroupRequest is the input of AddThingToBillingGroup
// (PUT /billing-groups/addThingToBillingGroup).
type AddThingToBillingGroupRequest struct {
	BillingGroupName string `json:"billingGroupName,omitempty"`
	BillingGroupArn  string `json:"billingGroupArn,omitempty"`
	ThingName        string `json:"thingName,omitempty"`
	ThingArn         string `json:"thingArn,omitempty"`
}

// AddThingToBillingGroup puts a thing in a billing group. A thing is in at
// most one billing group: adding it to another moves it.
func (r *Registry) AddThingToBillingGroup(req AddThingToBillingGroupRequest, now time.Time) error {
	b, t, err := r.billingAndThing(req.BillingGroupName, req.BillingGroupArn, req.ThingName, req.ThingArn)
	if err != nil {
		return err
	}
	if t.billing == b.name {
		return nil
	}
	if t.billing != "" {
		r.leaveBilling(t)
	}
	r.joinBilling(t, b)
	return nil
}

func (r *Registry) billingAndThing(groupName, groupArn, thingName, thingArn string) (*billingGroup, *thing, error) {
	bn, err := r.nameOrArn(kindBillingGroup, "billinggroup", "billingGroupName", groupName, "billingGroupArn", groupArn)
	if err != nil {
		return nil, nil, err
	}
	tn, err := r.nameOrArn(kindThing, "thing", "thingName", thingName, "thingArn", thingArn)
	if err != nil {
		return nil, nil, err
	}
	b := r.billing[bn]
	if b == nil {
		return nil, nil, notFound(kindBillingGroup, bn)
	}
	t := r.things[tn]
	if t == nil {
		return nil, nil, notFound(kindThing, tn)
	}
	return b, t, nil
}

// RemoveThingFromBillingGroupRequest is the input of
// RemoveThingFromBillingGroup (PUT /billing-groups/removeThingFromBillingGroup).
type RemoveThingFromBillingGroupRequest struct {
	BillingGroupName string `json:"billingGroupName,omitempty"`
	BillingGroupArn  string `json:"billingGroupArn,omitempty"`
	ThingName        string `json:"thingName,omitempty"`
	ThingArn         string `json:"thingArn,omitempty"`
}

// RemoveThingFromBillingGroup takes a thing out of a billing group;
// removing a thing that is not in that group succeeds and changes nothing.
func (r *Registry) RemoveThingFromBillingGroup(req RemoveThingFromBillingGroupRequest, now time.Time) error {
	b, t, err := r.billingAndThing(req.BillingGroupName, req.BillingGroupArn, req.ThingName, req.ThingArn)
	if err != nil {
		return err
	}
	if t.billing == b.name {
		r.leaveBilling(t)
	}
	return nil
}

// ListThingsInBillingGroupRequest is the input of ListThingsInBillingGroup
// (GET /billing-groups/{billingGroupName}/things?…).
type ListThingsInBillingGroupRequest struct {
	BillingGroupName string `json:"-" uri:"billingGroupName"`
	NextToken        string `json:"-" query:"nextToken"`
	MaxResults       int    `json:"-" query:"maxResults"`
}

// ListThingsInBillingGroupResponse is the output of ListThingsInBillingGroup.
type ListThingsInBillingGroupResponse struct {
	Things    []string `json:"things"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListThingsInBillingGroup lists a billing group's things in name order.
func (r *Registry) ListThingsInBillingGroup(req ListThingsInBillingGroupRequest) (ListThingsInBillingGroupResponse, error) {
	var c checker
	c.name("billingGroupName", req.BillingGroupName)
	c.maxResults(req.MaxResults)
	if err := c.Err(); err != nil {
		return ListThingsInBillingGroupResponse{}, err
	}
	b := r.billing[req.BillingGroupName]
	if b == nil {
		return ListThingsInBillingGroupResponse{}, notFound(kindBillingGroup, req.BillingGroupName)
	}
	after, err := decodeToken("thingsInBillingGroup", req.NextToken)
	if err != nil {
		return ListThingsInBillingGroupResponse{}, err
	}
	things, next := mergePage("thingsInBillingGroup", [][]string{b.members.sorted()}, after, limit(req.MaxResults))
	return ListThingsInBillingGroupResponse{Things: things, NextToken: next}, nil
}

// BillingGroupMembers returns the things of a billing group, sorted.
func (r *Registry) BillingGroupMembers(name string) []string {
	b, ok := r.billing[name]
	if !ok {
		return nil
	}
	return slices.Clone(b.members.sorted())
}
