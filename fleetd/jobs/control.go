package jobs

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// DefaultMaxResults is the page size of the List operations when
// maxResults is absent; the model allows 1..250.
const DefaultMaxResults = 50

// JobRequest names a job (GET /jobs/{jobId}, …).
type JobRequest struct {
	JobID              string `json:"-" uri:"jobId"`
	BeforeSubstitution bool   `json:"-" query:"beforeSubstitution"`
}

// DescribeJobResponse is DescribeJob's output.
type DescribeJobResponse struct {
	DocumentSource string `json:"documentSource,omitempty"`
	Job            Job    `json:"job"`
}

func (e *Engine) lookup(id string) (*job, error) {
	if err := checkJobID(id); err != nil {
		return nil, err
	}
	j := e.jobs[id]
	if j == nil || j.deleted {
		return nil, awserr.New(awserr.ResourceNotFound, "Job %s cannot be found", id)
	}
	return j, nil
}

// DescribeJob returns a job with its counters as of now.
func (e *Engine) DescribeJob(now time.Time, req JobRequest) (DescribeJobResponse, error) {
	j, err := e.lookup(req.JobID)
	if err != nil {
		return DescribeJobResponse{}, err
	}
	return DescribeJobResponse{DocumentSource: j.spec.DocumentSource, Job: e.describe(now, j)}, nil
}

func (e *Engine) describe(now time.Time, j *job) Job {
	d := j.counts
	rolling := j.status == JobInProgress && !j.rolloutStopped && !j.rolloutDone()
	if rolling || j.status == JobScheduled {
		d.ProcessingTargets = j.spec.Targets
	}
	out := Job{
		JobArn: j.arn, JobID: j.id, TargetSelection: j.spec.TargetSelection, Status: j.status,
		ForceCanceled: j.forceCanceled, ReasonCode: j.reasonCode, Comment: j.comment, Targets: j.spec.Targets,
		Description: j.spec.Description, PresignedURLConfig: j.spec.PresignedURLConfig,
		JobExecutionsRolloutConfig: j.spec.JobExecutionsRolloutConfig, AbortConfig: j.spec.AbortConfig,
		CreatedAt: ts(j.createdAt), LastUpdatedAt: ts(j.updatedAt), CompletedAt: ts(j.completedAt),
		JobProcessDetails: d, TimeoutConfig: j.spec.TimeoutConfig, NamespaceID: j.spec.NamespaceID,
		JobTemplateArn: j.spec.JobTemplateArn, JobExecutionsRetryConfig: j.spec.JobExecutionsRetryConfig,
		DocumentParameters: j.spec.DocumentParameters, IsConcurrent: rolling,
		SchedulingConfig: j.spec.SchedulingConfig, DestinationPackageVersions: j.spec.DestinationPackageVersions,
	}
	if j.windows != nil && (j.status == JobScheduled || j.status == JobInProgress) {
		out.ScheduledJobRollouts = j.windows.upcoming(now, 7)
	}
	return out
}

// GetJobDocumentResponse is GetJobDocument's output.
type GetJobDocumentResponse struct {
	Document string `json:"document"`
}

// GetJobDocument returns a job's document (GET /jobs/{jobId}/job-document).
func (e *Engine) GetJobDocument(req JobRequest) (GetJobDocumentResponse, error) {
	j, err := e.lookup(req.JobID)
	if err != nil {
		return GetJobDocumentResponse{}, err
	}
	if req.BeforeSubstitution && j.spec.DocumentBeforeSubstitution != "" {
		return GetJobDocumentResponse{Document: j.spec.DocumentBeforeSubstitution}, nil
	}
	return GetJobDocumentResponse{Document: j.document}, nil
}

// ListJobsRequest is ListJobs' input.
type ListJobsRequest struct {
	Status          string `json:"-" query:"status"`
	TargetSelection string `json:"-" query:"targetSelection"`
	MaxResults      int    `json:"-" query:"maxResults"`
	NextToken       string `json:"-" query:"nextToken"`
	ThingGroupName  string `json:"-" query:"thingGroupName"`
	ThingGroupID    string `json:"-" query:"thingGroupId"`
	NamespaceID     string `json:"-" query:"namespaceId"`
}

