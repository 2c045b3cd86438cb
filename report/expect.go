package report

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Evaluate checks the scenario's expectations against the final state in
// rep, fills rep.Expectations (in the scenario's order) and sets rep.Passed.
// A job the timeline meant to create and fleetd refused fails the run
// whether or not an expectation names it: the rehearsal did not happen.
func Evaluate(rep *Report, exps []scenario.Expectation) {
	rep.Expectations = make([]ExpectationResult, 0, len(exps))
	rep.Passed = true
	for _, e := range exps {
		ok, detail := check(rep, e)
		rep.Expectations = append(rep.Expectations, ExpectationResult{Expect: e.String(), Passed: ok, Detail: detail})
		rep.Passed = rep.Passed && ok
	}
	for _, id := range slices.Sorted(maps.Keys(rep.Jobs)) {
		if j := rep.Jobs[id]; j.Error != "" {
			rep.Expectations = append(rep.Expectations, ExpectationResult{Expect: "job " + id + " is created",
				Passed: false, Detail: "CreateJob refused it: " + j.Error})
			rep.Passed = false
		}
	}
}

func check(rep *Report, e scenario.Expectation) (bool, string) {
	switch e.Kind {
	case scenario.JobStatus, scenario.JobCounter:
		j, ok := rep.Jobs[e.Job]
		switch {
		case !ok:
			return false, fmt.Sprintf("job %s was never created", e.Job)
		case j.Error != "":
			return false, fmt.Sprintf("job %s was refused: %s", e.Job, j.Error)
		}
		if e.Kind == scenario.JobCounter {
			v, known := j.JobProcessDetails.Counter(e.Counter)
			if !known {
				return false, fmt.Sprintf("unknown counter %s", e.Counter)
			}
			return e.Holds(v), fmt.Sprintf("%s = %d", e.Counter, v)
		}
		detail := "status " + j.Status
		if j.ReasonCode != "" {
			detail += ", reasonCode " + j.ReasonCode
		}
		return j.Status == e.Status && (e.ReasonCode == "" || j.ReasonCode == e.ReasonCode), detail
	case scenario.QueryTruth, scenario.QueryCount:
		q, ok := rep.Queries[e.Query]
		switch {
		case !ok:
			return false, fmt.Sprintf("query %s never ran (the run ended first)", e.Query)
		case q.Error != "":
			return false, fmt.Sprintf("query %s failed: %s", e.Query, q.Error)
		}
		if e.Kind == scenario.QueryCount {
			return e.Holds(q.Count), fmt.Sprintf("count = %d", q.Count)
		}
		equal := q.Count == q.Truth && q.SameThings
		detail := fmt.Sprintf("index %d, truth %d", q.Count, q.Truth)
		switch {
		case equal:
			detail += ", the same things"
		case q.Count == q.Truth:
			detail += fmt.Sprintf(", different things (%v)", q.Differences)
		case len(q.Differences) > 0:
			detail += fmt.Sprintf(" (%v)", q.Differences)
		}
		return equal == e.EqualsTruth, detail
	case scenario.Provisioned, scenario.Refused, scenario.TaskStatus, scenario.TaskCounter:
		return checkProvisioning(rep, e)
	}
	return false, "unknown kind of expectation"
}
