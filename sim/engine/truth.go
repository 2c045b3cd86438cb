package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/index/query"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// truthAnswer is the things a query matches in the simulator's own state,
// sorted by name.
type truthAnswer struct {
	names []string
	err   string
}

// takeTruth evaluates timeline query i against the devices' true state now
// (and, when it reads them, the dynamic-group memberships taken for it).
func (s *Sim) takeTruth(i int) {
	q := s.sc.Timeline[i].Action.(*scenario.Query)
	members, ok := s.memberships[i]
	if !ok && s.readsDynamicGroups(q.Node) {
		members = s.dynamicMembership()
	}
	s.truths[i] = s.truth(q.Node, members)
}

// dynamicMembers lists, by device, the dynamic thing groups it is a member
// of; devices in none are absent.
type dynamicMembers map[uint32][]string

// readsDynamicGroups reports whether a query's truth needs dynamic-group
// membership: the scenario has dynamic groups and the query reads
// thingGroupNames (or every field, with a bare term).
func (s *Sim) readsDynamicGroups(n query.Node) bool {
	if !slices.ContainsFunc(s.sc.ThingGroups, scenario.ThingGroup.Dynamic) {
		return false
	}
	if query.HasBareTerm(n) {
		return true
	}
	return slices.ContainsFunc(query.Fields(n), func(f string) bool { return index.CanonicalField(f) == "thingGroupNames" })
}

// groupEvaluator evaluates the scenario's dynamic groups' queries against
// devices' true documents.
type groupEvaluator struct {
	cfg       index.Config
	evaluator *index.Index // Match reads only its configuration
	groups    []*scenario.ThingGroup
	parts     documentParts // what the queries read
}

// dynamicGroups returns the scenario's dynamic-group evaluator, made on
// first use.
func (s *Sim) dynamicGroups() *groupEvaluator {
	if s.groupEval != nil {
		return s.groupEval
	}
	cfg := s.sc.Indexing.Config
	g := &groupEvaluator{cfg: cfg, evaluator: index.New(cfg, index.DefaultSettings())}
	for i := range s.sc.ThingGroups {
		if tg := &s.sc.ThingGroups[i]; tg.Dynamic() {
			g.groups = append(g.groups, tg)
			p := partsRead(tg.Query)
			g.parts.template = g.parts.template || p.template
			g.parts.attributes = g.parts.attributes || p.attributes
			g.parts.shadow = g.parts.shadow || p.shadow
			g.parts.connectivity = g.parts.connectivity || p.connectivity
		}
	}
	s.groupEval = g
	return g
}

// of appends to dst the dynamic groups whose query device d's true
// document matches now: fleetd puts a thing in a dynamic group when its
// indexed state matches the query, and thingGroupNames lists the group
// from then on.
func (g *groupEvaluator) of(s *Sim, d uint32, dst []string) []string {
	if len(g.groups) == 0 {
		return dst
	}
	doc := s.documentOf(d, g.parts)
	flat, err := index.Flatten(&doc, g.cfg)
	if err != nil {
		return dst // a document the index cannot take is in no group
	}
	for _, tg := range g.groups {
		if g.evaluator.Match(tg.Query, flat) {
			dst = append(dst, tg.Name)
		}
	}
	return dst
}

// dynamicMembership lists the dynamic groups of every provisioned device
// now.
func (s *Sim) dynamicMembership() dynamicMembers {
	g := s.dynamicGroups()
	members := dynamicMembers{}
	for d := range uint32(len(s.fleet.names)) {
		if !s.fleet.has(d, flagProvisioned) {
			continue
		}
		if groups := g.of(s, d, nil); len(groups) > 0 {
			members[d] = groups
		}
	}
	return members
}

// truth evaluates a query against every provisioned device's document with
// the fleet index's single-document evaluator; members are the dynamic
// groups the documents' thingGroupNames list besides the static ones.
func (s *Sim) truth(n query.Node, members dynamicMembers) truthAnswer {
	cfg := s.sc.Indexing.Config
	evaluator := index.New(cfg, index.DefaultSettings()) // Match reads only its configuration
	parts := partsRead(n)
	var names []string
	for d := range uint32(len(s.fleet.names)) {
		if !s.fleet.has(d, flagProvisioned) {
			continue
		}
		doc := s.documentOf(d, parts)
		if dyn := members[d]; len(dyn) > 0 {
			doc.ThingGroupNames = append(slices.Clip(doc.ThingGroupNames), dyn...)
		}
		flat, err := index.Flatten(&doc, cfg)
		if err != nil {
			return truthAnswer{err: fmt.Sprintf("flattening %s: %v", s.fleet.names[d], err)}
		}
		if evaluator.Match(n, flat) {
			names = append(names, s.fleet.names[d])
		}
	}
	slices.Sort(names)
	return truthAnswer{names: names}
}

// document is device d's true thing document.
func (s *Sim) document(d uint32) index.Document { return s.documentOf(d, allParts) }

// documentParts are the parts of a thing document the truth builds.
type documentParts struct {
	template     bool // what a provisioning template made of the thing: type, attributes, groups
	attributes   bool
	shadow       bool
	connectivity bool
}

var allParts = documentParts{template: true, attributes: true, shadow: true, connectivity: true}

// partsRead returns the parts of a document a query reads: building the
// others for each of a million devices would cost the truth most of its
// time and change no answer. A bare term reads every field.
func partsRead(n query.Node) documentParts {
	if query.HasBareTerm(n) {
		return allParts
	}
	var p documentParts
	for _, f := range query.Fields(n) {
		switch f = index.CanonicalField(f); {
		case f == "thingTypeName" || f == "thingGroupNames":
			p.template = true
		case strings.HasPrefix(f, "attributes."):
			p.template, p.attributes = true, true
		case strings.HasPrefix(f, "shadow."):
			p.shadow = true
		case strings.HasPrefix(f, "connectivity."):
			p.connectivity = true
		}
	}
	return p
}

