package registry

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// This file holds the nested AWS shapes shared by several operations
// (botocore iot 2015-05-28). Member names are the model's; JSON tags are the
// wire names.

// Timestamp is an AWS rest-json timestamp: a JSON number of epoch seconds
// with up to three decimals (1700000000.123). The zero Timestamp is omitted
// by fields tagged omitzero.
type Timestamp struct{ time.Time }

// MarshalJSON writes epoch seconds, millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	var b []byte
	if ms < 0 {
		b, ms = append(b, '-'), -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		b = bytes.TrimRight(fmt.Appendf(b, ".%03d", frac), "0")
	}
	return b, nil
}

// UnmarshalJSON reads epoch seconds (a JSON number, fractions allowed).
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s: not epoch seconds", b)
	}
	sec := math.Floor(f)
	ms := math.Round((f - sec) * 1000)
	t.Time = time.UnixMilli(int64(sec)*1000 + int64(ms)).UTC()
	return nil
}

func stamp(t time.Time) Timestamp { return Timestamp{t} }

// AttributePayload is a set of attributes and, on UpdateThing and
// UpdateThingGroup, whether they merge into the stored ones. A nil
// Attributes map means "not given"; an empty one means "no attributes".
type AttributePayload struct {
	Attributes map[string]string `json:"attributes,omitempty"`
	Merge      bool              `json:"merge,omitempty"`
}

// Tag is a resource tag. Its members are PascalCase on the wire.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// GroupNameAndArn names a thing group or a billing group.
type GroupNameAndArn struct {
	GroupName string `json:"groupName"`
	GroupArn  string `json:"groupArn"`
}

// ThingAttribute is one ListThings item.
type ThingAttribute struct {
	ThingName     string            `json:"thingName"`
	ThingTypeName string            `json:"thingTypeName,omitempty"`
	ThingArn      string            `json:"thingArn"`
	Attributes    map[string]string `json:"attributes"`
	Version       int64             `json:"version"`
}

// ThingTypeProperties describes a thing type.
type ThingTypeProperties struct {
	ThingTypeDescription string              `json:"thingTypeDescription,omitempty"`
	SearchableAttributes []string            `json:"searchableAttributes,omitempty"`
	Mqtt5Configuration   *Mqtt5Configuration `json:"mqtt5Configuration,omitempty"`
}

// Mqtt5Configuration lists the attributes propagated as MQTT 5 user
// properties.
type Mqtt5Configuration struct {
	PropagatingAttributes []PropagatingAttribute `json:"propagatingAttributes,omitempty"`
}

// PropagatingAttribute maps a thing or connection attribute to an MQTT 5
// user property.
type PropagatingAttribute struct {
	UserPropertyKey     string `json:"userPropertyKey,omitempty"`
	ThingAttribute      string `json:"thingAttribute,omitempty"`
	ConnectionAttribute string `json:"connectionAttribute,omitempty"`
}

// ThingTypeMetadata is a thing type's deprecation state and creation date.
type ThingTypeMetadata struct {
	Deprecated      bool      `json:"deprecated"`
	DeprecationDate Timestamp `json:"deprecationDate,omitzero"`
	CreationDate    Timestamp `json:"creationDate,omitzero"`
}

// ThingTypeDefinition is one ListThingTypes item.
type ThingTypeDefinition struct {
	ThingTypeName       string              `json:"thingTypeName"`
	ThingTypeArn        string              `json:"thingTypeArn"`
	ThingTypeProperties ThingTypeProperties `json:"thingTypeProperties"`
	ThingTypeMetadata   ThingTypeMetadata   `json:"thingTypeMetadata"`
}

// ThingGroupProperties are a thing group's description and attributes. In
// an update a nil member keeps the stored value; a description of "" clears
// it.
type ThingGroupProperties struct {
	ThingGroupDescription *string           `json:"thingGroupDescription,omitempty"`
	AttributePayload      *AttributePayload `json:"attributePayload,omitempty"`
}

// ThingGroupMetadata is a thing group's place in its hierarchy.
type ThingGroupMetadata struct {
	ParentGroupName         string            `json:"parentGroupName,omitempty"`
	RootToParentThingGroups []GroupNameAndArn `json:"rootToParentThingGroups,omitempty"`
	CreationDate            Timestamp         `json:"creationDate,omitzero"`
}

// BillingGroupProperties is a billing group's description. In an update a
// nil description keeps the stored one; "" clears it.
type BillingGroupProperties struct {
	BillingGroupDescription *string `json:"billingGroupDescription,omitempty"`
}

// BillingGroupMetadata is a billing group's creation date.
type BillingGroupMetadata struct {
	CreationDate Timestamp `json:"creationDate,omitzero"`
}

// Dynamic thing group statuses (DynamicGroupStatus).
const (
	StatusActive     = "ACTIVE"
	StatusBuilding   = "BUILDING"
	StatusRebuilding = "REBUILDING"
)
