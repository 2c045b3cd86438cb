package index

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FieldType is the declared type of a custom field. AWS knows Number,
// String and Boolean; Version is FleetLab's extension: a string compared by
// semantic-version order in ranges and comparisons.
type FieldType string

const (
	TypeString  FieldType = "String"
	TypeNumber  FieldType = "Number"
	TypeBoolean FieldType = "Boolean"
	TypeVersion FieldType = "Version"
)

// Field is a field name with its type, as in the AWS Field shape.
type Field struct {
	Name string    `json:"name"`
	Type FieldType `json:"type"`
}

// Config is the part of a ThingIndexingConfiguration the index needs. The
// zero value indexes the registry only.
type Config struct {
	ThingIndexingMode             string  `json:"thingIndexingMode,omitempty"`             // OFF | REGISTRY | REGISTRY_AND_SHADOW
	ThingConnectivityIndexingMode string  `json:"thingConnectivityIndexingMode,omitempty"` // OFF | STATUS
	DeviceDefenderIndexingMode    string  `json:"deviceDefenderIndexingMode,omitempty"`    // OFF | VIOLATIONS
	NamedShadowIndexingMode       string  `json:"namedShadowIndexingMode,omitempty"`       // OFF | ON
	ManagedFields                 []Field `json:"managedFields,omitempty"`
	CustomFields                  []Field `json:"customFields,omitempty"`
	Filter                        *struct {
		NamedShadowNames []string `json:"namedShadowNames,omitempty"`
	} `json:"filter,omitempty"`
}

// AllOn is a configuration with every data source indexed and every named
// shadow included; fleetbench uses it when no configuration is given.
func AllOn() Config {
	return Config{
		ThingIndexingMode:             "REGISTRY_AND_SHADOW",
		ThingConnectivityIndexingMode: "STATUS",
		DeviceDefenderIndexingMode:    "VIOLATIONS",
		NamedShadowIndexingMode:       "ON",
	}
}

// ParseConfig reads a ThingIndexingConfiguration, either bare or wrapped as
// in an UpdateIndexingConfiguration body ({"thingIndexingConfiguration":…}).
// Non-managed names in managedFields are taken as custom fields, because
// users paste GetIndexingConfiguration output that lists them there.
func ParseConfig(data []byte) (Config, error) {
	var wrapped struct {
		Thing *Config `json:"thingIndexingConfiguration"`
	}
	var c Config
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Thing != nil {
		c = *wrapped.Thing
	} else if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("indexing configuration: %w", err)
	}
	if err := c.normalize(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) normalize() error {
	for _, f := range c.ManagedFields {
		if _, ok := managedFieldTypes[f.Name]; !ok && !isManagedPattern(f.Name) {
			c.CustomFields = append(c.CustomFields, f)
		}
	}
	c.ManagedFields = nil
	for _, f := range c.CustomFields {
		switch f.Type {
		case TypeString, TypeNumber, TypeBoolean, TypeVersion:
		default:
			return fmt.Errorf("indexing configuration: custom field %q: type %q is not one of String, Number, Boolean, Version", f.Name, f.Type)
		}
		if _, ok := managedFieldTypes[f.Name]; ok {
			return fmt.Errorf("indexing configuration: %q is a managed field and cannot be a custom field", f.Name)
		}
	}
	return nil
}

