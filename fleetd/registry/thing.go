package registry

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// CreateThingRequest is the input of CreateThing (POST /things/{thingName}).
type CreateThingRequest struct {
	ThingName        string            `json:"-" uri:"thingName"`
	ThingTypeName    string            `json:"thingTypeName,omitempty"`
	AttributePayload *AttributePayload `json:"attributePayload,omitempty"`
	BillingGroupName string            `json:"billingGroupName,omitempty"`
}

// CreateThingResponse is the output of CreateThing.
type CreateThingResponse struct {
	ThingName string `json:"thingName"`
	ThingArn  string `json:"thingArn"`
	ThingId   string `json:"thingId"`
}

// CreateThing creates a thing. It is idempotent: the same name with the
// same thing type, attributes and billing group returns the existing thing;
// any difference is a ResourceAlreadyExistsException carrying its id and ARN.
func (r *Registry) CreateThing(req CreateThingRequest, now time.Time) (CreateThingResponse, error) {
	var c checker
	c.name("thingName", req.ThingName)
	c.optName("thingTypeName", req.ThingTypeName)
	c.optName("billingGroupName", req.BillingGroupName)
	if req.AttributePayload != nil {
		c.attributes("attributePayload.attributes", req.AttributePayload.Attributes)
	}
	if err := c.Err(); err != nil {
		return CreateThingResponse{}, err
	}
	attrs := withPayload(nil, req.AttributePayload, false, r.share.str)
	if t, ok := r.things[req.ThingName]; ok {
		if t.typeName != req.ThingTypeName || t.billing != req.BillingGroupName || !slices.Equal(t.attrs, attrs) {
			return CreateThingResponse{}, alreadyExists(kindThing, t.name, t.id.String(), r.ThingArn(t.name))
		}
		return r.createThingResponse(t), nil
	}
	var tt *thingType
	if req.ThingTypeName != "" {
		var err error
		if tt, err = r.assignableType(req.ThingTypeName, req.ThingName); err != nil {
			return CreateThingResponse{}, err
		}
	}
	var bg *billingGroup
	if req.BillingGroupName != "" {
		if bg = r.billing[req.BillingGroupName]; bg == nil {
			return CreateThingResponse{}, notFound(kindBillingGroup, req.BillingGroupName)
		}
	}
	if err := checkAttrCount(req.ThingName, len(attrs), tt != nil); err != nil {
		return CreateThingResponse{}, err
	}

	t := r.allocDense(thing{name: req.ThingName, id: r.nextUUID(), attrs: attrs, version: 1})
	r.things[t.name] = t
	r.thingOrder.added(t.name)
	if tt != nil {
		t.typeName = tt.name
		tt.things.add(t.name)
	}
	r.thingChanged(t)
	if bg != nil {
		r.joinBilling(t, bg)
	}
	return r.createThingResponse(t), nil
}

func (r *Registry) createThingResponse(t *thing) CreateThingResponse {
	return CreateThingResponse{ThingName: t.name, ThingArn: r.ThingArn(t.name), ThingId: t.id.String()}
}

// assignableType returns the thing type a thing may newly be given.
func (r *Registry) assignableType(typeName, thingName string) (*thingType, error) {
	tt := r.types[typeName]
	if tt == nil {
		return nil, notFound(kindThingType, typeName)
	}
	if tt.deprecated {
		return nil, invalid("Thing type %s is deprecated; thing %s cannot be associated with it.", typeName, thingName)
	}
	return tt, nil
}

func checkAttrCount(thingName string, n int, typed bool) error {
	if typed && n > MaxAttributesTyped {
		return invalid("Thing %s has %d attributes; a thing can have at most %d.", thingName, n, MaxAttributesTyped)
	}
	if !typed && n > MaxAttributesUntyped {
		return invalid("Thing %s has %d attributes; a thing without a thing type can have at most %d.", thingName, n, MaxAttributesUntyped)
	}
	return nil
}

