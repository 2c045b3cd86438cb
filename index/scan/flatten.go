package scan

import (
	"encoding/json"
	"fmt"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
)

// fields is a flattened document: every searchable field name with all its
// values. A field that is absent has no entry; the unsearchable version
// fields (registry.version, shadow.version, shadow.name.<n>.version,
// connectivity.version, deviceDefender.version) never get one.
type fields map[string][]value

func (f fields) add(name string, v value) { f[name] = append(f[name], v) }

// flatten turns a document into its searchable fields under opts.
func flatten(d *index.Document, opts Options) (fields, error) {
	f := fields{}
	flattenRegistry(f, d)
	if opts.Shadow {
		obj, ok, err := decodeObject(d.Shadow)
		if err != nil {
			return nil, fmt.Errorf("shadow: %w", err)
		}
		if ok {
			if err := flattenShadow(f, obj, opts); err != nil {
				return nil, fmt.Errorf("shadow: %w", err)
			}
		}
	}
	if opts.Connectivity && d.Connectivity != nil {
		flattenConnectivity(f, d.Connectivity)
	}
	if opts.DeviceDefender {
		obj, ok, err := decodeObject(d.DeviceDefender)
		if err != nil {
			return nil, fmt.Errorf("deviceDefender: %w", err)
		}
		if ok {
			for k, v := range obj {
				if k == "version" {
					continue // deviceDefender.version is not searchable (AWS managed field)
				}
				flattenJSON(f, "deviceDefender."+k, v)
			}
		}
	}
	return f, nil
}

// flattenRegistry adds the registry fields. The Go zero value stands for
// "absent" in index.Document, so empty names are not indexed; an attribute is
// present whenever its key is, even with an empty value.
func flattenRegistry(f fields, d *index.Document) {
	for _, kv := range [...]struct{ name, v string }{
		{"thingName", d.ThingName},
		{"thingId", d.ThingID},
		{"thingTypeName", d.ThingTypeName},
	} {
		if kv.v != "" {
			f.add(kv.name, stringValue(kv.v))
		}
	}
	for _, g := range d.ThingGroupNames {
		f.add("thingGroupNames", stringValue(g))
	}
	for k, v := range d.Attributes {
		name := "attributes." + k
		// Attributes are strings on AWS, but a numeric-looking one is also
		// a number: attributes.batch:[10 TO 20] must work, and so must
		// attributes.batch:"0012*" on the raw text.
		if n, ok := query.ParseNumber(v); ok {
			text := stringValue(v)
			text.numericText = true
			f.add(name, text)
			f.add(name, numberValue(n))
		} else {
			f.add(name, stringValue(v))
		}
	}
}

func flattenConnectivity(f fields, c *index.Connectivity) {
	f.add("connectivity.connected", boolValue(c.Connected))
	if c.Timestamp != 0 {
		f.add("connectivity.timestamp", numberValue(float64(c.Timestamp)))
	}
	if c.DisconnectReason != "" {
		f.add("connectivity.disconnectReason", stringValue(c.DisconnectReason))
	}
}

// flattenJSON indexes a decoded JSON value under name. Objects become dotted
// paths (a key that itself contains dots is simply part of the path, so
// {"a":{"b":1}} and {"a.b":1} index the same field); an array of scalars is
// a multi-valued field; an array holding any object or array is not indexed,
// as on AWS; null and empty objects index nothing.
func flattenJSON(f fields, name string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flattenJSON(f, name+"."+k, x)
		}
	case []any:
		for _, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				return
			}
		}
		for _, x := range v {
			flattenScalar(f, name, x)
		}
	default:
		flattenScalar(f, name, v)
	}
}

// flattenScalar indexes one JSON scalar. A JSON string is always a string,
// even "5": only registry attributes get the numeric reading. A number whose
// literal does not fit a float64 is not indexed (query.ParseNumber rejects
// it, so no query could reach it consistently).
func flattenScalar(f fields, name string, v any) {
	switch v := v.(type) {
	case string:
		f.add(name, stringValue(v))
	case json.Number:
		if n, ok := query.ParseNumber(string(v)); ok {
			f.add(name, numberValue(n))
		}
	case bool:
		f.add(name, boolValue(v))
	}
}
