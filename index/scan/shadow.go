package scan

import (
	"fmt"
)

// A shadow document, after decodeObject, looks like
//
//	{"reported":{…},"desired":{…},"delta"?:{…},"metadata"?:{…},
//	 "hasDelta"?:bool,"version"?:N,"timestamp"?:T,
//	 "name"?:{"<shadow>":{the same keys}}}
//
// The classic shadow exists when the object has any key other than "name";
// a named shadow exists when it has a non-null entry under "name". Only the
// four sections and hasDelta are searchable; every other key is ignored.

var shadowSections = [...]string{"reported", "desired", "delta", "metadata"}

// flattenShadow indexes the classic shadow and the indexed named shadows.
func flattenShadow(f fields, obj map[string]any, opts Options) error {
	for k := range obj {
		if k != "name" {
			if err := flattenShadowDoc(f, "shadow", obj); err != nil {
				return err
			}
			break
		}
	}
	named, err := objectOrNil(obj, "name")
	if err != nil {
		return err
	}
	for n, sd := range named {
		if !opts.namedShadowIndexed(n) || sd == nil {
			continue
		}
		doc, ok := sd.(map[string]any)
		if !ok {
			return fmt.Errorf("name.%s: want a JSON object, got %s", n, jsonType(sd))
		}
		if err := flattenShadowDoc(f, "shadow.name."+n, doc); err != nil {
			return fmt.Errorf("name.%s: %w", n, err)
		}
	}
	return nil
}

// flattenShadowDoc indexes one shadow (classic or named) under prefix.
func flattenShadowDoc(f fields, prefix string, doc map[string]any) error {
	sec := map[string]map[string]any{}
	for _, s := range shadowSections {
		m, err := objectOrNil(doc, s)
		if err != nil {
			return err
		}
		sec[s] = m
	}
	// SearchIndex returns the delta when there is one; a shadow stored
	// without it (our own documents, fleetgen) gets the delta the shadow
	// service would have computed.
	if doc["delta"] == nil {
		sec["delta"] = computeDelta(sec["desired"], sec["reported"])
	}
	hasDelta := len(sec["delta"]) > 0
	switch h := doc["hasDelta"].(type) {
	case nil:
	case bool:
		hasDelta = h
	default:
		return fmt.Errorf("hasDelta: want a boolean, got %s", jsonType(h))
	}
	for _, s := range shadowSections {
		if m := sec[s]; m != nil {
			flattenJSON(f, prefix+"."+s, m)
		}
	}
	f.add(prefix+".hasDelta", boolValue(hasDelta))
	return nil
}

// computeDelta is the shadow service's delta: every desired key whose value
// reported lacks or holds differently, recursing where both sides are
// objects (and dropping objects that come out empty). Arrays compare whole.
func computeDelta(desired, reported map[string]any) map[string]any {
	delta := map[string]any{}
	for k, dv := range desired {
		rv, inReported := reported[k]
		dm, dIsObj := dv.(map[string]any)
		rm, rIsObj := rv.(map[string]any)
		switch {
		case dIsObj && rIsObj:
			if sub := computeDelta(dm, rm); len(sub) > 0 {
				delta[k] = sub
			}
		case !inReported || !jsonEqual(dv, rv):
			delta[k] = dv
		}
	}
	return delta
}

// objectOrNil returns obj[key] as an object; missing and null give nil.
func objectOrNil(obj map[string]any, key string) (map[string]any, error) {
	switch v := obj[key].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	default:
		return nil, fmt.Errorf("%s: want a JSON object, got %s", key, jsonType(v))
	}
}
