package scenario

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// distKeys are the keys that make a mapping a distribution.
var distKeys = knownKeys["distribution"]

// distKey returns the distribution keys of mapping n.
func distKeysOf(n *yaml.Node) []string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var ks []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k.Kind == yaml.ScalarNode && slices.Contains(distKeys, k.Value) {
			ks = append(ks, k.Value)
		}
	}
	return ks
}

func isDist(n *yaml.Node) bool { return len(distKeysOf(n)) > 0 }

// unit is what a numeric distribution's numbers are.
type unit bool

const (
	numbers   unit = false
	durations unit = true
)

func (u unit) what() string {
	if u == durations {
		return `a duration such as "90s"`
	}
	return "a number"
}

// scalar reads one number of the unit: seconds for durations.
func (d *decoder) scalar(n *yaml.Node, s scope, u unit) (float64, bool) {
	if u == durations {
		v, ok := d.duration(n, s)
		return v.Seconds(), ok
	}
	return d.number(n, s)
}

// distribution reads a distribution mapping (one of distKeys) into a Dist.
func (d *decoder) distribution(n *yaml.Node, s scope, u unit) (Dist, bool) {
	f, ok := d.mapping(n, s, "distribution")
	if !ok {
		return nil, false
	}
	var present []string
	for _, k := range distKeys {
		if f.has(k) {
			present = append(present, k)
		}
	}
	switch len(present) {
	case 0:
		d.errorf(f.node, s, "expected one of %s", strings.Join(distKeys, ", "))
		return nil, false
	case 1:
	default:
		d.errorf(f.node, s, "a distribution has exactly one of %s; found %s", strings.Join(distKeys, ", "), strings.Join(present, " and "))
		return nil, false
	}
	k := present[0]
	v := f.get(k)
	s = s.key(k)
	switch k {
	case "oneOf":
		items, weights, ok := d.weights(v, s, true, func(kn *yaml.Node) (float64, bool) { return d.scalar(kn, s, u) })
		if !ok {
			return nil, false
		}
		return Discrete{NewChoice(items, weights)}, true
	case "uniform":
		return d.uniform(v, s, u)
	case "normal":
		g, ok := d.mapping(v, s, "normal")
		if !ok {
			return nil, false
		}
		if !g.has("mean") || !g.has("stddev") {
			for _, k := range []string{"mean", "stddev"} {
				if !g.has(k) {
					d.missing(g, s, k, u.what())
				}
			}
			return nil, false
		}
		mean, ok1 := d.scalar(g.get("mean"), s.key("mean"), u)
		sd, ok2 := d.scalar(g.get("stddev"), s.key("stddev"), u)
		if ok2 && sd < 0 {
			d.errorf(g.get("stddev"), s.key("stddev"), "must be ≥ 0")
			ok2 = false
		}
		return Normal{mean, sd}, ok1 && ok2
	case "exponential":
		mean, ok := d.scalar(v, s, u)
		if ok && !(mean > 0) {
			d.errorf(v, s, "the mean must be > 0")
			ok = false
		}
		return Exponential{mean}, ok
	case "lognormal":
		g, ok := d.mapping(v, s, "lognormal")
		if !ok {
			return nil, false
		}
		if !g.has("median") || !g.has("p99") {
			for _, k := range []string{"median", "p99"} {
				if !g.has(k) {
					d.missing(g, s, k, u.what())
				}
			}
			return nil, false
		}
		med, ok1 := d.scalar(g.get("median"), s.key("median"), u)
		p99, ok2 := d.scalar(g.get("p99"), s.key("p99"), u)
		if ok1 && !(med > 0) {
			d.errorf(g.get("median"), s.key("median"), "must be > 0")
			ok1 = false
		}
		if ok1 && ok2 && p99 < med {
			d.errorf(g.get("p99"), s.key("p99"), "must be ≥ the median")
			ok2 = false
		}
		return LogNormal{med, p99}, ok1 && ok2
	}
	return nil, false
}

func (d *decoder) uniform(n *yaml.Node, s scope, u unit) (Dist, bool) {
	items, ok := d.seq(n, s, "two bounds")
	if !ok {
		return nil, false
	}
	if len(items) != 2 {
		d.errorf(n, s, "expected [low, high], found %d items", len(items))
		return nil, false
	}
	lo, ok1 := d.scalar(items[0], s.index(0), u)
	hi, ok2 := d.scalar(items[1], s.index(1), u)
	if ok1 && ok2 && hi < lo {
		d.errorf(n, s, "the low bound is above the high bound")
		return nil, false
	}
	return Uniform{lo, hi}, ok1 && ok2
}