// applyPayload returns the attributes after applying p to cur (cur is not
// modified). A nil p or nil p.Attributes keeps cur; merge sets the given
// keys over cur; otherwise the given attributes replace cur. An empty value
// removes (or, on create, omits) the attribute.
func applyPayload(cur map[string]string, p *AttributePayload, merge bool) map[string]string {
	if p == nil || p.Attributes == nil {
		return cur
	}
	out := make(map[string]string, len(p.Attributes))
	if merge {
		maps.Copy(out, cur)
	}
	for k, v := range p.Attributes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// DescribeThingRequest is the input of DescribeThing (GET /things/{thingName}).
type DescribeThingRequest struct {
	ThingName string `json:"-" uri:"thingName"`
}

// DescribeThingResponse is the output of DescribeThing.
type DescribeThingResponse struct {
	DefaultClientId  string            `json:"defaultClientId"`
	ThingName        string            `json:"thingName"`
	ThingId          string            `json:"thingId"`
	ThingArn         string            `json:"thingArn"`
	ThingTypeName    string            `json:"thingTypeName,omitempty"`
	Attributes       map[string]string `json:"attributes"`
	Version          int64             `json:"version"`
	BillingGroupName string            `json:"billingGroupName,omitempty"`
}

// DescribeThing describes a thing; defaultClientId is its name.
func (r *Registry) DescribeThing(req DescribeThingRequest) (DescribeThingResponse, error) {
	t, err := r.lookupThing(req.ThingName)
	if err != nil {
		return DescribeThingResponse{}, err
	}
	return DescribeThingResponse{
		DefaultClientId:  t.name,
		ThingName:        t.name,
		ThingId:          t.id.String(),
		ThingArn:         r.ThingArn(t.name),
		ThingTypeName:    t.typeName,
		Attributes:       nonNil(t.attrs.Map()),
		Version:          t.version,
		BillingGroupName: t.billing,
	}, nil
}

// lookupThing validates a thing name and finds the thing.
func (r *Registry) lookupThing(name string) (*thing, error) {
	var c checker
	c.name("thingName", name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	t := r.things[name]
	if t == nil {
		return nil, notFound(kindThing, name)
	}
	return t, nil
}

// UpdateThingRequest is the input of UpdateThing (PATCH /things/{thingName}).
type UpdateThingRequest struct {
	ThingName        string            `json:"-" uri:"thingName"`
	ThingTypeName    string            `json:"thingTypeName,omitempty"`
	AttributePayload *AttributePayload `json:"attributePayload,omitempty"`
	ExpectedVersion  *int64            `json:"expectedVersion,omitempty"`
	RemoveThingType  bool              `json:"removeThingType,omitempty"`
}

// UpdateThing changes a thing's type and attributes and increments its
// version (every successful call does, changed or not).
func (r *Registry) UpdateThing(req UpdateThingRequest, now time.Time) error {
	var c checker
	c.name("thingName", req.ThingName)
	c.optName("thingTypeName", req.ThingTypeName)
	if req.AttributePayload != nil {
		c.attributes("attributePayload.attributes", req.AttributePayload.Attributes)
	}
	if err := c.Err(); err != nil {
		return err
	}
	if req.RemoveThingType && req.ThingTypeName != "" {
		return invalid("Cannot specify both thingTypeName and removeThingType.")
	}
	t := r.things[req.ThingName]
	if t == nil {
		return notFound(kindThing, req.ThingName)
	}
	if req.ExpectedVersion != nil && *req.ExpectedVersion != t.version {
		return versionConflict(kindThing, t.name, t.version, *req.ExpectedVersion)
	}
	newType := t.typeName
	switch {
	case req.RemoveThingType:
		newType = ""
	case req.ThingTypeName != "" && req.ThingTypeName != t.typeName:
		tt, err := r.assignableType(req.ThingTypeName, t.name)
		if err != nil {
			return err
		}
		newType = tt.name // the type's own string, not the request's
	}
	merge := req.AttributePayload != nil && req.AttributePayload.Merge
	attrs := withPayload(t.attrs, req.AttributePayload, merge, r.share.str)
	if err := checkAttrCount(t.name, len(attrs), newType != ""); err != nil {
		return err
	}

	if newType != t.typeName {
		if t.typeName != "" {
			r.types[t.typeName].things.remove(t.name)
		}
		if newType != "" {
			r.types[newType].things.add(t.name)
		}
		t.typeName = newType
	}
	t.attrs = attrs
	t.version++
	r.thingChanged(t)
	return nil
}

// DeleteThingRequest is the input of DeleteThing
// (DELETE /things/{thingName}?expectedVersion=).
type DeleteThingRequest struct {
	ThingName       string `json:"-" uri:"thingName"`
	ExpectedVersion *int64 `json:"-" query:"expectedVersion"`
}

// DeleteThing deletes a thing, its group and billing-group memberships and
// its dense id. Deleting a thing that does not exist succeeds.
func (r *Registry) DeleteThing(req DeleteThingRequest, now time.Time) error {
	var c checker
	c.name("thingName", req.ThingName)
	if err := c.Err(); err != nil {
		return err
	}
	t := r.things[req.ThingName]
	if t == nil {
		return nil
	}
	if req.ExpectedVersion != nil && *req.ExpectedVersion != t.version {
		return versionConflict(kindThing, t.name, t.version, *req.ExpectedVersion)
	}
	if r.opts.ThingDeletable != nil {
		if err := r.opts.ThingDeletable(t.name); err != nil {
			return err
		}
	}
	for len(t.groups) > 0 {
		r.leave(t, r.groups[t.groups[0]], false)
	}
	if t.billing != "" {
		r.leaveBilling(t)
	}
	if t.typeName != "" {
		r.types[t.typeName].things.remove(t.name)
	}
	delete(r.things, t.name)
	r.thingOrder.removed(t.name)
	r.thingDeleted(t)
	r.freeDense(t)
	return nil
}

// ListThingsRequest is the input of ListThings (GET /things?…).
type ListThingsRequest struct {
	NextToken               string `json:"-" query:"nextToken"`
	MaxResults              int    `json:"-" query:"maxResults"` // 0: default
	AttributeName           string `json:"-" query:"attributeName"`
	AttributeValue          string `json:"-" query:"attributeValue"`
	ThingTypeName           string `json:"-" query:"thingTypeName"`
	UsePrefixAttributeValue bool   `json:"-" query:"usePrefixAttributeValue"`
}

// ListThingsResponse is the output of ListThings.
type ListThingsResponse struct {
	Things    []ThingAttribute `json:"things"`
	NextToken string           `json:"nextToken,omitempty"`
}

// ListThings lists things in name order, filtered by thing type and by an
// attribute (its exact value, a value prefix, or with attributeName alone
// any value).
func (r *Registry) ListThings(req ListThingsRequest) (ListThingsResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	if req.AttributeName != "" {
		c.attrName("attributeName", req.AttributeName)
	}
	if req.AttributeValue != "" {
		c.attrValue("attributeValue", req.AttributeValue)
	}
	c.optName("thingTypeName", req.ThingTypeName)
	if err := c.Err(); err != nil {
		return ListThingsResponse{}, err
	}
	if req.AttributeValue != "" && req.AttributeName == "" {
		return ListThingsResponse{}, invalid("attributeValue requires attributeName.")
	}
	after, err := decodeToken("things", req.NextToken)
	if err != nil {
		return ListThingsResponse{}, err
	}
	names := []string{}
	if req.ThingTypeName == "" {
		names = r.sortedThings()
	} else if tt := r.types[req.ThingTypeName]; tt != nil {
		names = tt.things.sorted()
	}
	items, next := page("things", names, after, limit(req.MaxResults), func(n string) (ThingAttribute, bool) {
		t := r.things[n]
		if req.AttributeName != "" {
			v, ok := t.attrs.Get(req.AttributeName)
			switch {
			case !ok:
				return ThingAttribute{}, false
			case req.UsePrefixAttributeValue && !strings.HasPrefix(v, req.AttributeValue):
				return ThingAttribute{}, false
			case !req.UsePrefixAttributeValue && req.AttributeValue != "" && v != req.AttributeValue:
				return ThingAttribute{}, false
			}
		}
		return ThingAttribute{
			ThingName:     t.name,
			ThingTypeName: t.typeName,
			ThingArn:      r.ThingArn(t.name),
			Attributes:    nonNil(t.attrs.Map()),
			Version:       t.version,
		}, true
	})
	return ListThingsResponse{Things: items, NextToken: next}, nil
}
