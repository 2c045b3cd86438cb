package core

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/internal/transcript"
)

// Jobs commands of the transcript language. Devices are driven either
// through their MQTT requests (mqtt client=… topic=…) or, for hundreds of
// them at once, by start/finish, which send UpdateJobExecution for the
// first count executions of a job in a given status.
func init() {
	ops["create-things"] = createThings
	ops["create-job"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.CreateJobRequest) (any, error) {
		req.JobID = tc.Arg("id", "")
		if src := tc.Arg("source", ""); src != "" {
			req.DocumentSource = src
			doc := `{"operation":"from-source"}`
			req.SourceDocument = &doc
		}
		return h.c.Jobs().CreateJob(h.now, *req)
	})
	ops["job"] = func(h *harness, tc transcript.Case) (any, error) {
		d, err := h.c.Jobs().DescribeJob(h.now, jobs.JobRequest{JobID: tc.Arg("id", "")})
		if err != nil {
			return nil, err
		}
		return compactJob(d.Job), nil
	}
	ops["describe-job"] = func(h *harness, tc transcript.Case) (any, error) {
		return h.c.Jobs().DescribeJob(h.now, jobs.JobRequest{JobID: tc.Arg("id", "")})
	}
	ops["cancel-job"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.CancelJobRequest) (any, error) {
		req.JobID, req.Force = tc.Arg("id", ""), tc.Has("force")
		return h.c.Jobs().CancelJob(h.now, *req)
	})
	ops["delete-job"] = func(h *harness, tc transcript.Case) (any, error) {
		_, err := h.c.Jobs().DeleteJob(h.now, jobs.DeleteJobRequest{JobID: tc.Arg("id", ""), Force: tc.Has("force")})
		return nil, err
	}
	ops["update-job"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.UpdateJobRequest) (any, error) {
		req.JobID = tc.Arg("id", "")
		_, err := h.c.Jobs().UpdateJob(h.now, *req)
		return nil, err
	})
	ops["associate-targets"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.AssociateTargetsRequest) (any, error) {
		req.JobID = tc.Arg("id", "")
		return h.c.Jobs().AssociateTargetsWithJob(h.now, *req)
	})
	ops["create-job-template"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.CreateJobTemplateRequest) (any, error) {
		req.JobTemplateID = tc.Arg("id", "")
		return h.c.Jobs().CreateJobTemplate(h.now, *req)
	})
	ops["describe-execution"] = func(h *harness, tc transcript.Case) (any, error) {
		req := jobs.ExecutionRequest{ThingName: tc.Arg("thing", ""), JobID: tc.Arg("job", "")}
		if n := tc.Arg("n", ""); n != "" {
			v, _ := strconv.ParseInt(n, 10, 64)
			req.ExecutionNumber = &v
		}
		return h.c.Jobs().DescribeJobExecution(h.now, req)
	}
	ops["list-executions"] = func(h *harness, tc transcript.Case) (any, error) {
		resp, err := h.c.Jobs().ListJobExecutionsForJob(jobs.ListExecutionsForJobRequest{JobID: tc.Arg("job", ""), Status: tc.Arg("status", ""), MaxResults: 250})
		if err != nil {
			return nil, err
		}
		var lines []string
		for _, s := range resp.ExecutionSummaries {
			thing := s.ThingArn[strings.LastIndex(s.ThingArn, "/")+1:]
			lines = append(lines, fmt.Sprintf("%s#%d %s retry=%d", thing, s.JobExecutionSummary.ExecutionNumber, s.JobExecutionSummary.Status, s.JobExecutionSummary.RetryAttempt))
		}
		return lines, nil
	}
	ops["cancel-execution"] = jobOp(func(h *harness, tc transcript.Case, req *jobs.CancelExecutionRequest) (any, error) {
		req.ThingName, req.JobID, req.Force = tc.Arg("thing", ""), tc.Arg("job", ""), tc.Has("force")
		_, err := h.c.Jobs().CancelJobExecution(h.now, *req)
		return nil, err
	})
	ops["mqtt"] = func(h *harness, tc transcript.Case) (any, error) {
		h.c.HandleJobsMQTT(h.now, tc.Arg("client", ""), tc.Arg("topic", ""), []byte(tc.Input))
		return nil, nil
	}
	ops["start"] = func(h *harness, tc transcript.Case) (any, error) {
		return drive(h, tc, jobs.Queued, jobs.InProgress)
	}
	ops["finish"] = func(h *harness, tc transcript.Case) (any, error) {
		return drive(h, tc, jobs.Status(tc.Arg("from", string(jobs.InProgress))), jobs.Status(tc.Arg("status", "")))
	}
}

func jobOp[Req any](fn func(h *harness, tc transcript.Case, req *Req) (any, error)) op {
	return func(h *harness, tc transcript.Case) (any, error) {
		var req Req
		if err := decode(tc, &req); err != nil {
			return nil, err
		}
		return fn(h, tc, &req)
	}
}

