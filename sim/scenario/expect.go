package scenario

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// jobStatuses are the statuses a job can end a run in.
var jobStatuses = []string{"IN_PROGRESS", "CANCELED", "COMPLETED", "SCHEDULED", "DELETION_IN_PROGRESS"}

// jobCounters are DescribeJob's jobProcessDetails counters.
var jobCounters = []string{
	"numberOfQueuedThings", "numberOfInProgressThings", "numberOfSucceededThings", "numberOfFailedThings",
	"numberOfRejectedThings", "numberOfTimedOutThings", "numberOfCanceledThings", "numberOfRemovedThings",
}

// expectForms lists, per form, the keys it takes; the first is the one
// that selects the form.
var expectForms = map[ExpectKind][]string{
	JobStatus:   {"job", "status", "reasonCode"},
	JobCounter:  {"job", "counter", "min", "max"},
	QueryTruth:  {"query", "equalsTruth"},
	QueryCount:  {"query", "count"},
	Provisioned: {"provisioned"},
	Refused:     {"refused"},
	TaskStatus:  {"registrationTask", "status"},
	TaskCounter: {"registrationTask", "counter", "min", "max"},
}

// expectSubjects are the keys that say what an expectation is about; one
// expectation names exactly one.
var expectSubjects = []string{"job", "query", "provisioned", "refused", "registrationTask"}

