package engine

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/fleetlab/fleetlab/index"
	"github.com/fleetlab/fleetlab/sim/scenario"
	"github.com/fleetlab/fleetlab/sim/wheel"
)

// The job agent of each device, driven through the jobs MQTT API as a real
// agent is: notify-next → start-next → (download) → IN_PROGRESS →
// (install) → outcome.

// executionRef is the part of a jobs payload's execution the agent reads.
type executionRef struct {
	Execution *struct {
		JobID           string          `json:"jobId"`
		ExecutionNumber int64           `json:"executionNumber"`
		JobDocument     json.RawMessage `json:"jobDocument"`
	} `json:"execution"`
}

func (s *Sim) jobsTopic(d uint32, rest string) string {
	return "$aws/things/" + s.fleet.names[d] + "/jobs/" + rest
}

// notifyNext is a notify-next delivered to a connected device.
func (s *Sim) notifyNext(d uint32, payload []byte) {
	a := &s.fleet.devices[d]
	var ref executionRef
	if err := json.Unmarshal(payload, &ref); err != nil || ref.Execution == nil {
		return // nothing pending
	}
	switch a.phase {
	case agentIdle:
	case agentHung:
		if j, ok := s.jobIndex[ref.Execution.JobID]; ok && j == a.job && int64(a.exec) == ref.Execution.ExecutionNumber {
			return // still stuck on this very execution
		}
		a.phase = agentIdle // another execution (a retry, another job) revives it
	default:
		a.flags |= flagAgentRecheck
		return
	}
	s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindAgentStart, Device: d})
}

// agentReconnected runs when the device's session opens.
func (s *Sim) agentReconnected(d uint32) {
	a := &s.fleet.devices[d]
	switch {
	case a.flags&flagAgentDeferred != 0:
		a.flags &^= flagAgentDeferred
		kind := kindAgentProgress
		if a.phase == agentInstalling {
			kind = kindAgentFinish
		}
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kind, Device: d})
	case a.phase == agentIdle:
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindAgentStart, Device: d})
	}
}

// executionNumber names the execution an update is about, so that the
// late answer of an attempt that timed out meanwhile is refused rather
// than taken for its retry's.
func (s *Sim) executionNumber(a *device) string {
	return `,"executionNumber":` + strconv.FormatUint(uint64(a.exec), 10)
}

func (s *Sim) stepTimeout(d uint32) string {
	if st := s.cohort(d).Jobs.StepTimeout; st > 0 {
		return `,"stepTimeoutInMinutes":` + strconv.FormatInt(int64(st/time.Minute), 10)
	}
	return ""
}

// agentStart asks for the next pending execution.
func (s *Sim) agentStart(d uint32) {
	a := &s.fleet.devices[d]
	if a.flags&flagConnected == 0 || a.phase != agentIdle {
		return
	}
	s.core.HandleJobsMQTT(s.now(), s.fleet.names[d], s.jobsTopic(d, "start-next"),
		[]byte(`{"statusDetails":{"step":"downloading"}`+s.stepTimeout(d)+`}`))
	s.drain() // the reply comes back through route → started
}

// agentDraws are the samples of one execution, drawn in a fixed order from
// the device's job stream n, from the cohort's distributions or those of
// jobs.rules entry rule-1 (rule 0: none).
func (s *Sim) agentDraws(d uint32, n uint32, rule uint8) (scenario.Outcome, time.Duration, time.Duration) {
	ja := &s.cohort(d).Jobs
	outcomes, download, install := &ja.Outcome, &ja.Download, &ja.Install
	if rule > 0 {
		r := &ja.Rules[rule-1]
		if r.Outcome != nil {
			outcomes = r.Outcome
		}
		if r.Download != nil {
			download = r.Download
		}
		if r.Install != nil {
			install = r.Install
		}
	}
	r := s.rng.at(d, purposeJob, n)
	outcome, _ := outcomes.Pick(r)
	dl := download.Sample(r)
	in := install.Sample(r)
	return outcome, dl, in
}

// ruleMatcher evaluates jobs.rules selectors against a device's true
// state, with every data source on: rules read the simulator's state, not
// the fleet index.
type ruleMatcher struct {
	cfg       index.Config
	evaluator *index.Index // Match reads only its configuration
	// groups is set when some rule reads thingGroupNames and the scenario
	// has dynamic groups: the device's document then lists those it is in.
	groups bool
}

