package scenario

import (
	"math"
	"slices"

	"go.yaml.in/yaml/v3"
)

// RefusalReasons are the reasons fleetd gives a refused claim registration
// (fleetd/provision: EventProvisioningRefused): the three safeguards and
// the pre-provisioning hook's no.
var RefusalReasons = []string{"MaxRegistrationsPerClaim", "RateLimit", "AllowList", "HookDenied", "HookFailed"}

// TaskStatuses are the statuses of a bulk registration task
// (DescribeThingRegistrationTask).
var TaskStatuses = []string{"InProgress", "Completed", "Failed", "Cancelled"}

// TaskCounters are DescribeThingRegistrationTask's counters.
var TaskCounters = []string{"successCount", "failureCount"}

// provisioningExpectation reads {provisioned: N | {min?, max?}} and
// {refused: N | {reason?, min?, max?}}.
func (p *parser) provisioningExpectation(e *Expectation, f fields, s scope) bool {
	d := p.d
	key, ctx := "provisioned", "countRange"
	if e.Kind == Refused {
		key, ctx = "refused", "refusedRange"
	}
	v := deref(f.get(key))
	if v.Kind != yaml.MappingNode {
		c, ok := d.integer(v, s.key(key), 0, math.MaxInt64)
		e.Min, e.Max, e.HasMin, e.HasMax = c, c, true, true
		return ok
	}
	g, ok := d.mapping(v, s.key(key), ctx)
	if !ok {
		return false
	}
	if r := g.get("reason"); r != nil {
		if e.Reason, ok = d.enum(r, s.key(key).key("reason"), RefusalReasons...); !ok {
			return false
		}
		if !g.has("min") && !g.has("max") {
			d.errorf(g.node, s.key(key), "expected min, max or both with reason")
			return false
		}
	}
	return p.bounds(e, g, s.key(key))
}

// taskExpectation reads {registrationTask: cohort, status} and
// {registrationTask: cohort, counter, min?, max?}: the cohort must be
// provisioned by method bulk.
func (p *parser) taskExpectation(e *Expectation, f fields, s scope) bool {
	d := p.d
	name, ok := d.nonEmpty(f.get("registrationTask"), s.key("registrationTask"))
	if ok {
		i := slices.IndexFunc(p.sc.Cohorts, func(c Cohort) bool { return c.Name == name })
		switch {
		case i < 0:
			d.errorf(f.get("registrationTask"), s.key("registrationTask"), "unknown cohort %q (registrationTask names a cohort provisioned by method bulk)", name)
			ok = false
		case p.sc.Cohorts[i].Provisioning.Method != Bulk:
			d.errorf(f.get("registrationTask"), s.key("registrationTask"), "cohort %s is provisioned by method %s; only method bulk runs a registration task", name, p.sc.Cohorts[i].Provisioning.Method)
			ok = false
		}
	}
	e.Cohort = name
	ok2 := true
	if e.Kind == TaskStatus {
		e.Status, ok2 = d.enum(f.get("status"), s.key("status"), TaskStatuses...)
	} else {
		e.Counter, ok2 = d.enum(f.get("counter"), s.key("counter"), TaskCounters...)
		ok2 = p.bounds(e, f, s) && ok2
	}
	return ok && ok2
}