func (p *parser) expectations(n *yaml.Node) {
	if n == nil {
		return
	}
	d, sc := p.d, p.sc
	items, ok := d.seq(n, scope{path: "expect"}, "expectations")
	if !ok {
		return
	}
	for i, it := range items {
		s := scope{path: fmt.Sprintf("expect[%d]", i)}
		f, ok := d.mapping(it, s, "expect")
		if !ok {
			continue
		}
		e := Expectation{Pos: d.pos(it)}
		var subjects []string
		for _, k := range expectSubjects {
			if f.has(k) {
				subjects = append(subjects, k)
			}
		}
		switch {
		case len(subjects) > 1:
			d.errorf(f.keys[subjects[1]], s, "an expectation is about one of %s; this one names %s", strings.Join(expectSubjects, ", "), strings.Join(subjects, " and "))
			continue
		case f.has("job") && f.has("status"):
			e.Kind = JobStatus
		case f.has("job") && f.has("counter"):
			e.Kind = JobCounter
		case f.has("job"):
			d.errorf(f.node, s, "expected status or counter with job")
			continue
		case f.has("query") && f.has("equalsTruth"):
			e.Kind = QueryTruth
		case f.has("query") && f.has("count"):
			e.Kind = QueryCount
		case f.has("query"):
			d.errorf(f.node, s, "expected equalsTruth or count with query")
			continue
		case f.has("provisioned"):
			e.Kind = Provisioned
		case f.has("refused"):
			e.Kind = Refused
		case f.has("registrationTask") && f.has("status"):
			e.Kind = TaskStatus
		case f.has("registrationTask") && f.has("counter"):
			e.Kind = TaskCounter
		case f.has("registrationTask"):
			d.errorf(f.node, s, "expected status or counter with registrationTask")
			continue
		default:
			d.errorf(f.node, s, "expected {job, status}, {job, counter, min?, max?}, {query, equalsTruth}, {query, count}, {provisioned}, {refused}, {registrationTask, status} or {registrationTask, counter, min?, max?}")
			continue
		}
		keys := expectForms[e.Kind]
		formKey := keys[min(1, len(keys)-1)] // the key that picked the form
		bad := false
		for k, kn := range f.keys {
			if !contains(keys, k) {
				d.errorf(kn, s, "%s does not go with %s (this form takes %s)", k, formKey, strings.Join(keys, ", "))
				bad = true
			}
		}
		if bad {
			continue
		}
		ok = true
		switch e.Kind {
		case Provisioned, Refused:
			if p.provisioningExpectation(&e, f, s) {
				sc.Expect = append(sc.Expect, e)
			}
			continue
		case TaskStatus, TaskCounter:
			if p.taskExpectation(&e, f, s) {
				sc.Expect = append(sc.Expect, e)
			}
			continue
		}
		if e.Kind == JobStatus || e.Kind == JobCounter {
			if e.Job, ok = d.nonEmpty(f.get("job"), s.key("job")); ok && p.jobs[e.Job] == nil {
				if !p.lostJob {
					d.errorf(f.get("job"), s.key("job"), "unknown job %q%s", e.Job, p.jobList())
				}
				ok = false
			}
		} else {
			if e.Query, ok = d.nonEmpty(f.get("query"), s.key("query")); ok && p.queries[e.Query] == nil {
				d.errorf(f.get("query"), s.key("query"), "unknown query %q%s", e.Query, p.queryList())
				ok = false
			}
		}
		ok2 := true
		switch e.Kind {
		case JobStatus:
			e.Status, ok2 = d.enum(f.get("status"), s.key("status"), jobStatuses...)
			if v := f.get("reasonCode"); v != nil && ok2 {
				e.ReasonCode, ok2 = d.nonEmpty(v, s.key("reasonCode"))
			}
		case JobCounter:
			e.Counter, ok2 = d.enum(f.get("counter"), s.key("counter"), jobCounters...)
			ok2 = p.bounds(&e, f, s) && ok2
		case QueryTruth:
			e.EqualsTruth, ok2 = d.boolean(f.get("equalsTruth"), s.key("equalsTruth"))
		case QueryCount:
			if v := deref(f.get("count")); v.Kind == yaml.MappingNode {
				g, ok3 := d.mapping(v, s.key("count"), "countRange")
				ok2 = ok3 && p.bounds(&e, g, s.key("count"))
			} else {
				var c int64
				c, ok2 = d.integer(v, s.key("count"), 0, math.MaxInt64)
				e.Min, e.Max, e.HasMin, e.HasMax = c, c, true, true
			}
		}
		if ok && ok2 {
			sc.Expect = append(sc.Expect, e)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bounds reads min and max (at least one) into e.
func (p *parser) bounds(e *Expectation, f fields, s scope) bool {
	d := p.d
	ok := true
	if v := f.get("min"); v != nil {
		e.Min, e.HasMin = d.integer(v, s.key("min"), 0, math.MaxInt64)
		ok = ok && e.HasMin
	}
	if v := f.get("max"); v != nil {
		e.Max, e.HasMax = d.integer(v, s.key("max"), 0, math.MaxInt64)
		ok = ok && e.HasMax
	}
	switch {
	case !f.has("min") && !f.has("max"):
		d.errorf(f.node, s, "expected min, max or both")
		return false
	case e.HasMin && e.HasMax && e.Min > e.Max:
		d.errorf(f.get("max"), s.key("max"), "max %d is below min %d", e.Max, e.Min)
		return false
	}
	return ok
}

// String prints the expectation for reports, e.g.
// "job fw-2.2.0 status CANCELED" or "job fw numberOfFailedThings <= 120".
func (e Expectation) String() string {
	bounds := func() string {
		switch {
		case e.HasMin && e.HasMax && e.Min == e.Max:
			return fmt.Sprintf("= %d", e.Min)
		case e.HasMin && e.HasMax:
			return fmt.Sprintf("between %d and %d", e.Min, e.Max)
		case e.HasMin:
			return fmt.Sprintf(">= %d", e.Min)
		}
		return fmt.Sprintf("<= %d", e.Max)
	}
	switch e.Kind {
	case JobStatus:
		s := fmt.Sprintf("job %s status %s", e.Job, e.Status)
		if e.ReasonCode != "" {
			s += " reasonCode " + e.ReasonCode
		}
		return s
	case JobCounter:
		return fmt.Sprintf("job %s %s %s", e.Job, e.Counter, bounds())
	case QueryTruth:
		if e.EqualsTruth {
			return fmt.Sprintf("query %s equals the ground truth", e.Query)
		}
		return fmt.Sprintf("query %s differs from the ground truth", e.Query)
	case QueryCount:
		return fmt.Sprintf("query %s count %s", e.Query, bounds())
	case Provisioned:
		return fmt.Sprintf("devices provisioned %s", bounds())
	case Refused:
		if e.Reason != "" {
			return fmt.Sprintf("claims refused for %s %s", e.Reason, bounds())
		}
		return fmt.Sprintf("claims refused %s", bounds())
	case TaskStatus:
		return fmt.Sprintf("registration task of %s status %s", e.Cohort, e.Status)
	case TaskCounter:
		return fmt.Sprintf("registration task of %s %s %s", e.Cohort, e.Counter, bounds())
	}
	return "?"
}

// Holds reports whether a value meets the expectation's bounds
// (JobCounter, QueryCount, Provisioned, Refused, TaskCounter).
func (e Expectation) Holds(v int64) bool {
	return (!e.HasMin || v >= e.Min) && (!e.HasMax || v <= e.Max)
}
