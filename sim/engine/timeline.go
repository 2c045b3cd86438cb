package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// jobInfo is a job the devices know of: its id and parsed document.
type jobInfo struct {
	id        string
	document  map[string]any
	err       string // CreateJob refused it
	submitted int64  // virtual ms
	// elsewhere: a shard's job whose every target is a device another
	// shard runs; it is not created here and not in this shard's report.
	elsewhere bool
}

func (s *Sim) addJob(id string, doc json.RawMessage) uint16 {
	var m map[string]any
	if len(doc) > 0 {
		_ = json.Unmarshal(doc, &m) // a document that is not an object leaves ${job.document.X} unset
	}
	return s.addJobDoc(id, m)
}

func (s *Sim) addJobDoc(id string, doc map[string]any) uint16 {
	if j, ok := s.jobIndex[id]; ok {
		return j
	}
	j := uint16(len(s.jobs))
	s.jobs = append(s.jobs, jobInfo{id: id, document: doc, submitted: s.nowMs})
	s.jobIndex[id] = j
	return j
}

func jobDescribeRequest(id string) jobs.JobRequest { return jobs.JobRequest{JobID: id} }

// timeline runs entry i of the timeline.
func (s *Sim) timeline(i int) {
	s.core.Tick(s.now()) // the core's own work due by now comes first
	s.drain()
	switch a := s.sc.Timeline[i].Action.(type) {
	case *scenario.CreateJob:
		s.createJob(a)
	case *scenario.CancelJob:
		if j, ok := s.jobIndex[a.JobID]; ok && s.jobs[j].elsewhere {
			break
		}
		_, err := s.core.Jobs().CancelJob(s.now(), jobs.CancelJobRequest{JobID: a.JobID, Force: a.Force, ReasonCode: a.ReasonCode, Comment: a.Comment})
		if err != nil {
			s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf("%s: CancelJob %s: %v", s.sc.Timeline[i].Pos, a.JobID, err))
		}
	case *scenario.Query:
		s.query(i, a)
	}
	s.drain()
}

func (s *Sim) createJob(a *scenario.CreateJob) {
	j := s.addJobDoc(a.JobID, a.Document)
	var req jobs.CreateJobRequest
	if err := json.Unmarshal(a.Body, &req); err != nil {
		s.jobs[j].err = fmt.Sprintf("decoding the CreateJob body: %v", err)
		return
	}
	req.JobID = a.JobID
	if s.opts.Shard.Count > 1 {
		if req.Targets = s.shardTargets(req.Targets); len(req.Targets) == 0 {
			s.jobs[j].elsewhere = true
			return
		}
	}
	if req.DocumentSource != "" {
		doc := a.SourceDocument // read by the scenario loader, as fleetd's adapter reads S3
		req.SourceDocument = &doc
	}
	if _, err := s.core.Jobs().CreateJob(s.now(), req); err != nil {
		s.jobs[j].err = err.Error()
	}
}

// shardTargets drops the thing targets that name a device another shard
// runs: in the whole run that thing exists, in this shard it never does,
// and CreateJob would refuse the job. Any other target is kept, so a
// target that is no device of the fleet is refused in every shard, as in
// the whole run.
func (s *Sim) shardTargets(targets []string) []string {
	kept := make([]string, 0, len(targets))
	for _, arn := range targets {
		if d, ok := s.targetDevice(arn); ok && !s.opts.Shard.has(d) {
			continue
		}
		kept = append(kept, arn)
	}
	return kept
}

// targetDevice returns the device a thing target ARN
// (arn:aws:iot:REGION:ACCOUNT:thing/NAME) names, if it names one.
func (s *Sim) targetDevice(arn string) (uint32, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" {
		return 0, false
	}
	name, ok := strings.CutPrefix(parts[5], "thing/")
	if !ok {
		return 0, false
	}
	return s.fleet.device(name)
}