// documentOf is device d's true thing document with the parts given; the
// name, cohort type and groups are always there.
func (s *Sim) documentOf(d uint32, parts documentParts) index.Document {
	c := s.cohort(d)
	doc := index.Document{ThingName: s.fleet.names[d], ThingTypeName: c.ThingType, ThingGroupNames: c.Groups}
	if parts.attributes {
		doc.Attributes = s.attributes(d)
	}
	if parts.template && c.Provisioning.Method != scenario.Registry {
		s.applyTemplateThing(d, &doc)
	}
	if parts.shadow {
		doc.ShadowObject = s.paths.object(s.fleet.devices[d].shadow)
	}
	if parts.connectivity && s.fleet.has(d, flagEverConnected) {
		conn := &index.Connectivity{Connected: s.fleet.has(d, flagConnected), Timestamp: Epoch.UnixMilli() + s.fleet.devices[d].connMs}
		if !conn.Connected {
			conn.DisconnectReason = core.ReasonConnectionLost
		}
		doc.Connectivity = conn
	}
	return doc
}

// query runs timeline query i: the index's answer, every page, and the
// truth (taken now, or at T−lag+1 when the index lags).
func (s *Sim) query(i int, q *scenario.Query) {
	out := report.Query{At: float64(s.nowMs) / 1000}
	var got []string
	next := ""
	for {
		resp, err := s.core.SearchIndex(core.SearchIndexRequest{QueryString: q.QueryString, MaxResults: 500, NextToken: next})
		if err != nil {
			out.Error = err.Error()
			break
		}
		for _, t := range resp.Things {
			got = append(got, t.ThingName)
		}
		if next = resp.NextToken; next == "" {
			break
		}
	}
	truth, ok := s.truths[i]
	if !ok {
		var members dynamicMembers
		if s.readsDynamicGroups(q.Node) {
			members = s.dynamicMembership()
		}
		truth = s.truth(q.Node, members)
	}
	if truth.err != "" && out.Error == "" {
		out.Error = "truth: " + truth.err
	}
	slices.Sort(got)
	out.Count, out.Truth = int64(len(got)), int64(len(truth.names))
	out.Differences = differences(got, truth.names, 10)
	out.SameThings = len(out.Differences) == 0 && out.Count == out.Truth
	s.rep.Queries[q.Name] = out
}

// differences lists up to limit names in one sorted list only: "+name" in
// the index's answer alone, "-name" in the truth alone.
func differences(index, truth []string, limit int) []string {
	var out []string
	i, j := 0, 0
	for (i < len(index) || j < len(truth)) && len(out) < limit {
		switch {
		case j == len(truth) || (i < len(index) && index[i] < truth[j]):
			out = append(out, "+"+index[i])
			i++
		case i == len(index) || truth[j] < index[i]:
			out = append(out, "-"+truth[j])
			j++
		default:
			i++
			j++
		}
	}
	return out
}

// applyTemplateThing puts into a template-provisioned device's document
// what its template made of the thing: the type, the attributes under the
// cohort's (merged after the registration), the groups besides the
// cohort's. The template is evaluated with the parameters the device
// sent; one that needs what only the provisioning knew (the certificate
// id) leaves the cohort's view.
func (s *Sim) applyTemplateThing(d uint32, doc *index.Document) {
	c := s.cohort(d)
	t := s.templateOf(c.Provisioning.Template)
	if t == nil {
		return
	}
	// The certificate id is the provisioning's secret: a stand-in lets the
	// certificate resource evaluate, and a thing built from it is left out.
	const unknownCert = "fleetlab-truth-unknown-certificate"
	params := map[string]string{"AWS::Region": registry.DefaultRegion, "AWS::AccountId": registry.DefaultAccount, "AWS::IoT::Certificate::Id": unknownCert}
	for k, v := range s.parameters(d) {
		if c.Provisioning.Method == scenario.JITP {
			k = "AWS::IoT::Certificate::" + k // the parameters are the certificate's subject
		}
		params[k] = fmt.Sprint(v)
	}
	res, err := t.Evaluate(params)
	if err != nil || res.Thing == nil || dependsOn(res.Thing, unknownCert) {
		return
	}
	doc.ThingTypeName = res.Thing.ThingTypeName
	if len(res.Thing.Attributes) > 0 {
		attrs := maps.Clone(res.Thing.Attributes)
		maps.Copy(attrs, doc.Attributes)
		doc.Attributes = attrs
	}
	if len(res.Thing.ThingGroups) > 0 {
		groups := slices.Clone(res.Thing.ThingGroups)
		for _, g := range doc.ThingGroupNames {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
		doc.ThingGroupNames = groups
	}
}

// dependsOn reports whether an evaluated thing carries the value v.
func dependsOn(th *template.Thing, v string) bool {
	if strings.Contains(th.ThingTypeName, v) || slices.ContainsFunc(th.ThingGroups, func(g string) bool { return strings.Contains(g, v) }) {
		return true
	}
	for _, a := range th.Attributes {
		if strings.Contains(a, v) {
			return true
		}
	}
	return false
}

// templateOf returns the parsed provisioning template of that name, nil
// when there is none (parsed once).
func (s *Sim) templateOf(name string) *template.Template {
	if t, ok := s.templates[name]; ok {
		return t
	}
	var parsed *template.Template
	for _, tp := range s.sc.Templates {
		if tp.Name == name {
			parsed, _ = template.Parse(tp.Body)
		}
	}
	if s.templates == nil {
		s.templates = map[string]*template.Template{}
	}
	s.templates[name] = parsed
	return parsed
}
