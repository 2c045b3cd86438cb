package scenario

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

const maxCohortName = 64

func cohortNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

// rawCohort is a devices: entry before like: is resolved.
type rawCohort struct {
	node     *yaml.Node
	name     string
	like     string
	likeNode *yaml.Node
	bad      bool // unnamed, or like: cannot be resolved
}

// lookup finds key in mapping n without judging the rest.
func lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if kn := deref(n.Content[i]); kn.Kind == yaml.ScalarNode && kn.Value == key {
			return kn, n.Content[i+1]
		}
	}
	return nil, nil
}

func (p *parser) devices(n *yaml.Node) {
	d, sc := p.d, p.sc
	items, ok := d.seq(n, scope{path: "devices"}, "cohorts")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.errorf(n, scope{path: "devices"}, "expected at least one cohort")
		return
	}
	raws := make([]rawCohort, len(items))
	byName := map[string]int{}
	for i, it := range items {
		r := &raws[i]
		r.node = deref(it)
		s := scope{path: fmt.Sprintf("devices[%d]", i)}
		if r.node.Kind != yaml.MappingNode {
			d.errorf(it, s, "expected a cohort mapping (name, count, ...), found %s", describe(it))
			r.bad = true
			continue
		}
		_, nv := lookup(r.node, "name")
		if nv == nil {
			d.errorf(r.node, s, "missing name (the cohort's name, used in ${device.id})")
			r.bad = true
			continue
		}
		name, ok := d.awsName(nv, s.key("name"), cohortNameRune, "[a-zA-Z0-9_-]+", maxCohortName)
		if !ok {
			r.bad = true
			continue
		}
		if j, dup := byName[name]; dup {
			d.errorf(nv, s.key("name"), "cohort %s is defined twice (first at line %d)", name, raws[j].node.Line)
			r.bad = true
			continue
		}
		r.name = name
		byName[name] = i
		if _, lv := lookup(r.node, "like"); lv != nil {
			r.likeNode = lv
			if r.like, ok = d.nonEmpty(lv, scope{where: "cohort " + name, path: "like"}); !ok {
				r.bad = true
			}
		}
	}

	// Resolve like: chains into effective mappings.
	eff := make([]*yaml.Node, len(raws))
	inherited := make([]map[*yaml.Node]bool, len(raws))
	state := make([]int, len(raws)) // 0 unseen, 1 resolving, 2 done
	var stack []int
	var resolve func(i int) *yaml.Node
	resolve = func(i int) *yaml.Node {
		r := &raws[i]
		switch state[i] {
		case 2:
			return eff[i]
		case 1:
			k := slices.Index(stack, i)
			chain := []string{}
			for _, j := range stack[k:] {
				chain = append(chain, raws[j].name)
				raws[j].bad = true
			}
			chain = append(chain, r.name)
			last := &raws[stack[len(stack)-1]]
			d.errorf(last.likeNode, scope{where: "cohort " + last.name, path: "like"}, "cycle: %s", strings.Join(chain, " → "))
			return nil
		}
		if r.bad {
			state[i] = 2
			return nil
		}
		if r.like == "" {
			state[i], eff[i] = 2, r.node
			return eff[i]
		}
		j, ok := byName[r.like]
		s := scope{where: "cohort " + r.name, path: "like"}
		switch {
		case r.like == r.name:
			d.errorf(r.likeNode, s, "a cohort cannot be like itself")
		case !ok:
			names := []string{}
			for _, o := range raws {
				if o.name != "" && o.name != r.name {
					names = append(names, o.name)
				}
			}
			d.errorf(r.likeNode, s, "unknown cohort %q (cohorts: %s)", r.like, strings.Join(names, ", "))
		}
		if r.like == r.name || !ok {
			r.bad, state[i] = true, 2
			return nil
		}
		state[i] = 1
		stack = append(stack, i)
		base := resolve(j)
		stack = stack[:len(stack)-1]
		state[i] = 2
		if base == nil || r.bad {
			r.bad = true
			return nil
		}
		inh := map[*yaml.Node]bool{}
		eff[i] = mergeCohort(base, r.node, inh)
		for nd := range inherited[j] {
			inh[nd] = true
		}
		inherited[i] = inh
		return eff[i]
	}
	for i := range raws {
		resolve(i)
	}

	sc.Cohorts = make([]Cohort, 0, len(raws))
	for i, r := range raws {
		if r.bad || eff[i] == nil {
			continue
		}
		d.suppress = inherited[i]
		c, ok := p.cohort(eff[i], r)
		d.suppress = nil
		if ok {
			sc.Cohorts = append(sc.Cohorts, c)
		}
	}
	total := 0
	for _, c := range sc.Cohorts {
		total += c.Count
	}
	if total > math.MaxUint32 {
		d.errorf(n, scope{path: "devices"}, "%d devices in all; at most %d are supported", total, uint64(math.MaxUint32))
	}
}

