package template

import (
	"encoding/json"
	"slices"
	"strings"
)

// Resource types.
const (
	TypeThing       = "AWS::IoT::Thing"
	TypeCertificate = "AWS::IoT::Certificate"
	TypePolicy      = "AWS::IoT::Policy"
)

// resource is a compiled entry of Resources.
type resource interface {
	evaluate(s *scope, r *Result) error
}

// keysIn reports every key of the object n that is not in allowed.
func (c *compiler) keysIn(path string, n *node, allowed ...string) {
	for _, k := range n.keys {
		if !slices.Contains(allowed, k) {
			c.probs.add(joinPath(path, k), "unknown property (allowed: %s)", strings.Join(allowed, ", "))
		}
	}
}

// resource compiles one entry of Resources.
func (c *compiler) resource(path, logical string, n *node) resource {
	if n.kind != kindObject {
		c.probs.add(path, "a resource must be an object, got %s", n.kind)
		return nil
	}
	for _, k := range n.keys {
		switch k {
		case "Type", "Properties", "OverrideSettings":
		case "Condition":
			c.probs.add(joinPath(path, k), "conditions are not supported in provisioning templates")
		default:
			c.probs.add(joinPath(path, k), "unknown resource key (allowed: Type, Properties, OverrideSettings)")
		}
	}
	typ := n.get("Type")
	if typ == nil || typ.kind != kindString {
		c.probs.add(joinPath(path, "Type"), "required string: %s, %s or %s", TypeThing, TypeCertificate, TypePolicy)
		return nil
	}
	props := n.get("Properties")
	propsPath := joinPath(path, "Properties")
	if props == nil {
		props = &node{kind: kindObject}
	} else if props.kind != kindObject {
		c.probs.add(propsPath, "must be an object, got %s", props.kind)
		return nil
	}
	overrides := n.get("OverrideSettings")
	overridesPath := joinPath(path, "OverrideSettings")
	if overrides != nil && overrides.kind != kindObject {
		c.probs.add(overridesPath, "must be an object, got %s", overrides.kind)
		overrides = nil
	}
	switch typ.text {
	case TypeThing:
		return c.thing(propsPath, overridesPath, logical, props, overrides)
	case TypeCertificate:
		return c.certificate(propsPath, overridesPath, logical, props, overrides)
	case TypePolicy:
		if overrides != nil {
			c.probs.add(overridesPath, "%s has no OverrideSettings", TypePolicy)
		}
		return c.policy(propsPath, logical, props)
	}
	c.probs.add(joinPath(path, "Type"), "unsupported resource type %q (allowed: %s, %s, %s)", typ.text, TypeThing, TypeCertificate, TypePolicy)
	return nil
}

// override compiles one OverrideSettings value.
func (c *compiler) override(path string, n *node, mergeAllowed bool) Override {
	allowed := "DO_NOTHING, REPLACE, FAIL"
	if mergeAllowed {
		allowed += ", MERGE"
	}
	if n.kind != kindString {
		c.probs.add(path, "expected one of %s, got %s", allowed, n.kind)
		return ""
	}
	switch o := Override(n.text); o {
	case DoNothing, Replace, Fail:
		return o
	case Merge:
		if mergeAllowed {
			return o
		}
		c.probs.add(path, "MERGE is only valid for AttributePayload and ThingGroups")
		return ""
	}
	c.probs.add(path, "unknown override %q (allowed: %s)", n.text, allowed)
	return ""
}

type thingResource struct {
	logical                      string
	name, typeName, billingGroup stringExpr // nil when absent, except name
	attrKeys                     []string
	attrVals                     []stringExpr
	hasAttrs                     bool
	groups                       listExpr
	overrides                    ThingOverrides
}