// weights reads a {item: weight} mapping. Weights are positive; they sum to
// 1 (within 1e-9) when exact, else to at most 1.
func weightsCheck[T any](d *decoder, n *yaml.Node, s scope, exact bool, key func(*yaml.Node) (T, bool)) ([]T, []float64, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		d.errorf(n, s, "expected a mapping of values to weights, such as {a: 0.7, b: 0.3}, found %s", describe(n))
		return nil, nil, false
	}
	var items []T
	var ws []float64
	ok := true
	sum := 0.0
	for _, p := range d.pairs(n, s) {
		item, ok1 := key(p.k)
		w, ok2 := d.number(p.v, s.key(p.key))
		if ok2 && !(w > 0) {
			d.errorf(p.v, s.key(p.key), "a weight must be > 0, found %s", num(w))
			ok2 = false
		}
		if !ok1 || !ok2 {
			ok = false
			continue
		}
		items = append(items, item)
		ws = append(ws, w)
		sum += w
	}
	if !ok {
		return nil, nil, false
	}
	switch {
	case exact && math.Abs(sum-1) > weightTolerance:
		d.errorf(n, s, "weights sum to %s; they must sum to 1", sumText(sum))
		return nil, nil, false
	case !exact && sum > 1+weightTolerance:
		d.errorf(n, s, "weights sum to %s; they must sum to at most 1 (the rest leaves the value unset)", sumText(sum))
		return nil, nil, false
	}
	return items, ws, true
}

func (d *decoder) weights(n *yaml.Node, s scope, exact bool, key func(*yaml.Node) (float64, bool)) ([]float64, []float64, bool) {
	return weightsCheck(d, n, s, exact, key)
}

// dist reads a numeric value spec: a constant or a distribution.
func (d *decoder) dist(n *yaml.Node, s scope, u unit) (Dist, bool) {
	if deref(n) != nil && deref(n).Kind == yaml.MappingNode {
		return d.distribution(n, s, u)
	}
	v, ok := parseScalarOf(n, u)
	if !ok {
		d.errorf(n, s, "expected %s or a distribution (%s), found %s", u.what(), strings.Join(distKeys, ", "), describe(n))
		return nil, false
	}
	if v < 0 && u == durations {
		d.errorf(n, s, "expected a duration ≥ 0")
		return nil, false
	}
	return Constant(v), true
}

func parseScalarOf(n *yaml.Node, u unit) (float64, bool) {
	n = deref(n)
	if u == durations {
		v, ok := parseDuration(n)
		return v.Seconds(), ok
	}
	if n == nil || n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return 0, false
	}
	var f float64
	err := n.Decode(&f)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// durationDist reads a duration value spec.
func (d *decoder) durationDist(n *yaml.Node, s scope) (DurationDist, bool) {
	v, ok := d.dist(n, s, durations)
	if c, isConst := v.(Constant); isConst && c == 0 {
		return DurationDist{}, ok
	}
	return DurationDist{v}, ok
}

// valueCtx says what a value spec may be where it is read.
type valueCtx struct {
	templates bool // strings may hold ${device.*}
	job       bool // and ${job.*}
	objects   bool // nested mappings and lists (shadow documents)
	null      bool // null (a shadow update deleting a field)
	attribute bool // the value becomes a registry attribute: a string
}