// atomicPaths are mappings that like: replaces whole instead of merging.
var atomicPaths = []string{"jobs.outcome"}

// mergeCohort returns over's mapping laid over base's: mappings merge key
// by key (deeply), anything else in over replaces base's value, a null in
// over deletes the key, and distributions and outcome weights are replaced
// whole. name and like are not inherited. Nodes taken from base as they
// are go into inh.
func mergeCohort(base, over *yaml.Node, inh map[*yaml.Node]bool) *yaml.Node {
	stripped := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line, Column: base.Column}
	for i := 0; i+1 < len(base.Content); i += 2 {
		if k := deref(base.Content[i]).Value; k != "name" && k != "like" {
			stripped.Content = append(stripped.Content, base.Content[i], base.Content[i+1])
		}
	}
	return mergeNodes(stripped, over, "", inh)
}

func mergeNodes(base, over *yaml.Node, path string, inh map[*yaml.Node]bool) *yaml.Node {
	base, over = deref(base), deref(over)
	if isNull(over) {
		return nil
	}
	if base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode || isDist(base) || isDist(over) || slices.Contains(atomicPaths, path) {
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: over.Style, Line: over.Line, Column: over.Column}
	taken := map[string]bool{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		k, v := base.Content[i], base.Content[i+1]
		key := deref(k).Value
		if ok, ov := lookup(over, key); ok != nil {
			if taken[key] {
				continue
			}
			taken[key] = true
			sub := path + "." + key
			if path == "" {
				sub = key
			}
			if m := mergeNodes(v, ov, sub, inh); m != nil {
				out.Content = append(out.Content, ok, m)
			}
			continue
		}
		markTree(k, inh)
		markTree(v, inh)
		out.Content = append(out.Content, k, v)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		key := deref(k).Value
		if _, bv := lookup(base, key); bv != nil || isNull(v) {
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

func markTree(n *yaml.Node, inh map[*yaml.Node]bool) {
	if n == nil || inh[n] {
		return
	}
	inh[n] = true
	if n.Kind == yaml.AliasNode {
		markTree(n.Alias, inh)
	}
	for _, c := range n.Content {
		markTree(c, inh)
	}
}

// cohort decodes one effective cohort mapping.
func (p *parser) cohort(n *yaml.Node, r rawCohort) (Cohort, bool) {
	d := p.d
	s := scope{where: "cohort " + r.name}
	c := Cohort{Name: r.name, Like: r.like, Pos: d.pos(r.node)}
	f, ok := d.mapping(n, s, "cohort")
	if !ok {
		return c, false
	}
	before := len(p.c.errs)
	if v := f.get("count"); v != nil {
		cnt, _ := d.integer(v, s.key("count"), 0, math.MaxUint32)
		c.Count = int(cnt)
	} else {
		d.missing(f, s, "count", "how many devices, a non-negative integer")
	}
	if v := f.get("thingType"); v != nil {
		if name, ok := d.nonEmpty(v, s.key("thingType")); ok {
			if p.types[name] == nil {
				d.errorf(v, s.key("thingType"), "unknown thing type %q%s", name, p.typeList())
			}
			c.ThingType = name
		}
	}
	if v := f.get("groups"); v != nil {
		groups, _ := d.strList(v, s.key("groups"), "static thing group names")
		items := deref(v).Content
		for i, g := range groups {
			at := v
			if i < len(items) {
				at = items[i]
			}
			switch tg := p.groups[g]; {
			case tg == nil:
				d.errorf(at, s.key("groups").index(i), "unknown thing group %q%s", g, p.groupList())
			case tg.Dynamic():
				d.errorf(at, s.key("groups").index(i), "%s is a dynamic group: things join it by its query, not by being added", g)
			}
		}
		c.Groups = groups
	}
	if v := f.get("provisioning"); v != nil {
		c.Provisioning = p.provisioning(v, s.key("provisioning"))
	}
	if v := f.get("attributes"); v != nil {
		c.Attributes, _ = d.valueFields(v, s.key("attributes"), valueCtx{templates: true, attribute: true})
		limit, why := registry.MaxAttributesUntyped, "without a thing type"
		if c.ThingType != "" {
			limit, why = registry.MaxAttributesTyped, "with a thing type"
		}
		if len(c.Attributes) > limit {
			d.errorf(v, s.key("attributes"), "%d attributes; a thing %s has at most %d", len(c.Attributes), why, limit)
		}
	}
	shadowCtx := valueCtx{templates: true, objects: true}
	if v := f.get("shadow"); v != nil {
		c.Shadow = p.state(v, s.key("shadow"), "shadow", shadowCtx)
	}
	if v := f.get("churn"); v != nil {
		c.Churn = p.churn(v, s.key("churn"))
	}
	if v := f.get("connectivity"); v != nil {
		c.Connectivity = p.connectivity(v, s.key("connectivity"))
	}
	c.Jobs = JobAgent{Outcome: NewChoice([]Outcome{Succeeded}, []float64{1})}
	if v := f.get("jobs"); v != nil {
		p.jobAgent(&c.Jobs, v, s.key("jobs"))
	}
	return c, len(p.c.errs) == before
}

func (p *parser) typeList() string {
	if len(p.sc.ThingTypes) == 0 {
		return " (no thingTypes are defined)"
	}
	names := make([]string, len(p.sc.ThingTypes))
	for i, t := range p.sc.ThingTypes {
		names[i] = t.Name
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}

// state reads {reported, desired}.
func (p *parser) state(n *yaml.Node, s scope, ctx string, vc valueCtx) State {
	d := p.d
	var st State
	f, ok := d.mapping(n, s, ctx)
	if !ok {
		return st
	}
	if v := f.get("reported"); v != nil {
		st.Reported, _ = d.valueFields(v, s.key("reported"), vc)
	}
	if v := f.get("desired"); v != nil {
		st.Desired, _ = d.valueFields(v, s.key("desired"), vc)
	}
	return st
}

func (p *parser) churn(n *yaml.Node, s scope) *Churn {
	d := p.d
	f, ok := d.mapping(n, s, "churn")
	if !ok {
		return nil
	}
	ch := &Churn{}
	if v := f.get("every"); v != nil {
		ch.Every, ok = d.durationDist(v, s.key("every"))
		if ok && ch.Every.IsZero() {
			d.errorf(v, s.key("every"), "must be > 0 (a device cannot update its shadow continuously)")
		}
	} else {
		d.missing(f, s, "every", `how often the device reports, such as {exponential: 10m}`)
	}
	vc := valueCtx{templates: true, objects: true, null: true}
	if v := f.get("reported"); v != nil {
		ch.Reported, _ = d.valueFields(v, s.key("reported"), vc)
	}
	if v := f.get("desired"); v != nil {
		ch.Desired, _ = d.valueFields(v, s.key("desired"), vc)
	}
	if !f.has("reported") && !f.has("desired") {
		d.missing(f, s, "reported", "the shadow fields the device updates")
	}
	return ch
}

func (p *parser) connectivity(n *yaml.Node, s scope) *Connectivity {
	d := p.d
	f, ok := d.mapping(n, s, "connectivity")
	if !ok {
		return nil
	}
	c := &Connectivity{}
	for _, k := range []string{"up", "down"} {
		v := f.get(k)
		if v == nil {
			d.missing(f, s, k, "a duration or a duration distribution")
			continue
		}
		dd, ok := d.durationDist(v, s.key(k))
		if ok && dd.IsZero() {
			d.errorf(v, s.key(k), "must be > 0 (leave connectivity out for devices that stay connected)")
		}
		if k == "up" {
			c.Up = dd
		} else {
			c.Down = dd
		}
	}
	return c
}

func (p *parser) jobAgent(ja *JobAgent, n *yaml.Node, s scope) {
	d := p.d
	f, ok := d.mapping(n, s, "jobAgent")
	if !ok {
		return
	}
	if v := f.get("download"); v != nil {
		ja.Download, _ = d.durationDist(v, s.key("download"))
	}
	if v := f.get("install"); v != nil {
		ja.Install, _ = d.durationDist(v, s.key("install"))
	}
	if v := f.get("stepTimeout"); v != nil {
		if st, ok := d.duration(v, s.key("stepTimeout")); ok {
			if st%time.Minute != 0 || st < time.Minute || st > 10080*time.Minute {
				d.errorf(v, s.key("stepTimeout"), "expected whole minutes from 1m to 168h (AWS stepTimeoutInMinutes 1..10080), found %s", st)
			} else {
				ja.StepTimeout = st
			}
		}
	}
	if v := f.get("outcome"); v != nil {
		if c, ok := p.outcome(v, s.key("outcome")); ok {
			ja.Outcome = c
		}
	}
	if v := f.get("onSuccess"); v != nil {
		ja.OnSuccess = p.state(v, s.key("onSuccess"), "onSuccess", valueCtx{templates: true, job: true, objects: true, null: true})
	}
	if v := f.get("rules"); v != nil {
		ja.Rules = p.agentRules(v, s.key("rules"))
	}
}

// agentRules reads jobs.rules: a list of {when, job, download, install,
// outcome} with when required and at least one of the last three.
func (p *parser) agentRules(n *yaml.Node, s scope) []AgentRule {
	d := p.d
	items, ok := d.seq(n, s, "rules {when, job, download, install, outcome}")
	if !ok {
		return nil
	}
	if len(items) > maxAgentRules {
		d.errorf(n, s, "at most %d rules, found %d", maxAgentRules, len(items))
		return nil
	}
	var out []AgentRule
	for i, it := range items {
		rs := s.index(i)
		f, ok := d.mapping(it, rs, "agentRule")
		if !ok {
			continue
		}
		r := AgentRule{Pos: d.pos(it)}
		good := true
		if v := f.get("when"); v != nil {
			r.When, r.Query, ok = p.parseQueryFor(v, rs.key("when"), false)
			good = good && ok
		} else {
			d.missing(f, rs, "when", "a fleet-index query selecting the devices the rule applies to")
			good = false
		}
		if v := f.get("job"); v != nil {
			if r.JobID, ok = d.nonEmpty(v, rs.key("job")); ok {
				p.ruleJobs = append(p.ruleJobs, ruleJob{id: r.JobID, node: v, s: rs.key("job")})
			}
		}
		if v := f.get("download"); v != nil {
			if dd, ok := d.durationDist(v, rs.key("download")); ok {
				r.Download = &dd
			}
		}
		if v := f.get("install"); v != nil {
			if dd, ok := d.durationDist(v, rs.key("install")); ok {
				r.Install = &dd
			}
		}
		if v := f.get("outcome"); v != nil {
			if c, ok := p.outcome(v, rs.key("outcome")); ok {
				r.Outcome = &c
			}
		}
		if !f.has("download") && !f.has("install") && !f.has("outcome") {
			d.errorf(it, rs, "a rule changes download, install or outcome: expected at least one of them")
			good = false
		}
		if good {
			out = append(out, r)
		}
	}
	return out
}

// maxAgentRules bounds jobs.rules: the simulator keeps the rule a device
// follows in a byte.
const maxAgentRules = 255

// ruleJob is a jobs.rules job: reference, checked once the timeline is read.
type ruleJob struct {
	id   string
	node *yaml.Node
	s    scope
}

// outcome reads {SUCCEEDED, FAILED, REJECTED, hang} weights summing to 1.
func (p *parser) outcome(n *yaml.Node, s scope) (Choice[Outcome], bool) {
	d := p.d
	f, ok := d.mapping(n, s, "outcome")
	if !ok {
		return Choice[Outcome]{}, false
	}
	var items []Outcome
	var ws []float64
	sum := 0.0
	for i, name := range outcomeNames {
		v := f.get(name)
		if v == nil {
			continue
		}
		w, ok2 := d.number(v, s.key(name))
		if ok2 && !(w > 0) {
			d.errorf(v, s.key(name), "a weight must be > 0, found %s (leave the outcome out instead)", num(w))
			ok2 = false
		}
		if !ok2 {
			ok = false
			continue
		}
		items, ws = append(items, Outcome(i)), append(ws, w)
		sum += w
	}
	if !ok {
		return Choice[Outcome]{}, false
	}
	if len(items) == 0 || math.Abs(sum-1) > weightTolerance {
		d.errorf(n, s, "weights sum to %s; they must sum to 1", sumText(sum))
		return Choice[Outcome]{}, false
	}
	return NewChoice(items, ws), true
}

// jitpSubject are the certificate subject fields a JITP template may use
// as parameters (AWS::IoT::Certificate::<field>).
var jitpSubject = []string{"CommonName", "Country", "DistinguishedNameQualifier", "Organization", "OrganizationalUnit", "SerialNumber", "StateName"}

func (p *parser) provisioning(n *yaml.Node, s scope) Provisioning {
	d := p.d
	var pr Provisioning
	f, ok := d.mapping(n, s, "provisioning")
	if !ok {
		return pr
	}
	method := ""
	if v := f.get("method"); v != nil {
		method, _ = d.enum(v, s.key("method"), methodNames...)
		pr.Method = Method(slices.Index(methodNames, method))
	} else {
		d.missing(f, s, "method", strings.Join(methodNames, ", "))
	}
	if method == "registry" {
		for _, k := range []string{"template", "start", "over", "parameters"} {
			if f.has(k) {
				d.errorf(f.keys[k], s, "%s does not apply to method registry: the things exist at time 0", k)
			}
		}
		return pr
	}
	if v := f.get("start"); v != nil {
		pr.Start, _ = d.duration(v, s.key("start"))
	}
	if v := f.get("over"); v != nil && method == "bulk" {
		d.errorf(f.keys["over"], s, "over does not apply to method bulk: one registration task registers the whole cohort from start on")
	} else if v != nil {
		pr.Over, _ = d.duration(v, s.key("over"))
	}
	var tmpl *Template
	if v := f.get("template"); v != nil {
		if name, ok := d.nonEmpty(v, s.key("template")); ok {
			pr.Template = name
			tmpl = p.templates[name]
			want := "FLEET_PROVISIONING"
			if method == "jitp" {
				want = "JITP"
			}
			switch {
			case tmpl == nil:
				d.errorf(v, s.key("template"), "unknown provisioning template %q%s", name, p.templateList())
			case method != "" && tmpl.Type != want:
				d.errorf(v, s.key("template"), "method %s needs a template of type %s; %s is %s", method, want, name, tmpl.Type)
				tmpl = nil
			case !tmpl.Enabled:
				d.warnf(v, s.key("template"), "template %s is disabled: every provisioning attempt will be refused", name)
			}
		}
	} else if method != "" {
		d.missing(f, s, "template", "the provisioning template to use")
	}
	given := map[string]*yaml.Node{}
	if v := f.get("parameters"); v != nil {
		pr.Parameters, _ = d.valueFields(v, s.key("parameters"), valueCtx{templates: true})
		for _, pp := range d.pairs(deref(v), s.key("parameters")) {
			given[pp.key] = pp.k
		}
	}
	if tmpl == nil || method == "" {
		return pr
	}
	where := f.node
	if v := f.get("parameters"); v != nil {
		where = v
	}
	if method == "jitp" {
		for name, k := range given {
			if !slices.Contains(jitpSubject, name) {
				d.errorf(k, s.key("parameters"), "%q is not a certificate subject field (JITP parameters come from the certificate: %s)", name, strings.Join(jitpSubject, ", "))
			}
		}
		for _, tp := range tmpl.Parameters {
			field, ok := strings.CutPrefix(tp.Name, "AWS::IoT::Certificate::")
			switch {
			case !ok:
				d.errorf(where, s, "JITP template %s declares parameter %s; a JITP template takes only AWS::IoT::Certificate::* parameters", tmpl.Name, tp.Name)
			case field != "Id" && given[field] == nil && !tp.HasDefault:
				d.errorf(where, s.key("parameters"), "template %s needs the certificate subject field %s", tmpl.Name, field)
			}
		}
		return pr
	}
	declared := map[string]bool{}
	for _, tp := range tmpl.Parameters {
		declared[tp.Name] = true
		if given[tp.Name] == nil && !tp.HasDefault && !strings.HasPrefix(tp.Name, "AWS::") {
			d.errorf(where, s.key("parameters"), "template %s needs parameter %s (it has no Default)", tmpl.Name, tp.Name)
		}
	}
	for name, k := range given {
		if !declared[name] {
			d.errorf(k, s.key("parameters"), "template %s does not declare parameter %q", tmpl.Name, name)
		}
	}
	return pr
}

func (p *parser) templateList() string {
	if len(p.sc.Templates) == 0 {
		return " (no provisioningTemplates are defined)"
	}
	names := make([]string, len(p.sc.Templates))
	for i, t := range p.sc.Templates {
		names[i] = t.Name
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}