// ListJobsResponse is ListJobs' output.
type ListJobsResponse struct {
	Jobs      []JobSummary `json:"jobs"`
	NextToken string       `json:"nextToken,omitempty"`
}

// ListJobs lists jobs, newest first.
func (e *Engine) ListJobs(req ListJobsRequest) (ListJobsResponse, error) {
	var p problems
	switch JobStatus(req.Status) {
	case "", JobInProgress, JobCanceled, JobCompleted, JobDeletionInProgress, JobScheduled:
	default:
		p.addf("status must be one of IN_PROGRESS, CANCELED, COMPLETED, DELETION_IN_PROGRESS, SCHEDULED, got %q", req.Status)
	}
	switch req.TargetSelection {
	case "", Snapshot, Continuous:
	default:
		p.addf("targetSelection must be SNAPSHOT or CONTINUOUS, got %q", req.TargetSelection)
	}
	if err := p.err(); err != nil {
		return ListJobsResponse{}, err
	}
	keep := func(i int) bool {
		j := e.order[len(e.order)-1-i]
		return !j.deleted && (req.Status == "" || string(j.status) == req.Status) &&
			(req.TargetSelection == "" || j.spec.TargetSelection == req.TargetSelection) &&
			(req.ThingGroupName == "" || contains(j.groups, req.ThingGroupName)) &&
			(req.NamespaceID == "" || j.spec.NamespaceID == req.NamespaceID)
	}
	idx, next, err := scanPage("jobs", len(e.order), req.NextToken, req.MaxResults, keep)
	if err != nil {
		return ListJobsResponse{}, err
	}
	out := ListJobsResponse{Jobs: []JobSummary{}, NextToken: next}
	for _, i := range idx {
		j := e.order[len(e.order)-1-i]
		out.Jobs = append(out.Jobs, JobSummary{
			JobArn: j.arn, JobID: j.id, TargetSelection: j.spec.TargetSelection, Status: j.status,
			CreatedAt: ts(j.createdAt), LastUpdatedAt: ts(j.updatedAt), CompletedAt: ts(j.completedAt),
			IsConcurrent: j.status == JobInProgress && !j.rolloutStopped && !j.rolloutDone(),
		})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CancelJobRequest is CancelJob's input (PUT /jobs/{jobId}/cancel).
type CancelJobRequest struct {
	JobID      string `json:"-" uri:"jobId"`
	Force      bool   `json:"-" query:"force"`
	ReasonCode string `json:"reasonCode,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// CancelJob cancels a job. Without force only QUEUED executions are
// canceled; IN_PROGRESS ones run on and may still complete.
func (e *Engine) CancelJob(now time.Time, req CancelJobRequest) (CreateJobResponse, error) {
	e.Tick(now)
	var p problems
	if len(req.ReasonCode) > MaxReasonCodeChars || !reasonPattern.MatchString(req.ReasonCode) {
		p.addf("reasonCode must be at most %d characters of upper-case letters, digits and _, got %q", MaxReasonCodeChars, req.ReasonCode)
	}
	if utf8.RuneCountInString(req.Comment) > MaxCommentChars {
		p.addf("comment must be at most %d characters", MaxCommentChars)
	}
	if hasControl(req.Comment) {
		p.addf("comment must not contain control characters")
	}
	if err := p.err(); err != nil {
		return CreateJobResponse{}, err
	}
	j, err := e.lookup(req.JobID)
	if err != nil {
		return CreateJobResponse{}, err
	}
	switch {
	case j.status == JobDeletionInProgress:
		return CreateJobResponse{}, awserr.New(awserr.InvalidRequest, "Job %s is being deleted and cannot be canceled", j.id)
	case j.status == JobCompleted:
		return CreateJobResponse{}, awserr.New(awserr.InvalidRequest, "Job %s is COMPLETED and cannot be canceled", j.id)
	case j.status == JobCanceled && !(req.Force && !j.forceCanceled):
		return CreateJobResponse{}, awserr.New(awserr.InvalidRequest, "Job %s is already CANCELED", j.id)
	}
	e.cancelJob(now, j, req.Force, req.ReasonCode, req.Comment)
	return CreateJobResponse{JobArn: j.arn, JobID: j.id, Description: j.spec.Description}, nil
}

// DeleteJobRequest is DeleteJob's input (DELETE /jobs/{jobId}).
type DeleteJobRequest struct {
	JobID       string `json:"-" uri:"jobId"`
	Force       bool   `json:"-" query:"force"`
	NamespaceID string `json:"-" query:"namespaceId"`
}

// DeleteJob deletes a job and its executions. Without force only a
// COMPLETED or CANCELED job may be deleted. As on AWS the job is then
// DELETION_IN_PROGRESS for a while (deletionDelay: a second, and a
// millisecond per execution, at most five minutes) before it disappears
// and its id may be used again; its executions are gone at once. At most
// MaxDeletionsInFlight jobs are being deleted at a time.
func (e *Engine) DeleteJob(now time.Time, req DeleteJobRequest) (struct{}, error) {
	e.Tick(now)
	j, err := e.lookup(req.JobID)
	if err != nil {
		return struct{}{}, err
	}
	if j.status == JobDeletionInProgress {
		return struct{}{}, nil // already on its way
	}
	if !req.Force && j.status != JobCompleted && j.status != JobCanceled {
		return struct{}{}, awserr.New(awserr.InvalidStateTransition, "Job %s is %s: only COMPLETED or CANCELED jobs can be deleted without force", j.id, j.status)
	}
	inFlight := 0
	for _, o := range e.order {
		if o.status == JobDeletionInProgress {
			inFlight++
		}
	}
	if inFlight >= MaxDeletionsInFlight {
		return struct{}{}, awserr.New(awserr.LimitExceeded, "%d jobs are being deleted; at most %d can be at once", inFlight, MaxDeletionsInFlight)
	}
	executions := len(j.list)
	for _, x := range j.list {
		if x == nil {
			continue
		}
		e.unlink(x)
		for a := x; a != nil; a = a.prev {
			e.sink.Dirty(keyExec(j.id, a.thing))
		}
		if !x.status.Terminal() {
			e.pendingChanged(now, x.thing, true)
		}
	}
	j.execs, j.list = map[string]*execution{}, nil
	j.targets, j.released = nil, 0
	j.status, j.updatedAt = JobDeletionInProgress, now.UnixMilli()
	j.deleteAt = now.Add(deletionDelay(executions)).UnixMilli()
	e.armJob(j, time.UnixMilli(j.deleteAt))
	e.dirtyJob(j)
	e.sink.Dirty(keyTargets(j.id))
	return struct{}{}, nil
}

// deletionDelay is how long deleting a job with n executions takes.
func deletionDelay(n int) time.Duration {
	return min(time.Second+time.Duration(n)*time.Millisecond, 5*time.Minute)
}

// finishDeletion removes a job whose deletion time has come.
func (e *Engine) finishDeletion(at time.Time, j *job) {
	j.deleted = true
	e.armJob(j, time.Time{})
	delete(e.jobs, j.id)
	for i, o := range e.order {
		if o == j {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	e.sink.Dirty(keyJob(j.id))
	e.sink.Dirty(keyTargets(j.id))
	e.sink.Event(Event{Time: at, Kind: EventJobDeleted, Job: j.id})
}

// unlink removes a job's latest execution on a thing from the thing's
// list (the job's own structures go with the job or are fixed by the
// caller).
func (e *Engine) unlink(x *execution) {
	tj := e.things[x.thing]
	if tj == nil {
		return
	}
	for i, y := range tj.execs {
		if y == x {
			tj.execs = append(tj.execs[:i], tj.execs[i+1:]...)
			break
		}
	}
	if len(tj.execs) == 0 && tj.lastNext == nil {
		delete(e.things, x.thing)
	}
}

// UpdateJobRequest is UpdateJob's input (PATCH /jobs/{jobId}).
type UpdateJobRequest struct {
	JobID              string              `json:"-" uri:"jobId"`
	NamespaceID        string              `json:"-" query:"namespaceId"`
	Description        *string             `json:"description,omitempty"`
	PresignedURLConfig *PresignedURLConfig `json:"presignedUrlConfig,omitempty"`
	rollout.Config
}

// UpdateJob changes what AWS lets change on a job that has not finished:
// description, presigned URL settings, rollout rate, abort criteria,
// in-progress timeout (for executions that start afterwards), and retry
// counts, which may only be lowered to 0.
func (e *Engine) UpdateJob(now time.Time, req UpdateJobRequest) (struct{}, error) {
	e.Tick(now)
	j, err := e.lookup(req.JobID)
	if err != nil {
		return struct{}{}, err
	}
	if j.status != JobInProgress && j.status != JobScheduled {
		return struct{}{}, awserr.New(awserr.InvalidRequest, "Job %s is %s and can no longer be updated", j.id, j.status)
	}
	cfg := j.spec.Config
	if req.JobExecutionsRolloutConfig != nil {
		cfg.JobExecutionsRolloutConfig = req.JobExecutionsRolloutConfig
	}
	if req.AbortConfig != nil {
		cfg.AbortConfig = req.AbortConfig
	}
	if req.TimeoutConfig != nil {
		cfg.TimeoutConfig = req.TimeoutConfig
	}
	if req.JobExecutionsRetryConfig != nil {
		for i, c := range req.JobExecutionsRetryConfig.CriteriaList {
			if c.NumberOfRetries != nil && *c.NumberOfRetries != 0 && !sameRetry(j.spec.JobExecutionsRetryConfig, c) {
				return struct{}{}, awserr.New(awserr.InvalidRequest, "jobExecutionsRetryConfig.criteriaList[%d].numberOfRetries can only be set to 0 after the job is created", i)
			}
		}
		cfg.JobExecutionsRetryConfig = req.JobExecutionsRetryConfig
	}
	plan, err := rollout.Compile(cfg)
	if err != nil {
		return struct{}{}, err
	}
	if req.Description != nil {
		if utf8.RuneCountInString(*req.Description) > MaxDescriptionChars {
			return struct{}{}, awserr.New(awserr.InvalidRequest, "description must be at most %d characters", MaxDescriptionChars)
		}
		j.spec.Description = *req.Description
	}
	if req.PresignedURLConfig != nil {
		j.spec.PresignedURLConfig = req.PresignedURLConfig
	}
	rateChanged := req.JobExecutionsRolloutConfig != nil
	j.spec.Config, j.plan = cfg, plan
	if rateChanged && j.limiterLive {
		j.limiter = rollout.NewLimiter(plan.Rate, now, j.limiter.Notified(), j.limiter.Succeeded())
	}
	j.updatedAt = now.UnixMilli()
	e.dirtyJob(j)
	e.rearm(now, j)
	return struct{}{}, nil
}

func sameRetry(c *rollout.JobExecutionsRetryConfig, r rollout.RetryCriteria) bool {
	if c == nil {
		return false
	}
	for _, o := range c.CriteriaList {
		if o.FailureType == r.FailureType && o.NumberOfRetries != nil && r.NumberOfRetries != nil && *o.NumberOfRetries == *r.NumberOfRetries {
			return true
		}
	}
	return false
}

// AssociateTargetsRequest is AssociateTargetsWithJob's input
// (POST /jobs/{jobId}/targets).
type AssociateTargetsRequest struct {
	JobID       string   `json:"-" uri:"jobId"`
	NamespaceID string   `json:"-" query:"namespaceId"`
	Targets     []string `json:"targets"`
	Comment     string   `json:"comment,omitempty"`
}

// AssociateTargetsWithJob adds targets to a continuous job; their things
// get executions at once, as group joiners do.
func (e *Engine) AssociateTargetsWithJob(now time.Time, req AssociateTargetsRequest) (CreateJobResponse, error) {
	e.Tick(now)
	j, err := e.lookup(req.JobID)
	if err != nil {
		return CreateJobResponse{}, err
	}
	var p problems
	if len(req.Targets) == 0 {
		p.addf("targets must hold at least one thing or thing group ARN")
	}
	if j.spec.TargetSelection != Continuous {
		p.addf("targets can only be added to a CONTINUOUS job; %s is SNAPSHOT", j.id)
	}
	if j.status != JobInProgress {
		p.addf("targets can only be added to an IN_PROGRESS job; %s is %s", j.id, j.status)
	}
	if len(j.spec.Targets)+len(req.Targets) > MaxTargetsPerJob {
		p.addf("a job has at most %d targets", MaxTargetsPerJob)
	}
	if utf8.RuneCountInString(req.Comment) > MaxCommentChars {
		p.addf("comment must be at most %d characters", MaxCommentChars)
	}
	if hasControl(req.Comment) {
		p.addf("comment must not contain control characters")
	}
	type target struct {
		kind targetKind
		name string
	}
	var add []target
	for i, arn := range req.Targets {
		kind, name, ok := parseTargetArn(arn)
		if !ok || name == "" {
			p.addf("targets[%d] must be a thing or thing group ARN, got %q", i, arn)
			continue
		}
		add = append(add, target{kind, name})
	}
	if err := p.err(); err != nil {
		return CreateJobResponse{}, err
	}
	for _, t := range add {
		if t.kind == targetThing && !e.fleet.ThingExists(t.name) {
			return CreateJobResponse{}, awserr.New(awserr.ResourceNotFound, "Thing %s cannot be found", t.name)
		}
		if t.kind == targetGroup && !e.fleet.ThingGroupExists(t.name) {
			return CreateJobResponse{}, awserr.New(awserr.ResourceNotFound, "Thing group %s cannot be found", t.name)
		}
	}
	for i, t := range add {
		if contains(j.spec.Targets, req.Targets[i]) {
			continue
		}
		j.spec.Targets = append(j.spec.Targets, req.Targets[i])
		var things []string
		if t.kind == targetThing {
			j.directThings[t.name] = true
			things = []string{t.name}
		} else {
			j.groups = append(j.groups, t.name)
			things = e.fleet.GroupThings(t.name)
		}
		for _, th := range things {
			e.join(now, j, th)
		}
	}
	if req.Comment != "" {
		j.comment = req.Comment
	}
	j.updatedAt = now.UnixMilli()
	e.dirtyJob(j)
	return CreateJobResponse{JobArn: j.arn, JobID: j.id, Description: j.spec.Description}, nil
}

// ExecutionRequest names one execution for the control plane.
type ExecutionRequest struct {
	ThingName       string `json:"-" uri:"thingName"`
	JobID           string `json:"-" uri:"jobId"`
	ExecutionNumber *int64 `json:"-" query:"executionNumber"`
}

// DescribeJobExecutionResponse is the control plane's DescribeJobExecution
// output.
type DescribeJobExecutionResponse struct {
	Execution JobExecution `json:"execution"`
}

// findExecution finds a thing's execution of a job: the latest, or the
// attempt with the given number.
func (e *Engine) findExecution(thing, jobID string, number *int64) (*execution, error) {
	if err := checkThingName(thing); err != nil {
		return nil, err
	}
	if err := checkJobID(jobID); err != nil {
		return nil, err
	}
	j := e.jobs[jobID]
	var x *execution
	if j != nil && !j.deleted {
		x = j.execs[thing]
	}
	for number != nil && x != nil && x.number != *number {
		x = x.prev
	}
	if x == nil {
		return nil, awserr.New(awserr.ResourceNotFound, "Job execution of job %s on thing %s cannot be found", jobID, thing)
	}
	return x, nil
}

// DescribeJobExecution returns an execution (GET /things/{t}/jobs/{j}).
func (e *Engine) DescribeJobExecution(now time.Time, req ExecutionRequest) (DescribeJobExecutionResponse, error) {
	x, err := e.findExecution(req.ThingName, req.JobID, req.ExecutionNumber)
	if err != nil {
		return DescribeJobExecutionResponse{}, err
	}
	out := JobExecution{
		JobID: x.job.id, Status: x.status, ForceCanceled: x.forceCanceled, ThingArn: e.thingArn(x.thing),
		QueuedAt: ts(x.queuedAt), StartedAt: ts(x.startedAt), LastUpdatedAt: ts(x.updatedAt),
		ExecutionNumber: x.number, VersionNumber: x.version,
	}
	if len(x.details) > 0 {
		out.StatusDetails = &StatusDetails{DetailsMap: x.details}
	}
	if !x.status.Terminal() {
		if s, ok := x.timer.ApproximateSecondsBeforeTimedOut(now); ok {
			out.ApproximateSecondsBeforeTimedOut = &s
		}
	}
	return DescribeJobExecutionResponse{Execution: out}, nil
}

func summary(x *execution) JobExecutionSummary {
	return JobExecutionSummary{Status: x.status, QueuedAt: ts(x.queuedAt), StartedAt: ts(x.startedAt),
		LastUpdatedAt: ts(x.updatedAt), ExecutionNumber: x.number, RetryAttempt: x.attempt.RetryAttempt()}
}

func validStatusFilter(s string) error {
	switch Status(s) {
	case "", Queued, InProgress, Succeeded, Failed, TimedOut, Rejected, Removed, Canceled:
		return nil
	}
	return awserr.New(awserr.InvalidRequest, "status must be one of QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED, got %q", s)
}

// ListExecutionsForJobRequest is ListJobExecutionsForJob's input.
type ListExecutionsForJobRequest struct {
	JobID      string `json:"-" uri:"jobId"`
	Status     string `json:"-" query:"status"`
	MaxResults int    `json:"-" query:"maxResults"`
	NextToken  string `json:"-" query:"nextToken"`
}

// ListExecutionsForJobResponse is ListJobExecutionsForJob's output.
type ListExecutionsForJobResponse struct {
	ExecutionSummaries []JobExecutionSummaryForJob `json:"executionSummaries"`
	NextToken          string                      `json:"nextToken,omitempty"`
}

// ListJobExecutionsForJob lists the latest execution of each thing, in
// the order they were first queued.
func (e *Engine) ListJobExecutionsForJob(req ListExecutionsForJobRequest) (ListExecutionsForJobResponse, error) {
	if err := validStatusFilter(req.Status); err != nil {
		return ListExecutionsForJobResponse{}, err
	}
	j, err := e.lookup(req.JobID)
	if err != nil {
		return ListExecutionsForJobResponse{}, err
	}
	keep := func(i int) bool {
		x := j.list[i]
		return x != nil && (req.Status == "" || string(x.status) == req.Status)
	}
	idx, next, err := scanPage("executions", len(j.list), req.NextToken, req.MaxResults, keep)
	if err != nil {
		return ListExecutionsForJobResponse{}, err
	}
	out := ListExecutionsForJobResponse{ExecutionSummaries: []JobExecutionSummaryForJob{}, NextToken: next}
	for _, i := range idx {
		x := j.list[i]
		out.ExecutionSummaries = append(out.ExecutionSummaries, JobExecutionSummaryForJob{ThingArn: e.thingArn(x.thing), JobExecutionSummary: summary(x)})
	}
	return out, nil
}

// ListExecutionsForThingRequest is ListJobExecutionsForThing's input.
type ListExecutionsForThingRequest struct {
	ThingName   string `json:"-" uri:"thingName"`
	Status      string `json:"-" query:"status"`
	NamespaceID string `json:"-" query:"namespaceId"`
	MaxResults  int    `json:"-" query:"maxResults"`
	NextToken   string `json:"-" query:"nextToken"`
	JobID       string `json:"-" query:"jobId"`
}

// ListExecutionsForThingResponse is ListJobExecutionsForThing's output.
type ListExecutionsForThingResponse struct {
	ExecutionSummaries []JobExecutionSummaryForThing `json:"executionSummaries"`
	NextToken          string                        `json:"nextToken,omitempty"`
}

// ListJobExecutionsForThing lists a thing's executions, the latest of each
// job, in the order they were queued.
func (e *Engine) ListJobExecutionsForThing(req ListExecutionsForThingRequest) (ListExecutionsForThingResponse, error) {
	if err := validStatusFilter(req.Status); err != nil {
		return ListExecutionsForThingResponse{}, err
	}
	if err := checkThingName(req.ThingName); err != nil {
		return ListExecutionsForThingResponse{}, err
	}
	if req.JobID != "" {
		if err := checkJobID(req.JobID); err != nil {
			return ListExecutionsForThingResponse{}, err
		}
	}
	var execs []*execution
	if tj := e.things[req.ThingName]; tj != nil {
		execs = tj.execs
	}
	if execs == nil && !e.fleet.ThingExists(req.ThingName) {
		return ListExecutionsForThingResponse{}, awserr.New(awserr.ResourceNotFound, "Thing %s cannot be found", req.ThingName)
	}
	keep := func(i int) bool {
		x := execs[i]
		return (req.Status == "" || string(x.status) == req.Status) && (req.JobID == "" || x.job.id == req.JobID) &&
			(req.NamespaceID == "" || x.job.spec.NamespaceID == req.NamespaceID)
	}
	idx, next, err := scanPage("thingExecutions", len(execs), req.NextToken, req.MaxResults, keep)
	if err != nil {
		return ListExecutionsForThingResponse{}, err
	}
	out := ListExecutionsForThingResponse{ExecutionSummaries: []JobExecutionSummaryForThing{}, NextToken: next}
	for _, i := range idx {
		x := execs[i]
		out.ExecutionSummaries = append(out.ExecutionSummaries, JobExecutionSummaryForThing{JobID: x.job.id, JobExecutionSummary: summary(x)})
	}
	return out, nil
}

// CancelExecutionRequest is CancelJobExecution's input
// (PUT /things/{thingName}/jobs/{jobId}/cancel).
type CancelExecutionRequest struct {
	ThingName       string            `json:"-" uri:"thingName"`
	JobID           string            `json:"-" uri:"jobId"`
	Force           bool              `json:"-" query:"force"`
	ExpectedVersion *int64            `json:"expectedVersion,omitempty"`
	StatusDetails   map[string]string `json:"statusDetails,omitempty"`
}

// CancelJobExecution cancels a thing's execution: a QUEUED one, or an
// IN_PROGRESS one with force.
func (e *Engine) CancelJobExecution(now time.Time, req CancelExecutionRequest) (struct{}, error) {
	e.Tick(now)
	if err := validateDetails(req.StatusDetails); err != nil {
		return struct{}{}, err
	}
	x, err := e.findExecution(req.ThingName, req.JobID, nil)
	if err != nil {
		return struct{}{}, err
	}
	switch {
	case x.status.Terminal():
		return struct{}{}, awserr.New(awserr.InvalidStateTransition, "The execution of job %s on thing %s is %s and cannot be canceled", x.job.id, x.thing, x.status)
	case x.status == InProgress && !req.Force:
		return struct{}{}, awserr.New(awserr.InvalidStateTransition, "The execution of job %s on thing %s is IN_PROGRESS: cancel it with force", x.job.id, x.thing)
	case req.ExpectedVersion != nil && *req.ExpectedVersion != x.version:
		return struct{}{}, awserr.New(awserr.VersionConflict, "The execution of job %s on thing %s is at version %d, not %d", x.job.id, x.thing, x.version, *req.ExpectedVersion)
	}
	if req.StatusDetails != nil {
		x.details = req.StatusDetails
	}
	x.forceCanceled = x.status == InProgress
	e.finish(now, x, Canceled)
	return struct{}{}, nil
}

// DeleteExecutionRequest is DeleteJobExecution's input
// (DELETE /things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}).
type DeleteExecutionRequest struct {
	ThingName       string `json:"-" uri:"thingName"`
	JobID           string `json:"-" uri:"jobId"`
	ExecutionNumber int64  `json:"-" uri:"executionNumber"`
	Force           bool   `json:"-" query:"force"`
	NamespaceID     string `json:"-" query:"namespaceId"`
}

// DeleteJobExecution deletes one execution. A non-terminal one needs
// force. Deleting a thing's latest execution takes it out of the job's
// counters (so out of the abort criteria's completed count, as AWS says).
func (e *Engine) DeleteJobExecution(now time.Time, req DeleteExecutionRequest) (struct{}, error) {
	e.Tick(now)
	n := req.ExecutionNumber
	x, err := e.findExecution(req.ThingName, req.JobID, &n)
	if err != nil {
		return struct{}{}, err
	}
	if !x.status.Terminal() && !req.Force {
		return struct{}{}, awserr.New(awserr.InvalidStateTransition, "The execution of job %s on thing %s is %s: delete it with force", x.job.id, x.thing, x.status)
	}
	j := x.job
	latest := j.execs[x.thing]
	if latest == x {
		j.counts.count(x.status, -1)
		j.list[x.slot] = nil
		delete(j.execs, x.thing)
		e.unlink(x)
		x.timerSeq++
		if !x.status.Terminal() {
			x.status = Removed // so its timer and any late update find it gone
			e.pendingChanged(now, x.thing, true)
		}
	} else {
		for y := latest; y != nil; y = y.prev {
			if y.prev == x {
				y.prev = x.prev
				break
			}
		}
	}
	e.sink.Dirty(keyExec(j.id, req.ThingName))
	e.maybeComplete(now, j)
	return struct{}{}, nil
}

func validateDetails(d map[string]string) error {
	var p problems
	if len(d) > MaxStatusDetails {
		p.addf("statusDetails holds at most %d entries, got %d", MaxStatusDetails, len(d))
	}
	for k, v := range d {
		if !detailKeyPattern.MatchString(k) {
			p.addf("statusDetails key %q must be 1 to 128 characters of [a-zA-Z0-9:_-]", k)
		}
		if v == "" {
			p.addf("statusDetails value of %q must not be empty", k)
		}
	}
	return p.err()
}

// scanPage pages over [0, n) keeping the positions keep accepts. The token
// is the position to resume from, so a page costs what it skips, not the
// whole list.
func scanPage(kind string, n int, token string, maxResults int, keep func(i int) bool) ([]int, string, error) {
	if maxResults == 0 {
		maxResults = DefaultMaxResults
	}
	if maxResults < 1 || maxResults > 250 {
		return nil, "", awserr.New(awserr.InvalidRequest, "maxResults must be between 1 and 250, got %d", maxResults)
	}
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		rest, ok := strings.CutPrefix(string(raw), kind+":")
		v, aerr := strconv.Atoi(rest)
		if err != nil || !ok || aerr != nil || v < 0 || v > n {
			return nil, "", awserr.New(awserr.InvalidRequest, "The nextToken is not valid for this operation")
		}
		start = v
	}
	var out []int
	for i := start; i < n; i++ {
		if !keep(i) {
			continue
		}
		if len(out) == maxResults {
			return out, base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(i))), nil
		}
		out = append(out, i)
	}
	return out, "", nil
}

// paginate pages a sorted list of names.
func paginate(names []string, token string, maxResults int) ([]string, string, error) {
	idx, next, err := scanPage("names", len(names), token, maxResults, func(int) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = names[i]
	}
	return out, next, nil
}