// Validate checks the modes for values AWS accepts.
func (c Config) Validate() error {
	check := func(name, v string, allowed ...string) error {
		if v == "" {
			return nil
		}
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%s must be one of %s, not %q", name, strings.Join(allowed, ", "), v)
	}
	for _, err := range []error{
		check("thingIndexingMode", c.ThingIndexingMode, "OFF", "REGISTRY", "REGISTRY_AND_SHADOW"),
		check("thingConnectivityIndexingMode", c.ThingConnectivityIndexingMode, "OFF", "STATUS"),
		check("deviceDefenderIndexingMode", c.DeviceDefenderIndexingMode, "OFF", "VIOLATIONS"),
		check("namedShadowIndexingMode", c.NamedShadowIndexingMode, "OFF", "ON"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c Config) shadowOn() bool       { return c.ThingIndexingMode == "REGISTRY_AND_SHADOW" }
func (c Config) connectivityOn() bool { return c.ThingConnectivityIndexingMode == "STATUS" }
func (c Config) defenderOn() bool     { return c.DeviceDefenderIndexingMode == "VIOLATIONS" }

// namedShadowIncluded reports whether the named shadow is indexed: named
// shadow indexing on, and the name in the filter (no filter = all names).
func (c Config) namedShadowIncluded(name string) bool {
	if c.NamedShadowIndexingMode != "ON" {
		return false
	}
	if c.Filter == nil || c.Filter.NamedShadowNames == nil {
		return true
	}
	for _, n := range c.Filter.NamedShadowNames {
		if n == name {
			return true
		}
	}
	return false
}

// managedFieldTypes are AWS's managed fields with their types (spec §5.6).
var managedFieldTypes = map[string]FieldType{
	"thingId":                       TypeString,
	"thingName":                     TypeString,
	"thingTypeName":                 TypeString,
	"thingGroupNames":               TypeString,
	"registry.version":              TypeNumber,
	"registry.thingTypeName":        TypeString,
	"registry.thingGroupNames":      TypeString,
	"shadow.version":                TypeNumber,
	"shadow.hasDelta":               TypeBoolean,
	"connectivity.timestamp":        TypeNumber,
	"connectivity.version":          TypeNumber,
	"connectivity.connected":        TypeBoolean,
	"connectivity.disconnectReason": TypeString,
	"deviceDefender.violationCount": TypeNumber,
}

// isManagedPattern covers the managed fields with a shadow name or a
// security profile in them.
func isManagedPattern(name string) bool {
	if rest, ok := strings.CutPrefix(name, "shadow.name."); ok {
		return strings.HasSuffix(rest, ".version") || strings.HasSuffix(rest, ".hasDelta")
	}
	if rest, ok := strings.CutPrefix(name, "deviceDefender."); ok {
		for _, s := range []string{".metricName", ".lastViolationTime", ".lastViolationValue", ".inViolation"} {
			if strings.HasSuffix(rest, s) {
				return true
			}
		}
	}
	return false
}

// managedType returns the type of a managed field, if name is one.
func managedType(name string) (FieldType, bool) {
	if t, ok := managedFieldTypes[name]; ok {
		return t, true
	}
	if rest, ok := strings.CutPrefix(name, "shadow.name."); ok {
		switch {
		case strings.HasSuffix(rest, ".version"):
			return TypeNumber, true
		case strings.HasSuffix(rest, ".hasDelta"):
			return TypeBoolean, true
		}
	}
	if isManagedPattern(name) {
		switch {
		case strings.HasSuffix(name, ".lastViolationTime"):
			return TypeNumber, true
		case strings.HasSuffix(name, ".inViolation"):
			return TypeBoolean, true
		default:
			return TypeString, true
		}
	}
	return "", false
}

// unsearchable fields are returned and aggregatable but never match a query
// (AWS: "Shadow and registry versions are not searchable").
func unsearchable(field string) bool {
	switch field {
	case "registry.version", "shadow.version", "connectivity.version", "deviceDefender.version":
		return true
	}
	if rest, ok := strings.CutPrefix(field, "shadow.name."); ok {
		i := strings.IndexByte(rest, '.')
		return i >= 0 && rest[i+1:] == "version"
	}
	return false
}

// queryFieldAliases maps the managed names AWS uses in configuration to the
// names used in queries and documents.
var queryFieldAliases = map[string]string{
	"registry.thingTypeName":   "thingTypeName",
	"registry.thingGroupNames": "thingGroupNames",
}

// CanonicalField returns the name a query field is indexed under
// (registry.thingTypeName is thingTypeName).
func CanonicalField(f string) string { return canonicalField(f) }

// declaredType returns the type the configuration declares for a field:
// by its name, or for a named shadow's field by the shadow.name.*. pattern
// (customFields may name shadow.name.*.reported.x for every shadow).
func (ix *Index) declaredType(name string) (FieldType, bool) {
	if t, ok := ix.declared[name]; ok {
		return t, true
	}
	if rest, ok := strings.CutPrefix(name, "shadow.name."); ok {
		if _, field, ok := strings.Cut(rest, "."); ok {
			t, ok := ix.declared["shadow.name.*."+field]
			return t, ok
		}
	}
	return "", false
}

func canonicalField(f string) string {
	if a, ok := queryFieldAliases[f]; ok {
		return a
	}
	return f
}
