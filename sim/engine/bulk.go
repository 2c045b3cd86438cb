package engine

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

// Bulk registration, as a release team runs it with a factory's batch: at
// the cohort's start the simulator writes the input file — CSV with a
// header row of the template's parameters, one row per device of the
// cohort (in the shard) — and starts one StartThingRegistrationTask with
// the template body. The core runs the task in slices on its ticks and
// appends the RESULTS and ERRORS reports to Ready().Objects; each RESULTS
// line is a thing that now exists, and its device then enrols (cohort
// attributes and groups), reports its shadow and connects like any other.
// A device whose line is in ERRORS never exists.
//
// fleetd runs one task at a time, so a bulk cohort whose start comes while
// another's task runs waits for it, as an operator would.

// bulkBucket is the bucket the input files are said to be in; fleetd
// takes the content from the request, so nothing is stored.
const bulkBucket = "fleetlab-sim-bulk"

// bulkState is the registration tasks of a run.
type bulkState struct {
	running int    // cohort index of the running task; -1 for none
	taskID  string // the running task's id
	waiting []int  // cohorts whose start came while a task ran, in order
}

// bulkStart is a bulk cohort's start time: start its task, or queue it.
func (s *Sim) bulkStart(ci int) {
	if s.bulk.running >= 0 {
		s.bulk.waiting = append(s.bulk.waiting, ci)
		return
	}
	c := &s.sc.Cohorts[ci]
	rt := report.RegistrationTask{StartedAt: report.Seconds(float64(s.nowMs) / 1000)}
	input, err := s.bulkInput(ci)
	if err == nil {
		tmpl := s.template(c.Provisioning.Template)
		req := provision.StartThingRegistrationTaskRequest{TemplateBody: string(tmpl.Body), InputFileBucket: bulkBucket,
			InputFileKey: c.Name + ".csv", RoleArn: tmpl.ProvisioningRoleArn, Input: input}
		var resp provision.StartThingRegistrationTaskResponse
		resp, err = core.DoProvision(s.core, s.now(), (*provision.Engine).StartThingRegistrationTask, req)
		rt.TaskID = resp.TaskId
	}
	if err != nil {
		rt.Error = err.Error()
		s.rep.Provisioning.RegistrationTasks[c.Name] = rt
		s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf("cohort %s: StartThingRegistrationTask: %v", c.Name, err))
		s.drain()
		s.nextBulk()
		return
	}
	rt.Status = provision.TaskInProgress
	s.rep.Provisioning.RegistrationTasks[c.Name] = rt
	s.bulk.running, s.bulk.taskID = ci, rt.TaskID
	s.drain()
}

// bulkInput writes the cohort's input file: a header of its parameter
// names, then each device's sampled parameters (a value that is not set
// is an empty cell, which fleetd leaves out so the template's Default
// applies, or the line fails).
func (s *Sim) bulkInput(ci int) ([]byte, error) {
	c := &s.sc.Cohorts[ci]
	if len(c.Provisioning.Parameters) == 0 {
		// A CSV without columns has no lines; and the thing must be named after ${device.id}.
		return nil, fmt.Errorf("bulk needs parameters, at least the one the template names the thing after (\"${device.id}\")")
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(c.Provisioning.Parameters))
	for i, f := range c.Provisioning.Parameters {
		header[i] = f.Name
	}
	if err := w.Write(header); err != nil {
		return nil, fmt.Errorf("writing the CSV header: %w", err)
	}
	row := make([]string, len(header))
	first := s.fleet.base[ci]
	for d := first; d < first+uint32(c.Count); d++ {
		if !s.opts.Shard.has(d) {
			continue
		}
		params := s.deviceSpec(d).Parameters
		for i, name := range header {
			row[i] = ""
			if v, ok := params[name]; ok && v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		if err := w.Write(row); err != nil {
			return nil, fmt.Errorf("writing the CSV row of %s: %w", s.fleet.names[d], err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("writing the CSV input: %w", err)
	}
	return b.Bytes(), nil
}

func (s *Sim) template(name string) *scenario.Template {
	for i := range s.sc.Templates {
		if s.sc.Templates[i].Name == name {
			return &s.sc.Templates[i]
		}
	}
	return nil // the scenario resolved every template a cohort names
}

// bulkResults reads a RESULTS report append of the running task: each
// thing it names is a device that now exists and enrols at once. drain
// calls it, so it schedules rather than calls the core.
func (s *Sim) bulkResults(o *core.ObjectAppend) {
	if s.bulk.running < 0 || o.Bucket != bulkBucket || o.Key != provision.ReportKey(s.bulk.taskID, provision.ReportResults) {
		return
	}
	ci := s.bulk.running
	sc := bufio.NewScanner(bytes.NewReader(o.Data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Line      int    `json:"line"`
			ThingName string `json:"thingName"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf("cohort %s: a RESULTS line that is not JSON: %v", s.sc.Cohorts[ci].Name, err))
			continue
		}
		d, ok := s.fleet.device(line.ThingName)
		if !ok || int(s.fleet.devices[d].cohort) != ci {
			s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf("cohort %s: template %s named the thing of input line %d %q; the simulator needs the device's name: make ThingName a parameter set to \"${device.id}\"",
				s.sc.Cohorts[ci].Name, s.sc.Cohorts[ci].Provisioning.Template, line.Line, line.ThingName))
			continue
		}
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindRegistered, Device: d})
	}
}

// registered is a bulk-registered device: it enrols, then comes online.
func (s *Sim) registered(d uint32) {
	if s.fleet.has(d, flagProvisioned) {
		return // a thing registered twice (a repeated input line) comes online once
	}
	err := enrol(s.core, s.now(), s.deviceSpec(d))
	s.drain()
	if err != nil {
		s.rep.Warnings = append(s.rep.Warnings, err.Error())
		return
	}
	s.online(d)
}

// bulkFinished records the running task's final state and starts the
// next waiting cohort's.
func (s *Sim) bulkFinished() {
	if s.bulk.running < 0 {
		return
	}
	s.describeTask(s.bulk.running, true)
	s.bulk.running, s.bulk.taskID = -1, ""
	s.nextBulk()
}

func (s *Sim) nextBulk() {
	if len(s.bulk.waiting) == 0 {
		return
	}
	ci := s.bulk.waiting[0]
	s.bulk.waiting = s.bulk.waiting[1:]
	s.bulkStart(ci)
}

// describeTask copies DescribeThingRegistrationTask into the report.
func (s *Sim) describeTask(ci int, finished bool) {
	name := s.sc.Cohorts[ci].Name
	rt := s.rep.Provisioning.RegistrationTasks[name]
	resp, err := core.ReadProvision(s.core, (*provision.Engine).DescribeThingRegistrationTask,
		provision.DescribeThingRegistrationTaskRequest{TaskId: rt.TaskID})
	if err != nil {
		rt.Error = "DescribeThingRegistrationTask: " + err.Error()
	} else {
		rt.Status, rt.SuccessCount, rt.FailureCount = resp.Status, resp.SuccessCount, resp.FailureCount
	}
	if finished {
		rt.FinishedAt = report.Seconds(float64(s.nowMs) / 1000)
	}
	s.rep.Provisioning.RegistrationTasks[name] = rt
}

// isTaskFinished reports whether a core event ends a registration task.
func isTaskFinished(e *core.Event) bool {
	return e.Kind == core.EventKind(provision.EventTaskFinished) && strings.Contains(e.Detail, "task=")
}