// value reads a value spec: a constant, a oneOf of constants, a numeric
// distribution, a template string, or (in shadows) a nested object.
func (d *decoder) value(n *yaml.Node, s scope, vc valueCtx) (Value, bool) {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		if isDist(n) {
			f, ok := d.mapping(n, s, "distribution")
			if !ok {
				return nil, false
			}
			if f.has("oneOf") && len(f.vals) == 1 {
				items, ws, ok := weightsCheck(d, f.get("oneOf"), s.key("oneOf"), false, func(k *yaml.Node) (any, bool) {
					return d.constKey(k, s.key("oneOf"), vc)
				})
				if !ok {
					return nil, false
				}
				return ChoiceValue{NewChoice(items, ws)}, true
			}
			dist, ok := d.distribution(n, s, numbers)
			integer := false
			if uv := deref(f.get("uniform")); uv != nil && uv.Kind == yaml.SequenceNode && len(uv.Content) == 2 {
				integer = deref(uv.Content[0]).ShortTag() == "!!int" && deref(uv.Content[1]).ShortTag() == "!!int"
			}
			return NumberValue{D: dist, Integer: integer}, ok
		}
		if !vc.objects {
			d.errorf(n, s, "expected a string, a number, a boolean or a distribution (%s), found a mapping", strings.Join(distKeys, ", "))
			return nil, false
		}
		fields, ok := d.valueFields(n, s, vc)
		return ObjectValue{fields}, ok
	case yaml.SequenceNode:
		if !vc.objects {
			d.errorf(n, s, "expected a string, a number, a boolean or a distribution (%s), found a list", strings.Join(distKeys, ", "))
			return nil, false
		}
		v, ok := d.toJSON(n, s)
		return ConstValue{v}, ok
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" && !vc.null {
			d.errorf(n, s, "expected a value, found null")
			return nil, false
		}
		if n.ShortTag() == "!!str" && vc.templates && strings.Contains(n.Value, "${") {
			t, off, msg := parseTemplate(n.Value, vc.job)
			if msg != "" {
				line, col := d.stringPos(n, 1, runeCol(n.Value, off))
				d.report(false, n, line, col, s.msg("%s", msg))
				return nil, false
			}
			if vc.attribute {
				for _, p := range t.Parts {
					if !d.attrValue(n, s, p.Lit) {
						return nil, false
					}
				}
			}
			for _, v := range t.Vars() {
				if v.Kind == JobDocument && !d.suppress[n] {
					d.docRefs = append(d.docRefs, docRef{n, s, v})
				}
			}
			return TextValue{t}, true
		}
		if n.ShortTag() == "!!str" && strings.Contains(n.Value, "$${") {
			n2 := *n
			n2.Value = strings.ReplaceAll(n.Value, "$${", "${")
			n = &n2
		}
		v, ok := d.scalarJSON(n, s)
		if ok && vc.attribute && !d.attrValue(n, s, FormatAttribute(v)) {
			return nil, false
		}
		return ConstValue{v}, ok
	}
	d.errorf(n, s, "expected a value, found %s", describe(n))
	return nil, false
}

// constKey reads a oneOf key as a constant of its YAML type.
func (d *decoder) constKey(k *yaml.Node, s scope, vc valueCtx) (any, bool) {
	v, ok := d.scalarJSON(k, s)
	if ok && v == nil {
		d.errorf(k, s, "expected a value, found null")
		return nil, false
	}
	if ok && vc.attribute && !d.attrValue(k, s, FormatAttribute(v)) {
		return nil, false
	}
	return v, ok
}

// valueFields reads a mapping of names to value specs, sorted by name.
func (d *decoder) valueFields(n *yaml.Node, s scope, vc valueCtx) ([]Field, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, s, "expected a mapping of names to values, found %s", describe(n))
		return nil, false
	}
	var out []Field
	ok := true
	for _, p := range d.pairs(n, s) {
		if vc.attribute && !d.attrName(p.k, s, p.key) {
			ok = false
			continue
		}
		v, ok2 := d.value(p.v, s.key(p.key), vc)
		if !ok2 {
			ok = false
			continue
		}
		out = append(out, Field{Name: p.key, Value: v})
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return out, ok
}

// Registry attribute constraints (AWS model).
const (
	attrNamePattern  = `[a-zA-Z0-9_.,@/:#-]+`
	attrValuePattern = `[a-zA-Z0-9_.,@/:#=\[\]-]*`
)

func attrNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.,@/:#-", r)
}

func attrValueRune(r rune) bool { return attrNameRune(r) || strings.ContainsRune("=[]", r) }

func (d *decoder) attrName(k *yaml.Node, s scope, name string) bool {
	if name == "" || len(name) > 128 || strings.IndexFunc(name, func(r rune) bool { return !attrNameRune(r) }) >= 0 {
		d.errorf(k, s, "attribute name %q must match %s (at most 128 characters)", name, attrNamePattern)
		return false
	}
	return true
}

func (d *decoder) attrValue(n *yaml.Node, s scope, v string) bool {
	if len(v) > 800 || strings.IndexFunc(v, func(r rune) bool { return !attrValueRune(r) }) >= 0 {
		d.errorf(n, s, "attribute value %q must match %s (at most 800 characters)", v, attrValuePattern)
		return false
	}
	return true
}

// runeCol converts a byte offset in s into a 1-based character column.
func runeCol(s string, off int) int {
	return len([]rune(s[:min(off, len(s))])) + 1
}

// sumText prints a sum of weights without float noise (0.95, not
// 0.9500000000000001), but never rounds a sum off 1 onto 1.
func sumText(f float64) string {
	for prec := 6; prec < 17; prec++ {
		if t := strconv.FormatFloat(f, 'g', prec, 64); t != "1" {
			return t
		}
	}
	return num(f)
}