// createThings registers count things named prefix0000…, in group when
// given (created if missing).
func createThings(h *harness, tc transcript.Case) (any, error) {
	n, _ := strconv.Atoi(tc.Arg("count", "1"))
	prefix, group := tc.Arg("prefix", "t"), tc.Arg("group", "")
	if group != "" {
		if _, err := Do(h.c, h.now, (*registry.Registry).CreateThingGroup, registry.CreateThingGroupRequest{ThingGroupName: group}); err != nil {
			return nil, err
		}
	}
	for i := range n {
		name := fmt.Sprintf("%s%04d", prefix, i)
		if _, err := Do(h.c, h.now, (*registry.Registry).CreateThing, registry.CreateThingRequest{ThingName: name}); err != nil {
			return nil, err
		}
		if group != "" {
			if err := DoErr(h.c, h.now, (*registry.Registry).AddThingToThingGroup, registry.AddThingToThingGroupRequest{ThingGroupName: group, ThingName: name}); err != nil {
				return nil, err
			}
		}
	}
	return fmt.Sprintf("%d things", n), nil
}

// drive sends UpdateJobExecution(to) for the first count executions of a
// job that are in status from, in the order they were queued.
func drive(h *harness, tc transcript.Case, from, to jobs.Status) (any, error) {
	n, _ := strconv.Atoi(tc.Arg("count", "1"))
	job := tc.Arg("job", "")
	var things []string
	next := ""
	for len(things) < n {
		resp, err := h.c.Jobs().ListJobExecutionsForJob(jobs.ListExecutionsForJobRequest{JobID: job, Status: string(from), MaxResults: 250, NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, s := range resp.ExecutionSummaries {
			things = append(things, s.ThingArn[strings.LastIndex(s.ThingArn, "/")+1:])
		}
		if next = resp.NextToken; next == "" {
			break
		}
	}
	if len(things) > n {
		things = things[:n]
	}
	for _, t := range things {
		if _, err := h.c.Jobs().UpdateJobExecution(h.now, jobs.UpdateRequest{ThingName: t, JobID: job, Status: to}); err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
	}
	return fmt.Sprintf("%d executions %s → %s", len(things), from, to), nil
}

// compactJob is a job's status and counters on one line.
func compactJob(j jobs.Job) string {
	d := j.JobProcessDetails
	s := fmt.Sprintf("%s queued=%d in_progress=%d succeeded=%d failed=%d rejected=%d timed_out=%d removed=%d canceled=%d",
		j.Status, d.NumberOfQueuedThings, d.NumberOfInProgressThings, d.NumberOfSucceededThings, d.NumberOfFailedThings,
		d.NumberOfRejectedThings, d.NumberOfTimedOutThings, d.NumberOfRemovedThings, d.NumberOfCanceledThings)
	if j.IsConcurrent {
		s += " rolling"
	}
	if j.ReasonCode != "" {
		s += " reason=" + j.ReasonCode
	}
	if j.Comment != "" {
		s += fmt.Sprintf(" comment=%q", j.Comment)
	}
	return s
}

// summarize prints how many messages went to each kind of topic and how
// many events of each kind happened, with the first and last time.
func summarize(b *strings.Builder, r Ready) {
	topics := map[string]int{}
	for _, m := range r.Messages {
		kind := m.Topic[strings.LastIndex(m.Topic, "/")+1:]
		if m.ClientID != "" {
			kind = "reply " + kind
		}
		topics[kind]++
	}
	for _, k := range slices.Sorted(maps.Keys(topics)) {
		fmt.Fprintf(b, "messages %s ×%d\n", k, topics[k])
	}
	type span struct {
		n           int
		first, last time.Time
	}
	events := map[string]*span{}
	for _, e := range r.Events {
		k := string(e.Kind)
		if e.Status != "" {
			k += " " + e.Status
		}
		s := events[k]
		if s == nil {
			s = &span{first: e.Time}
			events[k] = s
		}
		s.n++
		s.last = e.Time
	}
	for _, k := range slices.Sorted(maps.Keys(events)) {
		s := events[k]
		fmt.Fprintf(b, "events %s ×%d %s … %s\n", k, s.n, s.first.Format("15:04:05.000"), s.last.Format("15:04:05.000"))
	}
	for _, e := range r.Events {
		if e.Kind == EventKind(jobs.EventRolloutStep) || e.Kind == EventKind(jobs.EventJobAborted) || e.Kind == EventKind(jobs.EventJobCompleted) {
			fmt.Fprintf(b, "event %s %s job=%s", e.Time.Format("15:04:05.000"), e.Kind, e.Job)
			if e.Detail != "" {
				fmt.Fprintf(b, " %s", e.Detail)
			}
			b.WriteString("\n")
		}
	}
}

func TestTranscriptJobs(t *testing.T) { runTranscript(t, "jobs.txt", Options{Seed: 1}) }
func TestTranscriptJobsContinuous(t *testing.T) {
	runTranscript(t, "jobs-continuous.txt", Options{Seed: 1})
}
func TestTranscriptJobsRollout(t *testing.T) {
	runTranscript(t, "jobs-rollout.txt", Options{Seed: 1, Ephemeral: true})
}
