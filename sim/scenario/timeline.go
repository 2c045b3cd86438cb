package scenario

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// actions are the timeline's action keys (every timelineEntry key but at).
var actions = knownKeys["timelineEntry"][1:]

func (p *parser) timeline(n *yaml.Node) {
	p.jobs = map[string]*jobInfo{}
	p.queries = map[string]*Query{}
	if n == nil {
		return
	}
	d, sc := p.d, p.sc
	items, ok := d.seq(n, scope{path: "timeline"}, "entries {at, ACTION}")
	if !ok {
		return
	}
	type cancel struct {
		c    *CancelJob
		at   Event
		node *yaml.Node
		s    scope
	}
	var cancels []cancel
	for i, it := range items {
		s := scope{path: fmt.Sprintf("timeline[%d]", i)}
		m := deref(it)
		if m.Kind != yaml.MappingNode {
			d.errorf(it, s, "expected an entry {at: DURATION, ACTION: ...} with one of the actions %s, found %s", strings.Join(actions, ", "), describe(it))
			continue
		}
		var atNode *yaml.Node
		var acts []pair
		for _, pr := range d.pairs(m, s) {
			switch {
			case pr.key == "at":
				atNode = pr.v
			case slices.Contains(actions, pr.key):
				acts = append(acts, pr)
			default:
				hint := ""
				if c := closest(pr.key, knownKeys["timelineEntry"]); c != "" {
					hint = fmt.Sprintf(", did you mean %q?", c)
				}
				d.errorf(pr.k, scope{}, "unknown action %q in %s%s (known: at, %s)", pr.key, s.in(), hint, strings.Join(actions, ", "))
			}
		}
		ev := Event{Pos: d.pos(m)}
		if atNode == nil {
			d.errorf(m, s, "missing at (when the action happens, a duration from the start such as \"30m\")")
		} else if at, ok := d.duration(atNode, s.key("at")); ok {
			ev.At = at
			if sc.Duration > 0 && at > sc.Duration {
				d.errorf(atNode, s.key("at"), "%s is after the end of the scenario (duration %s)", at, sc.Duration)
			}
		}
		switch len(acts) {
		case 0:
			d.errorf(m, s, "missing an action: one of %s", strings.Join(actions, ", "))
			continue
		case 1:
		default:
			d.errorf(acts[1].k, s, "one action per entry; found %s and %s", acts[0].key, acts[1].key)
			continue
		}
		a := acts[0]
		as := s.key(a.key)
		switch a.key {
		case "createJob":
			if j := p.createJob(a.v, as, ev.At); j != nil {
				ev.Action = j
			}
		case "cancelJob":
			if c := p.cancelJob(a.v, as); c != nil {
				ev.Action = c
				cancels = append(cancels, cancel{c, ev, a.v, as})
			}
		case "query":
			if q := p.queryAction(a.v, as); q != nil {
				ev.Action = q
			}
		}
		if ev.Action != nil {
			sc.Timeline = append(sc.Timeline, ev)
		}
	}
	slices.SortStableFunc(sc.Timeline, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	for _, c := range cancels {
		info := p.jobs[c.c.JobID]
		_, idNode := lookup(c.node, "jobId")
		switch {
		case info == nil && p.lostJob:
		case info == nil:
			d.errorf(idNode, c.s.key("jobId"), "unknown job %q%s", c.c.JobID, p.jobList())
		case info.at > c.at.At:
			d.errorf(idNode, c.s.key("jobId"), "job %s is created at %s, after this cancelJob at %s", c.c.JobID, info.at, c.at.At)
		}
	}
}

// checkRuleJobs checks that the jobs jobs.rules name are created by the
// timeline.
func (p *parser) checkRuleJobs() {
	for _, r := range p.ruleJobs {
		if p.jobs[r.id] == nil && !p.lostJob {
			p.d.errorf(r.node, r.s, "unknown job %q%s", r.id, p.jobList())
		}
	}
}

// jobList is " (created by the timeline: a, b)" for messages.
func (p *parser) jobList() string {
	if len(p.jobs) == 0 {
		return " (the timeline creates no jobs)"
	}
	names := make([]string, 0, len(p.jobs))
	for id := range p.jobs {
		names = append(names, id)
	}
	slices.Sort(names)
	return " (the timeline creates: " + strings.Join(names, ", ") + ")"
}

func (p *parser) queryList() string {
	if len(p.queries) == 0 {
		return " (the timeline runs no queries)"
	}
	names := make([]string, 0, len(p.queries))
	for id := range p.queries {
		names = append(names, id)
	}
	slices.Sort(names)
	return " (the timeline runs: " + strings.Join(names, ", ") + ")"
}

// queryAction reads {name, queryString}.
func (p *parser) queryAction(n *yaml.Node, s scope) *Query {
	d := p.d
	f, ok := d.mapping(n, s, "query")
	if !ok {
		return nil
	}
	q := &Query{}
	if v := f.get("name"); v != nil {
		if name, ok := d.nonEmpty(v, s.key("name")); ok {
			if p.queries[name] != nil {
				d.errorf(v, s.key("name"), "query %s is defined twice", name)
			} else {
				q.Name = name
				p.queries[name] = q
			}
		}
	} else {
		d.missing(f, s, "name", "the name expectations and the report use")
	}
	v := f.get("queryString")
	if v == nil {
		d.missing(f, s, "queryString", "a fleet-index query")
		return nil
	}
	qs, node, ok := p.parseQuery(v, s.key("queryString"))
	if ok && !p.sc.Indexing.On() {
		if !p.badIndexing {
			d.errorf(v, s.key("queryString"), "a query needs fleet indexing: set indexing.thingIndexingMode to REGISTRY or REGISTRY_AND_SHADOW")
		}
		ok = false
	}
	q.QueryString, q.Node = qs, node
	if !ok || q.Name == "" {
		return nil
	}
	return q
}
