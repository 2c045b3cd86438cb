package registry

import (
	"slices"
	"time"
)

// CreateThingTypeRequest is the input of CreateThingType
// (POST /thing-types/{thingTypeName}).
type CreateThingTypeRequest struct {
	ThingTypeName       string               `json:"-" uri:"thingTypeName"`
	ThingTypeProperties *ThingTypeProperties `json:"thingTypeProperties,omitempty"`
	Tags                []Tag                `json:"tags,omitempty"`
}

// CreateThingTypeResponse is the output of CreateThingType.
type CreateThingTypeResponse struct {
	ThingTypeName string `json:"thingTypeName"`
	ThingTypeArn  string `json:"thingTypeArn"`
	ThingTypeId   string `json:"thingTypeId"`
}

// CreateThingType creates a thing type. It is idempotent: the same name
// and properties (searchableAttributes compared as a set) return the
// existing type; tags are not compared.
func (r *Registry) CreateThingType(req CreateThingTypeRequest, now time.Time) (CreateThingTypeResponse, error) {
	var c checker
	c.name("thingTypeName", req.ThingTypeName)
	c.thingTypeProperties(req.ThingTypeProperties)
	c.tags("tags", req.Tags)
	if err := c.Err(); err != nil {
		return CreateThingTypeResponse{}, err
	}
	props := normTypeProps(req.ThingTypeProperties)
	if len(props.SearchableAttributes) > MaxSearchableAttributes {
		return CreateThingTypeResponse{}, invalid("Thing type %s has %d searchable attributes; a thing type can have at most %d.",
			req.ThingTypeName, len(props.SearchableAttributes), MaxSearchableAttributes)
	}
	if tt, ok := r.types[req.ThingTypeName]; ok {
		if !sameTypeProps(tt.props, props) {
			return CreateThingTypeResponse{}, alreadyExists(kindThingType, tt.name, tt.id.String(), r.ThingTypeArn(tt.name))
		}
		return r.createThingTypeResponse(tt), nil
	}
	tt := &thingType{
		name:    req.ThingTypeName,
		id:      r.nextUUID(),
		props:   props,
		tags:    normTags(req.Tags),
		created: norm(now),
	}
	r.types[tt.name] = tt
	r.ch.record(thingTypeKey(tt.name))
	return r.createThingTypeResponse(tt), nil
}

func (r *Registry) createThingTypeResponse(tt *thingType) CreateThingTypeResponse {
	return CreateThingTypeResponse{ThingTypeName: tt.name, ThingTypeArn: r.ThingTypeArn(tt.name), ThingTypeId: tt.id.String()}
}

// normTypeProps copies p, dropping duplicate searchable attributes and
// empty lists, so that stored properties compare and persist canonically.
func normTypeProps(p *ThingTypeProperties) ThingTypeProperties {
	if p == nil {
		return ThingTypeProperties{}
	}
	out := ThingTypeProperties{ThingTypeDescription: p.ThingTypeDescription}
	for _, a := range p.SearchableAttributes {
		if !slices.Contains(out.SearchableAttributes, a) {
			out.SearchableAttributes = append(out.SearchableAttributes, a)
		}
	}
	if p.Mqtt5Configuration != nil && len(p.Mqtt5Configuration.PropagatingAttributes) > 0 {
		out.Mqtt5Configuration = &Mqtt5Configuration{PropagatingAttributes: slices.Clone(p.Mqtt5Configuration.PropagatingAttributes)}
	}
	return out
}

func sameTypeProps(a, b ThingTypeProperties) bool {
	if a.ThingTypeDescription != b.ThingTypeDescription {
		return false
	}
	sa, sb := slices.Sorted(slices.Values(a.SearchableAttributes)), slices.Sorted(slices.Values(b.SearchableAttributes))
	if !slices.Equal(sa, sb) {
		return false
	}
	var pa, pb []PropagatingAttribute
	if a.Mqtt5Configuration != nil {
		pa = a.Mqtt5Configuration.PropagatingAttributes
	}
	if b.Mqtt5Configuration != nil {
		pb = b.Mqtt5Configuration.PropagatingAttributes
	}
	return slices.Equal(pa, pb)
}