// agentRule returns 1 + the index of the first jobs.rules entry that
// applies to device d's execution of jobID now, 0 when none does.
func (s *Sim) agentRule(d uint32, jobID string) uint8 {
	rules := s.cohort(d).Jobs.Rules
	if len(rules) == 0 {
		return 0
	}
	if s.rules == nil {
		cfg := s.sc.Indexing.Config
		cfg.ThingIndexingMode, cfg.ThingConnectivityIndexingMode = "REGISTRY_AND_SHADOW", "STATUS"
		s.rules = &ruleMatcher{cfg: cfg, evaluator: index.New(cfg, index.DefaultSettings())}
		for _, c := range s.sc.Cohorts {
			for _, r := range c.Jobs.Rules {
				s.rules.groups = s.rules.groups || s.readsDynamicGroups(r.Query)
			}
		}
	}
	var flat index.Flat
	flattened := false
	for i := range rules {
		r := &rules[i]
		if r.JobID != "" && r.JobID != jobID {
			continue
		}
		if !flattened {
			doc := s.document(d)
			if s.rules.groups {
				doc.ThingGroupNames = s.dynamicGroups().of(s, d, slices.Clip(doc.ThingGroupNames))
			}
			var err error
			if flat, err = index.Flatten(&doc, s.rules.cfg); err != nil {
				return 0 // a document the index cannot take matches no rule, as it matches no query
			}
			flattened = true
		}
		if s.rules.evaluator.Match(r.Query, flat) {
			return uint8(i + 1)
		}
	}
	return 0
}

// started handles start-next/accepted.
func (s *Sim) started(d uint32, payload []byte) {
	a := &s.fleet.devices[d]
	var ref executionRef
	if err := json.Unmarshal(payload, &ref); err != nil || ref.Execution == nil || a.phase != agentIdle {
		return // nothing to do
	}
	x := ref.Execution
	j, ok := s.jobIndex[x.JobID]
	if !ok {
		j = s.addJob(x.JobID, x.JobDocument)
	}
	a.job, a.exec = j, uint32(x.ExecutionNumber)
	a.flags &^= flagAgentRecheck
	n := a.jobN
	a.jobN++
	a.rule = s.agentRule(d, x.JobID)
	outcome, download, _ := s.agentDraws(d, n, a.rule)
	a.outcome = uint8(outcome)
	if outcome == scenario.Hang {
		a.phase = agentHung
		return
	}
	a.phase = agentDownloading
	s.wheel.Schedule(wheel.Event{At: s.nowMs + download.Milliseconds(), Kind: kindAgentProgress, Device: d, Arg: n})
}

// agentProgress reports that the download is done and installing begins.
func (s *Sim) agentProgress(d uint32) {
	a := &s.fleet.devices[d]
	if a.phase != agentDownloading {
		return
	}
	if a.flags&flagConnected == 0 {
		a.flags |= flagAgentDeferred
		return
	}
	a.phase = agentInstalling
	job := &s.jobs[a.job]
	s.core.HandleJobsMQTT(s.now(), s.fleet.names[d], s.jobsTopic(d, job.id+"/update"),
		[]byte(`{"status":"IN_PROGRESS","statusDetails":{"step":"installing"}`+s.executionNumber(a)+`}`))
	s.drain()
	if a.phase != agentInstalling {
		return // rejected: the execution ended meanwhile (canceled, timed out)
	}
	_, _, install := s.agentDraws(d, a.jobN-1, a.rule)
	s.wheel.Schedule(wheel.Event{At: s.nowMs + install.Milliseconds(), Kind: kindAgentFinish, Device: d})
}

var outcomeStatus = map[scenario.Outcome]string{scenario.Succeeded: "SUCCEEDED", scenario.Failed: "FAILED", scenario.Rejected: "REJECTED"}

// agentFinish reports the outcome; on success the device then reports its
// new state to its shadow.
func (s *Sim) agentFinish(d uint32) {
	a := &s.fleet.devices[d]
	if a.phase != agentInstalling {
		return
	}
	if a.flags&flagConnected == 0 {
		a.flags |= flagAgentDeferred
		return
	}
	job := &s.jobs[a.job]
	outcome := scenario.Outcome(a.outcome)
	a.phase = agentIdle
	s.core.HandleJobsMQTT(s.now(), s.fleet.names[d], s.jobsTopic(d, job.id+"/update"),
		[]byte(`{"status":"`+outcomeStatus[outcome]+`"`+s.executionNumber(a)+`}`))
	s.drain()
	// The update is installed whatever became of the execution meanwhile
	// (a timeout, a forced cancel): the device reports its new state after
	// the outcome, so a job on a dynamic group the new state leaves counts
	// the execution SUCCEEDED, not REMOVED.
	if on := s.cohort(d).Jobs.OnSuccess; outcome == scenario.Succeeded && !on.Empty() {
		s.reportState(d, on, s.rng.at(d, purposeJobState, a.jobN-1), job)
	}
	if a.flags&flagAgentRecheck != 0 && a.phase == agentIdle {
		a.flags &^= flagAgentRecheck
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindAgentStart, Device: d})
	}
}

// updateRejected handles …/update/rejected: the execution is no longer
// the agent's to run (or, for a final answer, was not any more: it timed
// out or was canceled meanwhile). The agent looks for the next one, which
// may be that execution's retry.
func (s *Sim) updateRejected(d uint32) {
	a := &s.fleet.devices[d]
	if a.phase == agentDownloading || a.phase == agentInstalling || a.phase == agentIdle {
		a.phase = agentIdle
		s.wheel.Schedule(wheel.Event{At: s.nowMs, Kind: kindAgentStart, Device: d})
	}
}
