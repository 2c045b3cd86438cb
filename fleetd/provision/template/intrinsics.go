package template

import (
	"strconv"
	"strings"
)

// The documented intrinsic functions (spec §4.2).
const (
	fnRef       = "Ref"
	fnJoin      = "Fn::Join"
	fnSub       = "Fn::Sub"
	fnSplit     = "Fn::Split"
	fnSelect    = "Fn::Select"
	fnFindInMap = "Fn::FindInMap"
)

// conditionFunctions are CloudFormation functions that IoT provisioning
// templates do not document; they get a message saying so rather than
// "unknown function".
var conditionFunctions = map[string]bool{
	"Fn::If": true, "Fn::Equals": true, "Fn::And": true, "Fn::Or": true, "Fn::Not": true,
}

// pseudoParameters may be referenced without being declared; the caller
// passes their values to Evaluate with the other parameters.
var pseudoParameters = map[string]bool{
	"AWS::Region":                                       true,
	"AWS::AccountId":                                    true,
	CertificateID:                                       true,
	"AWS::IoT::Certificate::Country":                    true,
	"AWS::IoT::Certificate::Organization":               true,
	"AWS::IoT::Certificate::OrganizationalUnit":         true,
	"AWS::IoT::Certificate::DistinguishedNameQualifier": true,
	"AWS::IoT::Certificate::StateName":                  true,
	"AWS::IoT::Certificate::CommonName":                 true,
	"AWS::IoT::Certificate::SerialNumber":               true,
}

// CertificateID is the pseudo-parameter bound to the certificate being
// provisioned; fleet-provisioning and JITP templates reference the
// certificate only through it.
const CertificateID = "AWS::IoT::Certificate::Id"

// compiler turns JSON nodes into expressions, collecting every problem.
type compiler struct {
	probs    problems
	params   map[string]int // declared parameter → index in Template.params
	mappings map[string]map[string]map[string]string
	refs     map[string]bool // every parameter a Ref or Fn::Sub reads
}

// intrinsic reports whether n is a function call: an object whose single
// key is Ref or starts with Fn::. An object mixing such a key with others
// is a problem, reported here and returned as fn != "" with ok false.
func (c *compiler) intrinsic(path string, n *node) (fn string, arg *node, ok bool) {
	if n.kind != kindObject {
		return "", nil, false
	}
	for _, k := range n.keys {
		if k == fnRef || strings.HasPrefix(k, "Fn::") {
			if len(n.keys) != 1 {
				c.probs.add(path, "%s must be the only key of its object", k)
				return k, nil, false
			}
			return k, n.elems[0], true
		}
	}
	return "", nil, false
}

// looksLikeCall reports whether n is an object with a Ref or Fn:: key,
// without reporting anything.
func looksLikeCall(n *node) bool {
	if n.kind != kindObject {
		return false
	}
	for _, k := range n.keys {
		if k == fnRef || strings.HasPrefix(k, "Fn::") {
			return true
		}
	}
	return false
}

// known reports whether name can be referenced: a declared parameter or a
// pseudo-parameter. It is asked for every reference, and notes it.
func (c *compiler) known(name string) bool {
	_, declared := c.params[name]
	if declared || pseudoParameters[name] {
		c.refs[name] = true
		return true
	}
	return false
}

// stringValue compiles a value that must evaluate to a string. It returns
// nil after reporting a problem.
func (c *compiler) stringValue(path string, n *node) stringExpr {
	if n.kind == kindString {
		return literal(n.text)
	}
	fn, arg, ok := c.intrinsic(path, n)
	if !ok {
		if fn == "" {
			c.probs.add(path, "expected a string or an intrinsic function, got %s", n.kind)
		}
		return nil
	}
	fnPath := joinPath(path, fn)
	switch fn {
	case fnRef:
		if arg.kind != kindString {
			c.probs.add(fnPath, "Ref expects a parameter name")
			return nil
		}
		if !c.known(arg.text) {
			c.probs.add(fnPath, "Ref to undeclared parameter %q", arg.text)
			return nil
		}
		return &ref{path: fnPath, name: arg.text}
	case fnJoin:
		return c.join(fnPath, arg)
	case fnSub:
		return c.sub(fnPath, arg)
	case fnSelect:
		return c.selectFn(fnPath, arg)
	case fnFindInMap:
		return c.findInMap(fnPath, arg)
	case fnSplit:
		c.probs.add(fnPath, "Fn::Split returns a list; use it inside Fn::Select or Fn::Join where a string is expected")
		return nil
	}
	c.unsupported(fnPath, fn)
	return nil
}

// listValue compiles a value that must evaluate to a list of strings.
func (c *compiler) listValue(path string, n *node) listExpr {
	if n.kind == kindArray {
		list := make(listLiteral, len(n.elems))
		ok := true
		for i, e := range n.elems {
			list[i] = c.stringValue(indexPath(path, i), e)
			ok = ok && list[i] != nil
		}
		if !ok {
			return nil
		}
		return list
	}
	fn, arg, ok := c.intrinsic(path, n)
	if !ok {
		if fn == "" {
			c.probs.add(path, "expected a list or Fn::Split, got %s", n.kind)
		}
		return nil
	}
	fnPath := joinPath(path, fn)
	switch fn {
	case fnSplit:
		return c.split(fnPath, arg)
	case fnRef, fnJoin, fnSub, fnSelect, fnFindInMap:
		c.probs.add(fnPath, "%s returns a string where a list is expected", fn)
		return nil
	}
	c.unsupported(fnPath, fn)
	return nil
}