func (c *compiler) thing(path, overridesPath, logical string, props, overrides *node) resource {
	c.keysIn(path, props, "ThingName", "AttributePayload", "ThingTypeName", "ThingGroups", "BillingGroup")
	t := &thingResource{logical: logical}
	if n := props.get("ThingName"); n != nil {
		t.name = c.stringValue(joinPath(path, "ThingName"), n)
	} else {
		c.probs.add(joinPath(path, "ThingName"), "required")
	}
	if n := props.get("ThingTypeName"); n != nil {
		t.typeName = c.stringValue(joinPath(path, "ThingTypeName"), n)
	}
	if n := props.get("BillingGroup"); n != nil {
		t.billingGroup = c.stringValue(joinPath(path, "BillingGroup"), n)
	}
	if n := props.get("ThingGroups"); n != nil {
		t.groups = c.listValue(joinPath(path, "ThingGroups"), n)
	}
	if n := props.get("AttributePayload"); n != nil {
		attrPath := joinPath(path, "AttributePayload")
		if n.kind != kindObject || looksLikeCall(n) {
			c.probs.add(attrPath, "must be an object of attribute names to values")
		} else {
			t.hasAttrs = true
			t.attrKeys = n.keys
			t.attrVals = make([]stringExpr, len(n.elems))
			for i, v := range n.elems {
				t.attrVals[i] = c.stringValue(joinPath(attrPath, n.keys[i]), v)
			}
		}
	}
	if overrides != nil {
		for i, k := range overrides.keys {
			p := joinPath(overridesPath, k)
			v := overrides.elems[i]
			switch k {
			case "AttributePayload", "ATTRIBUTE_PAYLOAD":
				t.overrides.AttributePayload = c.override(p, v, true)
			case "ThingTypeName", "THING_TYPE_NAME":
				t.overrides.ThingTypeName = c.override(p, v, false)
			case "ThingGroups", "THING_GROUPS":
				t.overrides.ThingGroups = c.override(p, v, true)
			default:
				c.probs.add(p, "unknown override setting (allowed: AttributePayload, ThingTypeName, ThingGroups)")
			}
		}
	}
	return t
}

func (t *thingResource) evaluate(s *scope, r *Result) error {
	out := &Thing{LogicalName: t.logical, Overrides: t.overrides}
	var err error
	if out.ThingName, err = t.name.evalString(s); err != nil {
		return err
	}
	if t.typeName != nil {
		if out.ThingTypeName, err = t.typeName.evalString(s); err != nil {
			return err
		}
	}
	if t.hasAttrs {
		out.Attributes = make(map[string]string, len(t.attrKeys))
		for i, k := range t.attrKeys {
			if out.Attributes[k], err = t.attrVals[i].evalString(s); err != nil {
				return err
			}
		}
	}
	if t.groups != nil {
		if out.ThingGroups, err = t.groups.evalList(s); err != nil {
			return err
		}
	}
	if t.billingGroup != nil {
		if out.BillingGroup, err = t.billingGroup.evalString(s); err != nil {
			return err
		}
	}
	r.Thing = out
	return nil
}

type certificateResource struct {
	logical   string
	source    CertificateSource
	value     stringExpr
	caPem     stringExpr // nil when absent
	status    stringExpr // nil: ACTIVE
	path      string     // of Status, for evaluation failures
	overrides CertificateOverrides
}

func (c *compiler) certificate(path, overridesPath, logical string, props, overrides *node) resource {
	c.keysIn(path, props, string(SourceCSR), string(SourceCertificateID), string(SourcePEM), "CACertificatePem", "Status")
	cr := &certificateResource{logical: logical, path: joinPath(path, "Status")}
	var sources []CertificateSource
	for _, src := range []CertificateSource{SourceCSR, SourceCertificateID, SourcePEM} {
		if n := props.get(string(src)); n != nil {
			sources = append(sources, src)
			cr.source = src
			cr.value = c.stringValue(joinPath(path, string(src)), n)
		}
	}
	if len(sources) != 1 {
		c.probs.add(path, "exactly one of CertificateSigningRequest, CertificateId or CertificatePem is required, got %d", len(sources))
	}
	if n := props.get("CACertificatePem"); n != nil {
		if cr.source != SourcePEM {
			c.probs.add(joinPath(path, "CACertificatePem"), "only valid with CertificatePem")
		}
		cr.caPem = c.stringValue(joinPath(path, "CACertificatePem"), n)
	}
	if n := props.get("Status"); n != nil {
		cr.status = c.stringValue(cr.path, n)
		if lit, ok := cr.status.(literal); ok {
			if _, ok := normaliseStatus(string(lit)); !ok {
				c.probs.add(cr.path, "unknown status %q (allowed: ACTIVE, INACTIVE)", string(lit))
			}
		}
	}
	if overrides != nil {
		for i, k := range overrides.keys {
			p := joinPath(overridesPath, k)
			if k != "Status" {
				c.probs.add(p, "unknown override setting (allowed: Status)")
				continue
			}
			cr.overrides.Status = c.override(p, overrides.elems[i], false)
		}
	}
	return cr
}

