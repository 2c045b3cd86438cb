package scenario

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

const (
	maxTemplateBody       = 10240 // characters, AWS's limit on templateBody
	defaultProvisionerArn = "arn:aws:iam::123456789012:role/FleetLabProvisioning"
)

func templateNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

var resourceTypes = []string{"AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::Policy"}

func (p *parser) provisioningTemplates(n *yaml.Node) {
	p.templates = map[string]*Template{}
	if n == nil {
		return
	}
	d, sc := p.d, p.sc
	items, ok := d.seq(n, scope{path: "provisioningTemplates"}, "templates {templateName, templateBody}")
	if !ok {
		return
	}
	sc.Templates = make([]Template, 0, len(items))
	for i, it := range items {
		s := scope{path: fmt.Sprintf("provisioningTemplates[%d]", i)}
		f, ok := d.mapping(it, s, "provisioningTemplate")
		if !ok {
			continue
		}
		t := Template{Type: "FLEET_PROVISIONING", Enabled: true, ProvisioningRoleArn: defaultProvisionerArn, Pos: d.pos(it)}
		if !f.has("templateName") {
			d.missing(f, s, "templateName", "the template's name")
			continue
		}
		name, ok := d.awsName(f.get("templateName"), s.key("templateName"), templateNameRune, "[0-9A-Za-z_-]+", 36)
		if !ok {
			continue
		}
		t.Name = name
		s = scope{where: "provisioning template " + name}
		if v := f.get("description"); v != nil {
			t.Description, _ = d.str(v, s.key("description"))
		}
		if v := f.get("type"); v != nil {
			t.Type, _ = d.enum(v, s.key("type"), "FLEET_PROVISIONING", "JITP")
		}
		if v := f.get("enabled"); v != nil {
			t.Enabled, _ = d.boolean(v, s.key("enabled"))
		}
		if v := f.get("provisioningRoleArn"); v != nil {
			t.ProvisioningRoleArn, _ = d.nonEmpty(v, s.key("provisioningRoleArn"))
		}
		if v := f.get("templateBody"); v != nil {
			p.templateBody(&t, v, s.key("templateBody"))
		} else {
			d.missing(f, s, "templateBody", "the template as a mapping, a JSON string or {file: path}")
		}
		if v := f.get("safeguards"); v != nil {
			p.safeguards(&t, v, s.key("safeguards"))
		}
		if prev := p.templates[name]; prev != nil {
			d.errorf(f.get("templateName"), s, "defined twice (first at line %d)", prev.Pos.Line)
			continue
		}
		sc.Templates = append(sc.Templates, t)
		p.templates[name] = &sc.Templates[len(sc.Templates)-1]
	}
}

// templateBody reads a template body: inline YAML, a JSON string, or
// {file: path} naming a JSON file.
func (p *parser) templateBody(t *Template, n *yaml.Node, s scope) {
	d := p.d
	var root *yaml.Node
	bd := d
	switch v := deref(n); {
	case v.Kind == yaml.MappingNode && len(v.Content) == 2 && deref(v.Content[0]).Value == "file":
		raw, r, fd, ok := p.include(v, s)
		if !ok {
			return
		}
		t.Body, t.File, root, bd = raw, fd.file, r, fd
		s = scope{where: "provisioning template " + t.Name}
	case v.Kind == yaml.MappingNode:
		j, ok := d.toJSON(v, s)
		if !ok {
			return
		}
		t.Body, _ = json.Marshal(j)
		root = v
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
		r, jerr := jsonTree([]byte(v.Value))
		if jerr != nil {
			d.errorf(v, s, "%s (at %d:%d of the string)", jerr.Msg, jerr.Line, jerr.Col)
			return
		}
		atNode(r, v) // problems inside the string point at the string
		t.Body, root = json.RawMessage(v.Value), r
	default:
		d.errorf(n, s, "expected the template as a mapping, a JSON string or {file: path}, found %s", describe(n))
		return
	}
	if c := utf8.RuneCount(t.Body); c > maxTemplateBody {
		d.errorf(n, s, "the template has %d characters; AWS takes at most %d", c, maxTemplateBody)
	}
	bd.checkTemplate(t, root, s)
}

