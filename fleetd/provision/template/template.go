package template

import (
	"unicode/utf8"
)

// MaxBodyChars is the longest template body AWS accepts (templateBody,
// counted in characters).
const MaxBodyChars = 10240

// Template is a parsed, validated provisioning template. It is immutable:
// Evaluate may be called from several goroutines at once.
type Template struct {
	params       []Parameter
	paramIndex   map[string]int
	mappings     map[string]map[string]map[string]string
	resources    []resource
	certificate  *certificateResource // nil without a certificate resource
	configKeys   []string
	configValues []stringExpr
	hasMappings  bool
	hasConfig    bool
	refs         map[string]bool // the parameters References reports
}

// Parameter is a declared template parameter. All are of Type String.
type Parameter struct {
	Name       string
	Default    string
	HasDefault bool
}

// Parameters returns the declared parameters in template order.
func (t *Template) Parameters() []Parameter {
	out := make([]Parameter, len(t.params))
	copy(out, t.params)
	return out
}

// Parse decodes and validates a template body. It reports every problem
// it finds as one *InvalidTemplateError (an InvalidRequestException);
// only malformed JSON stops validation early.
func Parse(body []byte) (*Template, error) {
	var probs problems
	if n := utf8.RuneCount(body); n > MaxBodyChars {
		probs.add("", "template body is %d characters, more than the limit of %d", n, MaxBodyChars)
		return nil, probs.err()
	}
	root, err := decodeTree(body, &probs)
	if err != nil {
		probs.add("", "%v", err)
		return nil, probs.err()
	}
	if root.kind != kindObject {
		probs.add("", "a template must be a JSON object, got %s", root.kind)
		return nil, probs.err()
	}
	c := &compiler{probs: probs, params: map[string]int{}, mappings: map[string]map[string]map[string]string{}, refs: map[string]bool{}}
	t := &Template{}
	for _, k := range root.keys {
		switch k {
		case "Parameters", "Mappings", "Resources", "DeviceConfiguration":
		case "Conditions":
			c.probs.add(k, "conditions are not supported: provisioning templates document only Parameters, Mappings, Resources and DeviceConfiguration")
		default:
			c.probs.add(k, "unknown section (allowed: Parameters, Mappings, Resources, DeviceConfiguration)")
		}
	}
	// Parameters and Mappings first: expressions are checked against them.
	if n := root.get("Parameters"); n != nil {
		t.params = c.parameters("Parameters", n)
	}
	t.paramIndex = c.params
	if n := root.get("Mappings"); n != nil {
		t.hasMappings = true
		c.mappingsSection("Mappings", n)
	}
	t.mappings = c.mappings
	if n := root.get("Resources"); n != nil {
		c.resourcesSection(t, "Resources", n)
	} else {
		c.probs.add("Resources", "required")
	}
	if n := root.get("DeviceConfiguration"); n != nil {
		t.hasConfig = true
		c.deviceConfiguration(t, "DeviceConfiguration", n)
	}
	if err := c.probs.err(); err != nil {
		return nil, err
	}
	t.refs = c.refs
	return t, nil
}

// References reports whether the template reads a parameter (declared or
// pseudo) anywhere: a caller can skip working out a value nobody reads.
func (t *Template) References(name string) bool { return t.refs[name] }

func (c *compiler) parameters(path string, n *node) []Parameter {
	if n.kind != kindObject {
		c.probs.add(path, "must be an object, got %s", n.kind)
		return nil
	}
	params := make([]Parameter, 0, len(n.keys))
	for i, name := range n.keys {
		p := joinPath(path, name)
		decl := n.elems[i]
		if name == "" {
			c.probs.add(path, "parameter names must not be empty")
			continue
		}
		if decl.kind != kindObject {
			c.probs.add(p, `a parameter must be an object such as {"Type": "String"}, got %s`, decl.kind)
			continue
		}
		c.keysIn(p, decl, "Type", "Default")
		param := Parameter{Name: name}
		switch typ := decl.get("Type"); {
		case typ == nil:
			c.probs.add(joinPath(p, "Type"), `required: "String"`)
		case typ.kind != kindString || typ.text != "String":
			c.probs.add(joinPath(p, "Type"), `only "String" is supported`)
		}
		if def := decl.get("Default"); def != nil {
			if def.kind != kindString {
				c.probs.add(joinPath(p, "Default"), "must be a string, got %s", def.kind)
			}
			param.Default, param.HasDefault = def.text, true
		}
		if _, dup := c.params[name]; !dup {
			c.params[name] = len(params)
			params = append(params, param)
		}
	}
	return params
}

// mappingsSection reads Mappings: map → top key → second key → string,
// with no intrinsic functions anywhere.
func (c *compiler) mappingsSection(path string, n *node) {
	if n.kind != kindObject {
		c.probs.add(path, "must be an object, got %s", n.kind)
		return
	}
	for i, name := range n.keys {
		mp := joinPath(path, name)
		top := n.elems[i]
		if top.kind != kindObject || looksLikeCall(top) {
			c.probs.add(mp, "a mapping must be an object of top-level keys (no intrinsic functions in Mappings)")
			continue
		}
		m := map[string]map[string]string{}
		for j, topKey := range top.keys {
			tp := joinPath(mp, topKey)
			second := top.elems[j]
			if second.kind != kindObject || looksLikeCall(second) {
				c.probs.add(tp, "must be an object of second-level keys to strings (no intrinsic functions in Mappings)")
				continue
			}
			inner := map[string]string{}
			for k, secondKey := range second.keys {
				v := second.elems[k]
				if v.kind != kindString {
					c.probs.add(joinPath(tp, secondKey), "mapping values must be strings (no intrinsic functions in Mappings), got %s", v.kind)
					continue
				}
				inner[secondKey] = v.text
			}
			m[topKey] = inner
		}
		c.mappings[name] = m
	}
}

func (c *compiler) resourcesSection(t *Template, path string, n *node) {
	if n.kind != kindObject {
		c.probs.add(path, "must be an object of logical names to resources, got %s", n.kind)
		return
	}
	if len(n.keys) == 0 {
		c.probs.add(path, "at least one resource is required")
	}
	var things, certs int
	for i, logical := range n.keys {
		p := joinPath(path, logical)
		r := c.resource(p, logical, n.elems[i])
		switch r := r.(type) {
		case *thingResource:
			if things++; things > 1 {
				c.probs.add(p, "a template declares at most one %s", TypeThing)
			}
		case *certificateResource:
			if certs++; certs > 1 {
				c.probs.add(p, "a template declares at most one %s", TypeCertificate)
			}
			t.certificate = r
		}
		if r != nil {
			t.resources = append(t.resources, r)
		}
	}
}

// deviceConfiguration reads the flat DeviceConfiguration map: every value
// evaluates to a string, nested objects are not supported.
func (c *compiler) deviceConfiguration(t *Template, path string, n *node) {
	if n.kind != kindObject || looksLikeCall(n) {
		c.probs.add(path, "must be a flat object of keys to strings")
		return
	}
	for i, k := range n.keys {
		v := n.elems[i]
		p := joinPath(path, k)
		if v.kind == kindObject && !looksLikeCall(v) {
			c.probs.add(p, "nested objects are not supported in DeviceConfiguration")
			continue
		}
		t.configKeys = append(t.configKeys, k)
		t.configValues = append(t.configValues, c.stringValue(p, v))
	}
}
