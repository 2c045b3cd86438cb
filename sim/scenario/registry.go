package scenario

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// namePattern is AWS's pattern for thing, thing type and group names.
const namePattern = `[a-zA-Z0-9:_-]+`

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':' || r == '_' || r == '-'
}

// awsName reads a name that must match pattern (given by its runes) and be
// at most max characters long.
func (d *decoder) awsName(n *yaml.Node, s scope, ok func(rune) bool, pattern string, max int) (string, bool) {
	v, good := d.nonEmpty(n, s)
	if !good {
		return "", false
	}
	if len([]rune(v)) > max || strings.IndexFunc(v, func(r rune) bool { return !ok(r) }) >= 0 {
		d.errorf(n, s, "%q must match %s and have at most %d characters", v, pattern, max)
		return v, false
	}
	return v, true
}

func (p *parser) thingTypes(n *yaml.Node) {
	if n == nil {
		return
	}
	d, sc := p.d, p.sc
	p.types = map[string]*ThingType{}
	items, ok := d.seq(n, scope{path: "thingTypes"}, "thing types {thingTypeName, searchableAttributes}")
	if !ok {
		return
	}
	sc.ThingTypes = make([]ThingType, 0, len(items))
	for i, it := range items {
		s := scope{path: fmt.Sprintf("thingTypes[%d]", i)}
		f, ok := d.mapping(it, s, "thingType")
		if !ok {
			continue
		}
		t := ThingType{Pos: d.pos(it)}
		if !f.has("thingTypeName") {
			d.missing(f, s, "thingTypeName", "the thing type's name")
			continue
		}
		name, ok := d.awsName(f.get("thingTypeName"), s.key("thingTypeName"), nameRune, namePattern, 128)
		if !ok {
			continue
		}
		s = scope{where: "thing type " + name}
		t.Name = name
		if v := f.get("description"); v != nil {
			t.Description, _ = d.str(v, s.key("description"))
		}
		if v := f.get("searchableAttributes"); v != nil {
			attrs, _ := d.strList(v, s.key("searchableAttributes"), "attribute names")
			if len(attrs) > registry.MaxSearchableAttributes {
				d.errorf(v, s.key("searchableAttributes"), "a thing type has at most %d searchable attributes, found %d", registry.MaxSearchableAttributes, len(attrs))
			}
			t.SearchableAttributes = attrs
		}
		if p.types[name] != nil {
			d.errorf(f.get("thingTypeName"), s, "defined twice (first at line %d)", p.types[name].Pos.Line)
			continue
		}
		sc.ThingTypes = append(sc.ThingTypes, t)
		p.types[name] = &sc.ThingTypes[len(sc.ThingTypes)-1]
	}
}

func (p *parser) thingGroups(n *yaml.Node) {
	p.groups = map[string]*ThingGroup{}
	if n == nil {
		return
	}
	d, sc := p.d, p.sc
	items, ok := d.seq(n, scope{path: "thingGroups"}, "thing groups {thingGroupName, queryString?}")
	if !ok {
		return
	}
	sc.ThingGroups = make([]ThingGroup, 0, len(items))
	for i, it := range items {
		s := scope{path: fmt.Sprintf("thingGroups[%d]", i)}
		f, ok := d.mapping(it, s, "thingGroup")
		if !ok {
			continue
		}
		g := ThingGroup{Pos: d.pos(it)}
		if !f.has("thingGroupName") {
			d.missing(f, s, "thingGroupName", "the group's name")
			continue
		}
		name, ok := d.awsName(f.get("thingGroupName"), s.key("thingGroupName"), nameRune, namePattern, 128)
		if !ok {
			continue
		}
		g.Name = name
		s = scope{where: "thing group " + name}
		if v := f.get("description"); v != nil {
			g.Description, _ = d.str(v, s.key("description"))
		}
		if v := f.get("attributes"); v != nil {
			g.Attributes = p.stringMap(v, s.key("attributes"))
		}
		if v := f.get("queryString"); v != nil {
			qs, q, ok := p.parseQuery(v, s.key("queryString"))
			g.QueryString, g.Query = qs, q
			if ok && !sc.Indexing.On() && !p.badIndexing {
				d.errorf(v, s.key("queryString"), "a dynamic group needs fleet indexing: set indexing.thingIndexingMode to REGISTRY or REGISTRY_AND_SHADOW")
			}
		}
		if v := f.get("parentGroupName"); v != nil {
			parent, ok := d.nonEmpty(v, s.key("parentGroupName"))
			switch pg := p.groups[parent]; {
			case !ok:
			case f.has("queryString"):
				d.errorf(v, s.key("parentGroupName"), "a dynamic group cannot have a parent")
			case pg == nil:
				d.errorf(v, s.key("parentGroupName"), "unknown group %q (a parent is defined before its children)%s", parent, p.groupList())
			case pg.Dynamic():
				d.errorf(v, s.key("parentGroupName"), "group %s is dynamic and cannot be a parent", parent)
			default:
				g.Parent = parent
			}
		}
		if prev := p.groups[name]; prev != nil {
			d.errorf(f.get("thingGroupName"), s, "defined twice (first at line %d)", prev.Pos.Line)
			continue
		}
		sc.ThingGroups = append(sc.ThingGroups, g)
		p.groups[name] = &sc.ThingGroups[len(sc.ThingGroups)-1]
	}
	// The map points into the slice: rebuild it now that appends are done.
	for i := range sc.ThingGroups {
		p.groups[sc.ThingGroups[i].Name] = &sc.ThingGroups[i]
	}
}

// groupList is " (defined: a, b)" for messages, or " (no thingGroups are defined)".
func (p *parser) groupList() string {
	if len(p.sc.ThingGroups) == 0 {
		return " (no thingGroups are defined)"
	}
	names := make([]string, len(p.sc.ThingGroups))
	for i, g := range p.sc.ThingGroups {
		names[i] = g.Name
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}

// stringMap reads a mapping of attribute names to constant values.
func (p *parser) stringMap(n *yaml.Node, s scope) map[string]string {
	d := p.d
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, s, "expected a mapping of names to values, found %s", describe(n))
		return nil
	}
	m := map[string]string{}
	for _, pr := range d.pairs(n, s) {
		v := deref(pr.v)
		if !d.attrName(pr.k, s, pr.key) {
			continue
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
			d.errorf(v, s.key(pr.key), "expected a string, found %s", describe(v))
			continue
		}
		if d.attrValue(v, s.key(pr.key), v.Value) {
			m[pr.key] = v.Value
		}
	}
	return m
}