// normTags keeps the last value of each key, sorted by key.
func normTags(tags []Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	out := make([]Tag, 0, len(m))
	for _, k := range sortedKeysOf(m) {
		out = append(out, Tag{Key: k, Value: m[k]})
	}
	return out
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// DescribeThingTypeRequest is the input of DescribeThingType
// (GET /thing-types/{thingTypeName}).
type DescribeThingTypeRequest struct {
	ThingTypeName string `json:"-" uri:"thingTypeName"`
}

// DescribeThingTypeResponse is the output of DescribeThingType.
type DescribeThingTypeResponse struct {
	ThingTypeName       string              `json:"thingTypeName"`
	ThingTypeId         string              `json:"thingTypeId"`
	ThingTypeArn        string              `json:"thingTypeArn"`
	ThingTypeProperties ThingTypeProperties `json:"thingTypeProperties"`
	ThingTypeMetadata   ThingTypeMetadata   `json:"thingTypeMetadata"`
}

// DescribeThingType describes a thing type.
func (r *Registry) DescribeThingType(req DescribeThingTypeRequest) (DescribeThingTypeResponse, error) {
	tt, err := r.lookupType(req.ThingTypeName)
	if err != nil {
		return DescribeThingTypeResponse{}, err
	}
	return DescribeThingTypeResponse{
		ThingTypeName:       tt.name,
		ThingTypeId:         tt.id.String(),
		ThingTypeArn:        r.ThingTypeArn(tt.name),
		ThingTypeProperties: cloneTypeProps(tt.props),
		ThingTypeMetadata:   typeMetadata(tt),
	}, nil
}

func typeMetadata(tt *thingType) ThingTypeMetadata {
	m := ThingTypeMetadata{Deprecated: tt.deprecated, CreationDate: stamp(tt.created)}
	if tt.deprecated {
		m.DeprecationDate = stamp(tt.deprecationDate)
	}
	return m
}

func cloneTypeProps(p ThingTypeProperties) ThingTypeProperties {
	p.SearchableAttributes = slices.Clone(p.SearchableAttributes)
	if p.Mqtt5Configuration != nil {
		p.Mqtt5Configuration = &Mqtt5Configuration{PropagatingAttributes: slices.Clone(p.Mqtt5Configuration.PropagatingAttributes)}
	}
	return p
}

func (r *Registry) lookupType(name string) (*thingType, error) {
	var c checker
	c.name("thingTypeName", name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	tt := r.types[name]
	if tt == nil {
		return nil, notFound(kindThingType, name)
	}
	return tt, nil
}

// ListThingTypesRequest is the input of ListThingTypes (GET /thing-types?…).
type ListThingTypesRequest struct {
	NextToken     string `json:"-" query:"nextToken"`
	MaxResults    int    `json:"-" query:"maxResults"`
	ThingTypeName string `json:"-" query:"thingTypeName"`
}

// ListThingTypesResponse is the output of ListThingTypes.
type ListThingTypesResponse struct {
	ThingTypes []ThingTypeDefinition `json:"thingTypes"`
	NextToken  string                `json:"nextToken,omitempty"`
}

// ListThingTypes lists thing types in name order; thingTypeName keeps only
// the type of that exact name.
func (r *Registry) ListThingTypes(req ListThingTypesRequest) (ListThingTypesResponse, error) {
	var c checker
	c.maxResults(req.MaxResults)
	c.optName("thingTypeName", req.ThingTypeName)
	if err := c.Err(); err != nil {
		return ListThingTypesResponse{}, err
	}
	after, err := decodeToken("thingTypes", req.NextToken)
	if err != nil {
		return ListThingTypesResponse{}, err
	}
	items, next := page("thingTypes", sortedKeysOf(r.types), after, limit(req.MaxResults), func(n string) (ThingTypeDefinition, bool) {
		if req.ThingTypeName != "" && n != req.ThingTypeName {
			return ThingTypeDefinition{}, false
		}
		tt := r.types[n]
		return ThingTypeDefinition{
			ThingTypeName:       tt.name,
			ThingTypeArn:        r.ThingTypeArn(tt.name),
			ThingTypeProperties: cloneTypeProps(tt.props),
			ThingTypeMetadata:   typeMetadata(tt),
		}, true
	})
	return ListThingTypesResponse{ThingTypes: items, NextToken: next}, nil
}

// DeprecateThingTypeRequest is the input of DeprecateThingType
// (POST /thing-types/{thingTypeName}/deprecate).
type DeprecateThingTypeRequest struct {
	ThingTypeName string `json:"-" uri:"thingTypeName"`
	UndoDeprecate bool   `json:"undoDeprecate,omitempty"`
}

// DeprecateThingType deprecates a thing type (no new thing may take it) or,
// with undoDeprecate, lifts the deprecation. Deprecating a deprecated type
// keeps its original deprecationDate; undoing on a live type is a no-op.
func (r *Registry) DeprecateThingType(req DeprecateThingTypeRequest, now time.Time) error {
	tt, err := r.lookupType(req.ThingTypeName)
	if err != nil {
		return err
	}
	switch {
	case req.UndoDeprecate && tt.deprecated:
		tt.deprecated, tt.deprecationDate = false, time.Time{}
	case !req.UndoDeprecate && !tt.deprecated:
		tt.deprecated, tt.deprecationDate = true, norm(now)
	default:
		return nil
	}
	r.ch.record(thingTypeKey(tt.name))
	return nil
}

// UpdateThingTypeRequest is the input of UpdateThingType
// (PATCH /thing-types/{thingTypeName}).
type UpdateThingTypeRequest struct {
	ThingTypeName       string               `json:"-" uri:"thingTypeName"`
	ThingTypeProperties *ThingTypeProperties `json:"thingTypeProperties,omitempty"`
}

// UpdateThingType replaces a thing type's properties: description,
// searchable attributes (at most three), MQTT 5 propagating attributes.
// Without thingTypeProperties nothing changes.
func (r *Registry) UpdateThingType(req UpdateThingTypeRequest, now time.Time) error {
	var c checker
	c.name("thingTypeName", req.ThingTypeName)
	c.thingTypeProperties(req.ThingTypeProperties)
	if err := c.Err(); err != nil {
		return err
	}
	tt, err := r.lookupType(req.ThingTypeName)
	if err != nil {
		return err
	}
	if req.ThingTypeProperties == nil {
		return nil
	}
	props := normTypeProps(req.ThingTypeProperties)
	if len(props.SearchableAttributes) > MaxSearchableAttributes {
		return invalid("Thing type %s would have %d searchable attributes; a thing type can have at most %d.",
			req.ThingTypeName, len(props.SearchableAttributes), MaxSearchableAttributes)
	}
	tt.props = props
	r.ch.record(thingTypeKey(tt.name))
	return nil
}

// DeleteThingTypeRequest is the input of DeleteThingType
// (DELETE /thing-types/{thingTypeName}).
type DeleteThingTypeRequest struct {
	ThingTypeName string `json:"-" uri:"thingTypeName"`
}

// DeleteThingType deletes a thing type that has been deprecated for at
// least ThingTypeDeleteDelay and that no thing uses.
func (r *Registry) DeleteThingType(req DeleteThingTypeRequest, now time.Time) error {
	tt, err := r.lookupType(req.ThingTypeName)
	if err != nil {
		return err
	}
	if !tt.deprecated {
		return invalid("Thing type %s must be deprecated before it can be deleted.", tt.name)
	}
	if wait := tt.deprecationDate.Add(ThingTypeDeleteDelay).Sub(norm(now)); wait > 0 {
		return invalid("Thing type %s was deprecated less than %v ago; it can be deleted in %v.", tt.name, ThingTypeDeleteDelay, wait)
	}
	if n := tt.things.len(); n > 0 {
		return invalid("Thing type %s cannot be deleted: %d things are still associated with it.", tt.name, n)
	}
	delete(r.types, tt.name)
	r.ch.record(thingTypeKey(tt.name))
	return nil
}