// atNode moves every node of tree to n's position.
func atNode(tree, n *yaml.Node) {
	tree.Line, tree.Column = n.Line, n.Column
	for _, c := range tree.Content {
		atNode(c, n)
	}
}

// checkTemplate checks the structure AWS gives a provisioning template and
// collects its parameters and resources.
func (d *decoder) checkTemplate(t *Template, n *yaml.Node, s scope) {
	f, ok := d.mapping(n, s, "templateBody")
	if !ok {
		return
	}
	declared := map[string]bool{}
	if v := f.get("Parameters"); v != nil {
		ps := s.key("Parameters")
		if m := deref(v); m.Kind != yaml.MappingNode {
			d.errorf(v, ps, "expected a mapping of parameter names to {Type: String, Default?}, found %s", describe(v))
		} else {
			for _, pr := range d.pairs(m, ps) {
				declared[pr.key] = true
				g, ok := d.mapping(pr.v, ps.key(pr.key), "templateParameter")
				if !ok {
					continue
				}
				tp := TemplateParameter{Name: pr.key}
				if !g.has("Type") {
					d.missing(g, ps.key(pr.key), "Type", "String")
				} else {
					d.enum(g.get("Type"), ps.key(pr.key).key("Type"), "String")
				}
				if dv := g.get("Default"); dv != nil {
					tp.Default, tp.HasDefault = d.str(dv, ps.key(pr.key).key("Default"))
				}
				t.Parameters = append(t.Parameters, tp)
			}
		}
	}
	slices.SortFunc(t.Parameters, func(a, b TemplateParameter) int { return strings.Compare(a.Name, b.Name) })
	for _, k := range []string{"Mappings", "DeviceConfiguration"} {
		if v := f.get(k); v != nil {
			if deref(v).Kind != yaml.MappingNode {
				d.errorf(v, s.key(k), "expected a mapping, found %s", describe(v))
			} else {
				d.toJSON(v, s.key(k))
			}
		}
	}
	v := f.get("Resources")
	if v == nil {
		d.missing(f, s, "Resources", "the thing, certificate and policy to create")
		return
	}
	rs := s.key("Resources")
	m := deref(v)
	if m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		d.errorf(v, rs, "expected a mapping of logical names to resources {Type, Properties}, found %s", describe(v))
		return
	}
	t.Resources = map[string]string{}
	for _, pr := range d.pairs(m, rs) {
		g, ok := d.mapping(pr.v, rs.key(pr.key), "templateResource")
		if !ok {
			continue
		}
		if !g.has("Type") {
			d.missing(g, rs.key(pr.key), "Type", strings.Join(resourceTypes, ", "))
		} else if typ, ok := d.enum(g.get("Type"), rs.key(pr.key).key("Type"), resourceTypes...); ok {
			t.Resources[pr.key] = typ
		}
		for _, k := range []string{"Properties", "OverrideSettings"} {
			if pv := g.get(k); pv != nil && deref(pv).Kind != yaml.MappingNode {
				d.errorf(pv, rs.key(pr.key).key(k), "expected a mapping, found %s", describe(pv))
			}
		}
		if pv := g.get("Properties"); pv != nil {
			d.checkRefs(pv, rs.key(pr.key).key("Properties"), declared)
		}
	}
}

// checkRefs reports {"Ref": name} to parameters the template does not
// declare (AWS's pseudo parameters, AWS::..., excepted).
func (d *decoder) checkRefs(n *yaml.Node, s scope, declared map[string]bool) {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 2 && deref(n.Content[0]).Value == "Ref" {
			ref := deref(n.Content[1])
			if ref.Kind == yaml.ScalarNode && !declared[ref.Value] && !strings.HasPrefix(ref.Value, "AWS::") {
				d.errorf(ref, s, "Ref to %q, which Parameters does not declare", ref.Value)
			}
			return
		}
		for i := 1; i < len(n.Content); i += 2 {
			d.checkRefs(n.Content[i], s.key(deref(n.Content[i-1]).Value), declared)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.checkRefs(c, s.index(i), declared)
		}
	}
}