func (c *compiler) unsupported(path, fn string) {
	if conditionFunctions[fn] {
		c.probs.add(path, "%s is not supported: provisioning templates document no conditions (only Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap and Fn::Sub)", fn)
		return
	}
	c.probs.add(path, "unknown intrinsic function %s (supported: Ref, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Sub)", fn)
}

func (c *compiler) join(path string, arg *node) stringExpr {
	if arg.kind != kindArray || len(arg.elems) != 2 || arg.elems[0].kind != kindString {
		c.probs.add(path, `Fn::Join expects ["delimiter", [values]]`)
		return nil
	}
	list := c.listValue(indexPath(path, 1), arg.elems[1])
	if list == nil {
		return nil
	}
	return &join{delimiter: arg.elems[0].text, list: list}
}

func (c *compiler) split(path string, arg *node) listExpr {
	if arg.kind != kindArray || len(arg.elems) != 2 || arg.elems[0].kind != kindString {
		c.probs.add(path, `Fn::Split expects ["delimiter", "source string"]`)
		return nil
	}
	if arg.elems[0].text == "" {
		c.probs.add(indexPath(path, 0), "Fn::Split delimiter must not be empty")
		return nil
	}
	source := c.stringValue(indexPath(path, 1), arg.elems[1])
	if source == nil {
		return nil
	}
	return &split{delimiter: arg.elems[0].text, source: source}
}

func (c *compiler) selectFn(path string, arg *node) stringExpr {
	if arg.kind != kindArray || len(arg.elems) != 2 {
		c.probs.add(path, `Fn::Select expects [index, [values]]`)
		return nil
	}
	var index stringExpr
	idx := arg.elems[0]
	switch idx.kind {
	case kindNumber, kindString:
		i, err := strconv.Atoi(idx.text)
		if err != nil || i < 0 {
			c.probs.add(indexPath(path, 0), "Fn::Select index %s is not a non-negative integer", idx.text)
			return nil
		}
		index = literal(strconv.Itoa(i))
	default:
		index = c.stringValue(indexPath(path, 0), idx)
	}
	list := c.listValue(indexPath(path, 1), arg.elems[1])
	if index == nil || list == nil {
		return nil
	}
	// A literal index into a literal list is checked now rather than at
	// every provisioning.
	if l, ok := index.(literal); ok {
		if lit, ok := list.(listLiteral); ok {
			if i, _ := strconv.Atoi(string(l)); i >= len(lit) {
				c.probs.add(indexPath(path, 0), "Fn::Select index %d is out of range for a list of %d", i, len(lit))
				return nil
			}
		}
	}
	return &selectExpr{path: path, index: index, list: list}
}

func (c *compiler) findInMap(path string, arg *node) stringExpr {
	if arg.kind != kindArray || len(arg.elems) != 3 {
		c.probs.add(path, `Fn::FindInMap expects ["MapName", "TopKey", "SecondKey"]`)
		return nil
	}
	var keys [3]stringExpr
	for i, e := range arg.elems {
		keys[i] = c.stringValue(indexPath(path, i), e)
	}
	if keys[0] == nil || keys[1] == nil || keys[2] == nil {
		return nil
	}
	if name, ok := keys[0].(literal); ok {
		if _, found := c.mappings[string(name)]; !found {
			c.probs.add(indexPath(path, 0), "no mapping %q", string(name))
			return nil
		}
	}
	return &findInMap{path: path, mapName: keys[0], top: keys[1], second: keys[2]}
}

func (c *compiler) sub(path string, arg *node) stringExpr {
	var format *node
	vars := map[string]stringExpr{}
	switch {
	case arg.kind == kindString:
		format = arg
	case arg.kind == kindArray && len(arg.elems) == 2 && arg.elems[0].kind == kindString && arg.elems[1].kind == kindObject:
		format = arg.elems[0]
		varsNode := arg.elems[1]
		ok := true
		for i, k := range varsNode.keys {
			e := c.stringValue(joinPath(indexPath(path, 1), k), varsNode.elems[i])
			vars[k] = e
			ok = ok && e != nil
		}
		if !ok {
			return nil
		}
	default:
		c.probs.add(path, `Fn::Sub expects "text ${Name}" or ["text ${Name}", {"Name": value}]`)
		return nil
	}
	parts, msg := parseSubFormat(format.text)
	if msg != "" {
		c.probs.add(path, "%s", msg)
		return nil
	}
	for _, p := range parts {
		if p.name == "" {
			continue
		}
		if _, isVar := vars[p.name]; !isVar && !c.known(p.name) {
			c.probs.add(path, "Fn::Sub references undeclared parameter %q", p.name)
			return nil
		}
	}
	// A format without substitutions is a literal.
	if len(parts) == 0 {
		return literal("")
	}
	if len(parts) == 1 && parts[0].name == "" {
		return literal(parts[0].text)
	}
	return &sub{path: path, parts: parts, vars: vars}
}
