package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Provisioning is how the fleet came to exist: report.json's provisioning.
type Provisioning struct {
	// Provisioned counts devices whose thing exists, whatever the method
	// (registry devices included).
	Provisioned int `json:"provisioned"`
	// Refused counts claim registrations fleetd refused (ProvisioningRefused
	// events: a safeguard or the pre-provisioning hook), RefusedBy by reason.
	Refused   int            `json:"refused"`
	RefusedBy map[string]int `json:"refusedBy"`
	// RegistrationTasks are the bulk registration tasks, by cohort.
	RegistrationTasks map[string]RegistrationTask `json:"registrationTasks"`
}

// RegistrationTask is a bulk cohort's StartThingRegistrationTask as
// DescribeThingRegistrationTask shows it at the end of the run.
type RegistrationTask struct {
	TaskID       string   `json:"taskId,omitempty"`
	Status       string   `json:"status"`
	SuccessCount int      `json:"successCount"`
	FailureCount int      `json:"failureCount"`
	StartedAt    *float64 `json:"startedAt"`       // simulated seconds; nil if it never started
	FinishedAt   *float64 `json:"finishedAt"`      // nil while it runs
	Error        string   `json:"error,omitempty"` // StartThingRegistrationTask refused it
}

// Counter returns successCount or failureCount.
func (t RegistrationTask) Counter(name string) (int64, bool) {
	switch name {
	case "successCount":
		return int64(t.SuccessCount), true
	case "failureCount":
		return int64(t.FailureCount), true
	}
	return 0, false
}

// NewProvisioning returns an empty Provisioning whose maps are not nil,
// so that report.json always shows them.
func NewProvisioning() Provisioning {
	return Provisioning{RefusedBy: map[string]int{}, RegistrationTasks: map[string]RegistrationTask{}}
}

// checkProvisioning evaluates the provisioned, refused and registration
// task expectations.
func checkProvisioning(rep *Report, e scenario.Expectation) (bool, string) {
	p := rep.Provisioning
	switch e.Kind {
	case scenario.Provisioned:
		return e.Holds(int64(p.Provisioned)), fmt.Sprintf("provisioned = %d of %d devices", p.Provisioned, rep.Devices)
	case scenario.Refused:
		if e.Reason != "" {
			n := p.RefusedBy[e.Reason]
			return e.Holds(int64(n)), fmt.Sprintf("refused for %s = %d (of %d refusals)", e.Reason, n, p.Refused)
		}
		return e.Holds(int64(p.Refused)), fmt.Sprintf("refused = %d%s", p.Refused, refusedByText(p.RefusedBy))
	}
	t, ok := p.RegistrationTasks[e.Cohort]
	switch {
	case !ok:
		return false, fmt.Sprintf("cohort %s never started its registration task (the run ended first)", e.Cohort)
	case t.Error != "":
		return false, fmt.Sprintf("the registration task of %s was refused: %s", e.Cohort, t.Error)
	case e.Kind == scenario.TaskStatus:
		return t.Status == e.Status, "status " + t.Status
	}
	v, known := t.Counter(e.Counter)
	if !known {
		return false, fmt.Sprintf("unknown counter %s", e.Counter)
	}
	return e.Holds(v), fmt.Sprintf("%s = %d", e.Counter, v)
}

func refusedByText(by map[string]int) string {
	if len(by) == 0 {
		return ""
	}
	parts := make([]string, 0, len(by))
	for _, r := range sortedKeys(by) {
		parts = append(parts, fmt.Sprintf("%s %d", r, by[r]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// mergeProvisioning adds a shard's provisioning to m: counts add; a task's
// status is the same in every shard or, when they differ, the first one
// that is not Completed.
func mergeProvisioning(m *Provisioning, p Provisioning) {
	m.Provisioned += p.Provisioned
	m.Refused += p.Refused
	for r, n := range p.RefusedBy {
		m.RefusedBy[r] += n
	}
	for c, t := range p.RegistrationTasks {
		o, seen := m.RegistrationTasks[c]
		if !seen {
			m.RegistrationTasks[c] = t
			continue
		}
		o.SuccessCount += t.SuccessCount
		o.FailureCount += t.FailureCount
		if o.Status == "Completed" && t.Status != "Completed" {
			o.Status = t.Status
		}
		if o.Error == "" {
			o.Error = t.Error
		}
		if o.FinishedAt == nil || t.FinishedAt == nil {
			o.FinishedAt = nil
		} else if *t.FinishedAt > *o.FinishedAt {
			o.FinishedAt = t.FinishedAt
		}
		m.RegistrationTasks[c] = o
	}
}

// writeProvisioning is the provisioning section of the human report and
// the summary: nothing when no device went through a provisioning flow.
func writeProvisioning(w io.Writer, p Provisioning, devices int, markdown bool) {
	if p.Refused == 0 && len(p.RegistrationTasks) == 0 && p.Provisioned == devices {
		return
	}
	if markdown {
		fmt.Fprintf(w, "\n## Provisioning\n\n%d of %d devices provisioned; %d claim registrations refused%s.\n",
			p.Provisioned, devices, p.Refused, refusedByText(p.RefusedBy))
		if len(p.RegistrationTasks) > 0 {
			fmt.Fprint(w, "\n| bulk cohort | task | status | succeeded | failed | started | finished |\n|---|---|---|---|---|---|---|\n")
		}
	} else {
		fmt.Fprintf(w, "\nprovisioned %d of %d devices, refused %d%s\n", p.Provisioned, devices, p.Refused, refusedByText(p.RefusedBy))
		if len(p.RegistrationTasks) > 0 {
			fmt.Fprintln(w, "bulk cohort\ttask\tstatus\tsucceeded\tfailed\tstarted\tfinished")
		}
	}
	for _, c := range sortedKeys(p.RegistrationTasks) {
		t := p.RegistrationTasks[c]
		st := t.Status
		if t.Error != "" {
			st = "refused: " + t.Error
		}
		if markdown {
			fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %s | %s |\n", c, t.TaskID, st, t.SuccessCount, t.FailureCount, seconds(t.StartedAt), seconds(t.FinishedAt))
		} else {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c, t.TaskID, st, t.SuccessCount, t.FailureCount, seconds(t.StartedAt), seconds(t.FinishedAt))
		}
	}
}
