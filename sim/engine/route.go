package engine

import (
	"bytes"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/report"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

// drain takes what the core produced and delivers it: job events to the
// recorder, messages to the devices that would receive them. It never
// calls the core: a device's reaction is scheduled (at the current time if
// immediate) or is a change of its own state.
func (s *Sim) drain() {
	rd := s.core.Ready()
	for i := range rd.Objects {
		s.bulkResults(&rd.Objects[i])
	}
	for i := range rd.Events {
		s.recordEvent(&rd.Events[i])
	}
	for i := range rd.Messages {
		s.route(&rd.Messages[i])
	}
	s.core.Recycle(rd)
}

var jobEventKinds = map[core.EventKind]report.JobEventKind{
	core.EventKind(jobs.EventJobCreated):        report.JobCreated,
	core.EventKind(jobs.EventJobCompleted):      report.JobCompleted,
	core.EventKind(jobs.EventJobCanceled):       report.JobCanceled,
	core.EventKind(jobs.EventJobAborted):        report.JobAborted,
	core.EventKind(jobs.EventRolloutStep):       report.RolloutStep,
	core.EventKind(jobs.EventExecutionQueued):   report.ExecutionQueued,
	core.EventKind(jobs.EventExecutionStarted):  report.ExecutionStarted,
	core.EventKind(jobs.EventExecutionFinished): report.ExecutionFinished,
	core.EventKind(jobs.EventExecutionRetried):  report.ExecutionRetried,
}

func (s *Sim) recordEvent(e *core.Event) {
	switch {
	case e.Kind == core.EventKind(provision.EventProvisioningRefused):
		s.countRefusal(e)
		return
	case isTaskFinished(e):
		// After the task's last RESULTS, which drain scheduled first.
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindBulkFinished})
		return
	case e.Job == "":
		return
	}
	kind, ok := jobEventKinds[e.Kind]
	if !ok {
		return
	}
	if kind == report.ExecutionFinished {
		switch e.Status {
		case string(jobs.Succeeded):
			s.succeeded++
		case string(jobs.Failed), string(jobs.Rejected), string(jobs.TimedOut):
			s.failed++
		}
	}
	s.rec.Job(report.JobEvent{At: e.Time.Sub(Epoch), Kind: kind, Job: e.Job, Thing: e.Thing, Status: e.Status, Detail: e.Detail})
}

// heard reports whether route could deliver a message on topic to a
// device: only job topics. The core builds no shadow documents for the
// others (Options.Heard).
func heard(topic []byte) bool {
	rest, ok := bytes.CutPrefix(topic, []byte("$aws/things/"))
	return ok && bytes.Contains(rest, []byte("/jobs/"))
}

// route delivers one message. Replies (ClientID set) go to the device that
// asked; notify-next goes to its thing's device if connected, as the broker
// delivers only to live sessions. Everything else (shadow documents,
// lifecycle events, notify) has no subscriber among the devices.
func (s *Sim) route(m *core.Message) {
	rest, ok := strings.CutPrefix(m.Topic, "$aws/things/")
	if !ok {
		return
	}
	thing, op, ok := strings.Cut(rest, "/jobs/")
	if !ok {
		return
	}
	if m.ClientID != "" {
		d, ok := s.fleet.device(m.ClientID)
		if !ok {
			return
		}
		switch {
		case op == "start-next/accepted":
			s.started(d, m.Payload)
		case strings.HasSuffix(op, "/update/rejected"):
			s.updateRejected(d)
		}
		return
	}
	if op != "notify-next" {
		return
	}
	if d, ok := s.fleet.device(thing); ok && s.fleet.has(d, flagConnected) {
		s.notifyNext(d, m.Payload)
	}
}
