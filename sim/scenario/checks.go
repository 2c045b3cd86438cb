package scenario

import (
	"slices"
	"strings"
)

// crossChecks warns about what each part allows but the whole makes
// pointless: abort criteria that can never fire, retries on TIMED_OUT
// with nothing that times out, ${job.document.X} that no job provides.
func (p *parser) crossChecks() {
	sc := p.sc
	for _, info := range p.jobs {
		j := info.job
		if n, ok := p.targetedDevices(j); ok {
			for _, mn := range info.abortMin {
				var min int64
				if mn.Decode(&min) == nil && min > int64(n) {
					info.d.warnf(mn, scope{where: "job " + j.JobID},
						"abort criterion can never fire: minNumberOfExecutedThings %d is more than the %d devices the job targets", min, n)
				}
			}
		}
		if info.retryTO != nil && !info.hasTimeout && !slices.ContainsFunc(sc.Cohorts, func(c Cohort) bool { return c.Jobs.StepTimeout > 0 }) {
			info.d.warnf(info.retryTO, scope{where: "job " + j.JobID},
				"retries on TIMED_OUT never happen: the job has no timeoutConfig and no cohort sets jobs.stepTimeout")
		}
	}
	if len(p.jobs) == 0 {
		return
	}
	for _, r := range p.d.docRefs {
		found := false
		for _, info := range p.jobs {
			if _, ok := lookupPath(info.job.Document, r.v.Path); ok {
				found = true
				break
			}
		}
		if !found {
			p.d.warnf(r.node, r.s, "no job document has the field %s: ${%s} will leave the value unset", strings.Join(r.v.Path, "."), r.v)
		}
	}
}

// lookupPath finds a dotted path in a JSON object.
func lookupPath(doc map[string]any, path []string) (any, bool) {
	var cur any = doc
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// LookupDocument returns the value at path in a job document, for
// ${job.document.a.b}.
func LookupDocument(doc map[string]any, path []string) (any, bool) { return lookupPath(doc, path) }

// targetedDevices counts the devices a job targets when every target is a
// static group (with its child groups); ok is false when that cannot be
// known before the run (a thing ARN, a dynamic group).
func (p *parser) targetedDevices(j *CreateJob) (int, bool) {
	if j == nil || len(j.Targets) == 0 {
		return 0, false
	}
	in := map[string]bool{}
	for _, t := range j.Targets {
		g := p.groups[t.Name]
		if t.Kind != "thinggroup" || g == nil || g.Dynamic() {
			return 0, false
		}
		in[t.Name] = true
	}
	// Add descendants: parents come before children in thingGroups.
	for _, g := range p.sc.ThingGroups {
		if g.Parent != "" && in[g.Parent] {
			in[g.Name] = true
		}
	}
	n := 0
	for _, c := range p.sc.Cohorts {
		if slices.ContainsFunc(c.Groups, func(g string) bool { return in[g] }) {
			n += c.Count
		}
	}
	return n, true
}
