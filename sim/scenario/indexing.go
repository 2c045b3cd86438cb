package scenario

import (
	"encoding/json"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetlab/fleetlab/index"
)

// customFieldPrefixes are where AWS lets custom fields live.
var customFieldPrefixes = []string{"attributes.", "shadow.desired.", "shadow.reported.", "shadow.name.", "deviceDefender."}

// indexing reads indexing: an AWS ThingIndexingConfiguration.
func (p *parser) indexing(n *yaml.Node) {
	sc, d := p.sc, p.d
	sc.Indexing.Config = index.Config{ThingIndexingMode: "OFF", ThingConnectivityIndexingMode: "OFF"}
	if n == nil {
		return
	}
	s := scope{where: "indexing"}
	sc.Indexing.Pos = d.pos(n)
	before := len(p.c.errs)
	f, ok := d.mapping(n, s, "indexing")
	if !ok {
		p.badIndexing = true
		return
	}
	mode := func(key string, allowed ...string) string {
		if !f.has(key) {
			return "OFF"
		}
		v, ok := d.enum(f.get(key), s.key(key), allowed...)
		if !ok {
			return ""
		}
		return v
	}
	thing := mode("thingIndexingMode", "OFF", "REGISTRY", "REGISTRY_AND_SHADOW")
	if !f.has("thingIndexingMode") {
		d.missing(f, s, "thingIndexingMode", "OFF, REGISTRY or REGISTRY_AND_SHADOW")
		thing = ""
	}
	conn := mode("thingConnectivityIndexingMode", "OFF", "STATUS")
	dd := mode("deviceDefenderIndexingMode", "OFF", "VIOLATIONS")
	named := mode("namedShadowIndexingMode", "OFF", "ON")
	if thing == "OFF" {
		for key, v := range map[string]string{"thingConnectivityIndexingMode": conn, "deviceDefenderIndexingMode": dd, "namedShadowIndexingMode": named} {
			if v != "OFF" && v != "" {
				d.errorf(f.get(key), s.key(key), "needs thingIndexingMode REGISTRY or REGISTRY_AND_SHADOW")
			}
		}
	}
	for _, key := range []string{"managedFields", "customFields"} {
		if !f.has(key) {
			continue
		}
		items, ok := d.seq(f.get(key), s.key(key), "fields {name, type}")
		if !ok {
			continue
		}
		for i, it := range items {
			p.indexingField(it, s.key(key).index(i), key == "customFields", thing)
		}
	}
	if n := f.get("filter"); n != nil {
		p.indexingFilter(n, s.key("filter"), named)
	}
	body, ok := d.toJSON(n, s)
	if !ok || len(p.c.errs) != before {
		p.badIndexing = true
		return
	}
	sc.Indexing.Body = body.(map[string]any)
	raw, err := json.Marshal(body)
	if err == nil {
		var cfg index.Config
		if cfg, err = index.ParseConfig(raw); err == nil {
			sc.Indexing.Config = cfg
			return
		}
	}
	d.errorf(n, s, "%v", err)
	p.badIndexing = true
}

func (p *parser) indexingField(n *yaml.Node, s scope, custom bool, thingMode string) {
	d := p.d
	f, ok := d.mapping(n, s, "indexingField")
	if !ok {
		return
	}
	if !f.has("name") || !f.has("type") {
		d.errorf(n, s, "expected {name, type}")
		return
	}
	name, ok := d.nonEmpty(f.get("name"), s.key("name"))
	d.enum(f.get("type"), s.key("type"), "Number", "String", "Boolean", "Version")
	if !ok || !custom {
		return
	}
	prefix := ""
	for _, pre := range customFieldPrefixes {
		if strings.HasPrefix(name, pre) && len(name) > len(pre) {
			prefix = pre
		}
	}
	switch {
	case prefix == "":
		d.errorf(f.get("name"), s.key("name"), "a custom field starts with one of %s, found %q", strings.Join(customFieldPrefixes, ", "), name)
	case strings.HasPrefix(prefix, "shadow.") && thingMode != "REGISTRY_AND_SHADOW" && thingMode != "":
		d.errorf(f.get("name"), s.key("name"), "custom field %s needs thingIndexingMode REGISTRY_AND_SHADOW", name)
	}
}

func (p *parser) indexingFilter(n *yaml.Node, s scope, named string) {
	d := p.d
	f, ok := d.mapping(n, s, "indexingFilter")
	if !ok {
		return
	}
	if v := f.get("namedShadowNames"); v != nil {
		names, _ := d.strList(v, s.key("namedShadowNames"), "shadow names")
		if named == "OFF" && len(names) > 0 {
			d.warnf(v, s.key("namedShadowNames"), "has no effect while namedShadowIndexingMode is OFF")
		}
	}
	if v := f.get("geoLocations"); v != nil {
		items, _ := d.seq(v, s.key("geoLocations"), "{name, order}")
		for i, it := range items {
			g, ok := d.mapping(it, s.key("geoLocations").index(i), "geoLocation")
			if !ok {
				continue
			}
			if !g.has("name") {
				d.missing(g, s.key("geoLocations").index(i), "name", "the field holding the location")
			} else {
				d.nonEmpty(g.get("name"), s.key("geoLocations").index(i).key("name"))
			}
			if g.has("order") {
				d.enum(g.get("order"), s.key("geoLocations").index(i).key("order"), "LatLon", "LonLat")
			}
		}
	}
}

// fieldType returns the declared type of a custom field, "" if none.
func (i Indexing) fieldType(name string) index.FieldType {
	k := slices.IndexFunc(i.Config.CustomFields, func(f index.Field) bool { return f.Name == name })
	if k < 0 {
		return ""
	}
	return i.Config.CustomFields[k].Type
}