// normaliseStatus accepts a status in any case; the AWS examples write
// "Active".
func normaliseStatus(s string) (string, bool) {
	switch {
	case strings.EqualFold(s, StatusActive):
		return StatusActive, true
	case strings.EqualFold(s, StatusInactive):
		return StatusInactive, true
	}
	return "", false
}

func (cr *certificateResource) evaluate(s *scope, r *Result) error {
	out := &Certificate{LogicalName: cr.logical, Source: cr.source, Status: StatusActive, Overrides: cr.overrides}
	var err error
	if out.Value, err = cr.value.evalString(s); err != nil {
		return err
	}
	if cr.caPem != nil {
		if out.CACertificatePem, err = cr.caPem.evalString(s); err != nil {
			return err
		}
	}
	if cr.status != nil {
		v, err := cr.status.evalString(s)
		if err != nil {
			return err
		}
		var ok bool
		if out.Status, ok = normaliseStatus(v); !ok {
			return evalFailure(cr.path, "unknown certificate status %q (allowed: ACTIVE, INACTIVE)", v)
		}
	}
	r.Certificate = out
	return nil
}

type policyResource struct {
	logical string
	name    stringExpr // nil: named by the document's hash
	text    stringExpr // PolicyDocument given as a string
	inline  jsonValue  // PolicyDocument given as an object
	// constDoc and constName are computed at parse time for an inline
	// document without intrinsics, the common case.
	constant            bool
	constDoc, constName string
}

func (c *compiler) policy(path, logical string, props *node) resource {
	c.keysIn(path, props, "PolicyName", "PolicyDocument")
	p := &policyResource{logical: logical}
	nameNode, docNode := props.get("PolicyName"), props.get("PolicyDocument")
	if (nameNode == nil) == (docNode == nil) {
		c.probs.add(path, "exactly one of PolicyName or PolicyDocument is required")
		return p
	}
	if nameNode != nil {
		p.name = c.stringValue(joinPath(path, "PolicyName"), nameNode)
		return p
	}
	docPath := joinPath(path, "PolicyDocument")
	if docNode.kind != kindObject || looksLikeCall(docNode) {
		p.text = c.stringValue(docPath, docNode)
		if lit, ok := p.text.(literal); ok {
			if !json.Valid([]byte(lit)) {
				c.probs.add(docPath, "policy document is not valid JSON")
			}
			p.constant, p.constDoc, p.constName = true, string(lit), policyNameFor(string(lit))
		}
		return p
	}
	p.inline = c.jsonValueOf(docPath, docNode)
	if p.inline != nil && isConstant(p.inline) {
		doc, _ := p.inline.appendJSON(nil, nil) // constants never fail
		p.constant, p.constDoc, p.constName = true, string(doc), policyNameFor(string(doc))
	}
	return p
}

func (p *policyResource) evaluate(s *scope, r *Result) error {
	out := Policy{LogicalName: p.logical}
	switch {
	case p.name != nil:
		v, err := p.name.evalString(s)
		if err != nil {
			return err
		}
		out.PolicyName = v
	case p.constant:
		out.PolicyName, out.PolicyDocument = p.constName, p.constDoc
	case p.text != nil:
		v, err := p.text.evalString(s)
		if err != nil {
			return err
		}
		out.PolicyName, out.PolicyDocument = policyNameFor(v), v
	default:
		doc, err := p.inline.appendJSON(nil, s)
		if err != nil {
			return err
		}
		out.PolicyDocument = string(doc)
		out.PolicyName = policyNameFor(out.PolicyDocument)
	}
	r.Policies = append(r.Policies, out)
	return nil
}
