package jobs

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/jobs/rollout"
)

// The device side of jobs (spec §3.2 over MQTT, §1.7 iot-jobs-data over
// HTTPS): the same operations, two encodings. Over HTTPS the job document
// is a string; over MQTT a JSON object. Timestamps are epoch seconds.

// ExecutionState is an execution's status, details and version: what
// UpdateJobExecution and the rejections of spec §3.2 carry.
type ExecutionState struct {
	Status        Status            `json:"status"`
	StatusDetails map[string]string `json:"statusDetails,omitempty"`
	VersionNumber int64             `json:"versionNumber"`
}

// StateError is a rejection that carries the execution's current state
// (InvalidStateTransition, VersionMismatch).
type StateError struct {
	Err   *awserr.Error
	State ExecutionState
}

func (e *StateError) Error() string { return e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

// DeviceExecution is the jobs-data JobExecution.
type DeviceExecution struct {
	JobID                            string            `json:"jobId"`
	ThingName                        string            `json:"thingName"`
	Status                           Status            `json:"status"`
	StatusDetails                    map[string]string `json:"statusDetails,omitempty"`
	QueuedAt                         int64             `json:"queuedAt"`
	StartedAt                        int64             `json:"startedAt,omitempty"`
	LastUpdatedAt                    int64             `json:"lastUpdatedAt"`
	ApproximateSecondsBeforeTimedOut *int64            `json:"approximateSecondsBeforeTimedOut,omitempty"`
	VersionNumber                    int64             `json:"versionNumber"`
	ExecutionNumber                  int64             `json:"executionNumber"`
	JobDocument                      string            `json:"jobDocument,omitempty"`
}

// DeviceSummary is the jobs-data JobExecutionSummary.
type DeviceSummary struct {
	JobID           string `json:"jobId"`
	QueuedAt        int64  `json:"queuedAt"`
	StartedAt       int64  `json:"startedAt,omitempty"`
	LastUpdatedAt   int64  `json:"lastUpdatedAt"`
	VersionNumber   int64  `json:"versionNumber"`
	ExecutionNumber int64  `json:"executionNumber"`
}

func sec(ms int64) int64 { return ms / 1000 }

func deviceSummary(x *execution) DeviceSummary {
	return DeviceSummary{JobID: x.job.id, QueuedAt: sec(x.queuedAt), StartedAt: sec(x.startedAt),
		LastUpdatedAt: sec(x.updatedAt), VersionNumber: x.version, ExecutionNumber: x.number}
}

func (e *Engine) deviceExecution(now time.Time, x *execution, withDocument bool) DeviceExecution {
	out := DeviceExecution{JobID: x.job.id, ThingName: x.thing, Status: x.status, StatusDetails: x.details,
		QueuedAt: sec(x.queuedAt), StartedAt: sec(x.startedAt), LastUpdatedAt: sec(x.updatedAt),
		VersionNumber: x.version, ExecutionNumber: x.number}
	if !x.status.Terminal() {
		if s, ok := x.timer.ApproximateSecondsBeforeTimedOut(now); ok {
			out.ApproximateSecondsBeforeTimedOut = &s
		}
	}
	if withDocument {
		out.JobDocument = e.deviceDocument(now, x.job)
	}
	return out
}

func state(x *execution) ExecutionState {
	return ExecutionState{Status: x.status, StatusDetails: x.details, VersionNumber: x.version}
}

// pendingOf returns a thing's pending executions in the order devices see
// them: IN_PROGRESS first, then QUEUED, each by queue time.
func pendingOf(tj *thingJobs) []*execution {
	if tj == nil {
		return nil
	}
	var out []*execution
	for _, x := range tj.execs {
		if !x.status.Terminal() {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b *execution) int {
		if (a.status == InProgress) != (b.status == InProgress) {
			if a.status == InProgress {
				return -1
			}
			return 1
		}
		if a.queuedAt != b.queuedAt {
			return int(a.queuedAt - b.queuedAt)
		}
		return int(a.seq - b.seq)
	})
	return out
}

// pendingChanged publishes what a change of a thing's pending executions
// tells its device: notify when the pending set changed (an execution
// queued or finished), notify-next when the next execution is a different
// one.
func (e *Engine) pendingChanged(at time.Time, thing string, setChanged bool) {
	tj := e.things[thing]
	pend := pendingOf(tj)
	if setChanged {
		e.sink.Publish("$aws/things/"+thing+"/jobs/notify", e.notifyPayload(at, pend))
	}
	var next *execution
	if len(pend) > 0 {
		next = pend[0]
	}
	if tj == nil || next == tj.lastNext {
		return
	}
	tj.lastNext = next
	e.sink.Publish("$aws/things/"+thing+"/jobs/notify-next", e.notifyNextPayload(at, next))
	if next == nil && len(tj.execs) == 0 {
		delete(e.things, thing) // nothing left to remember
	}
}

func (e *Engine) notifyPayload(at time.Time, pend []*execution) []byte {
	var msg struct {
		Timestamp int64 `json:"timestamp"`
		Jobs      struct {
			InProgress []DeviceSummary `json:"IN_PROGRESS,omitempty"`
			Queued     []DeviceSummary `json:"QUEUED,omitempty"`
		} `json:"jobs"`
	}
	msg.Timestamp = at.Unix()
	for i, x := range pend {
		if i == e.opts.PendingListCap {
			break
		}
		if x.status == InProgress {
			msg.Jobs.InProgress = append(msg.Jobs.InProgress, deviceSummary(x))
		} else {
			msg.Jobs.Queued = append(msg.Jobs.Queued, deviceSummary(x))
		}
	}
	b, _ := json.Marshal(msg)
	return b
}

func (e *Engine) notifyNextPayload(at time.Time, next *execution) []byte {
	var msg struct {
		Timestamp int64          `json:"timestamp"`
		Execution *mqttExecution `json:"execution,omitempty"`
	}
	msg.Timestamp = at.Unix()
	if next != nil {
		m := e.mqttExecution(at, next, true)
		msg.Execution = &m
	}
	b, _ := json.Marshal(msg)
	return b
}

// mqttExecution is JobExecutionData over MQTT: the document is an object.
type mqttExecution struct {
	JobID                            string            `json:"jobId"`
	ThingName                        string            `json:"thingName"`
	JobDocument                      json.RawMessage   `json:"jobDocument,omitempty"`
	Status                           Status            `json:"status"`
	StatusDetails                    map[string]string `json:"statusDetails,omitempty"`
	QueuedAt                         int64             `json:"queuedAt"`
	StartedAt                        int64             `json:"startedAt,omitempty"`
	LastUpdatedAt                    int64             `json:"lastUpdatedAt"`
	ApproximateSecondsBeforeTimedOut *int64            `json:"approximateSecondsBeforeTimedOut,omitempty"`
	VersionNumber                    int64             `json:"versionNumber"`
	ExecutionNumber                  int64             `json:"executionNumber"`
}

func (e *Engine) mqttExecution(now time.Time, x *execution, withDocument bool) mqttExecution {
	d := e.deviceExecution(now, x, false)
	m := mqttExecution{JobID: d.JobID, ThingName: d.ThingName, Status: d.Status, StatusDetails: d.StatusDetails,
		QueuedAt: d.QueuedAt, StartedAt: d.StartedAt, LastUpdatedAt: d.LastUpdatedAt,
		ApproximateSecondsBeforeTimedOut: d.ApproximateSecondsBeforeTimedOut,
		VersionNumber:                    d.VersionNumber, ExecutionNumber: d.ExecutionNumber}
	if withDocument {
		m.JobDocument = json.RawMessage(e.deviceDocument(now, x.job))
	}
	return m
}

// ThingRequest names a thing (GET /things/{thingName}/jobs on
// iot-jobs-data).
type ThingRequest struct {
	ThingName string `json:"-" uri:"thingName"`
}

// PendingResponse is GetPendingJobExecutions' output.
type PendingResponse struct {
	InProgressJobs []DeviceSummary `json:"inProgressJobs"`
	QueuedJobs     []DeviceSummary `json:"queuedJobs"`
}

func (e *Engine) checkThing(thing string) error {
	if err := checkThingName(thing); err != nil {
		return err
	}
	if e.things[thing] == nil && !e.fleet.ThingExists(thing) {
		return awserr.New(awserr.ResourceNotFound, "Thing %s cannot be found", thing)
	}
	return nil
}

// GetPendingJobExecutions lists a thing's pending executions, at most
// PendingListCap (AWS's 10), IN_PROGRESS first.
func (e *Engine) GetPendingJobExecutions(now time.Time, req ThingRequest) (PendingResponse, error) {
	e.Tick(now)
	if err := e.checkThing(req.ThingName); err != nil {
		return PendingResponse{}, err
	}
	out := PendingResponse{InProgressJobs: []DeviceSummary{}, QueuedJobs: []DeviceSummary{}}
	for i, x := range pendingOf(e.things[req.ThingName]) {
		if i == e.opts.PendingListCap {
			break
		}
		if x.status == InProgress {
			out.InProgressJobs = append(out.InProgressJobs, deviceSummary(x))
		} else {
			out.QueuedJobs = append(out.QueuedJobs, deviceSummary(x))
		}
	}
	return out, nil
}

// StartNextRequest is StartNextPendingJobExecution's input
// (PUT /things/{thingName}/jobs/$next).
type StartNextRequest struct {
	ThingName            string            `json:"-" uri:"thingName"`
	StatusDetails        map[string]string `json:"statusDetails,omitempty"`
	StepTimeoutInMinutes *int64            `json:"stepTimeoutInMinutes,omitempty"`
}

// ExecutionResponse carries one device execution, absent when there is
// none.
type ExecutionResponse struct {
	Execution *DeviceExecution `json:"execution,omitempty"`
}

// StartNextPendingJobExecution moves the thing's next QUEUED execution to
// IN_PROGRESS and returns it; an execution already IN_PROGRESS is returned
// unchanged.
func (e *Engine) StartNextPendingJobExecution(now time.Time, req StartNextRequest) (ExecutionResponse, error) {
	x, err := e.startNext(now, req)
	if err != nil || x == nil {
		return ExecutionResponse{}, err
	}
	d := e.deviceExecution(now, x, true)
	return ExecutionResponse{Execution: &d}, nil
}

func (e *Engine) startNext(now time.Time, req StartNextRequest) (*execution, error) {
	e.Tick(now)
	if err := e.checkThing(req.ThingName); err != nil {
		return nil, err
	}
	if err := validateDetails(req.StatusDetails); err != nil {
		return nil, err
	}
	if req.StepTimeoutInMinutes != nil {
		if err := rollout.ValidateStepTimeout(*req.StepTimeoutInMinutes); err != nil {
			return nil, err
		}
	}
	pend := pendingOf(e.things[req.ThingName])
	if len(pend) == 0 {
		return nil, nil
	}
	x := pend[0]
	if x.status == Queued {
		e.begin(now, x, req.StatusDetails, req.StepTimeoutInMinutes)
	}
	return x, nil
}

// begin moves a QUEUED execution to IN_PROGRESS and starts its timers.
func (e *Engine) begin(now time.Time, x *execution, details map[string]string, step *int64) {
	x.startedAt = now.UnixMilli()
	x.timer = rollout.StartTimer(now, x.job.plan.InProgressTimeout)
	if step != nil {
		_ = x.timer.SetStep(now, *step) // validated by the caller
	}
	if details != nil {
		x.details = details
	}
	e.setStatus(now, x, InProgress)
	e.armExec(x)
	e.sink.Event(Event{Time: now, Kind: EventExecutionStarted, Job: x.job.id, Thing: x.thing})
	e.pendingChanged(now, x.thing, false)
}

// DeviceDescribeRequest is the jobs-data DescribeJobExecution's input
// (GET /things/{thingName}/jobs/{jobId}); jobId may be $next.
type DeviceDescribeRequest struct {
	ThingName          string `json:"-" uri:"thingName"`
	JobID              string `json:"-" uri:"jobId"`
	IncludeJobDocument *bool  `json:"includeJobDocument,omitempty" query:"includeJobDocument"`
	ExecutionNumber    *int64 `json:"executionNumber,omitempty" query:"executionNumber"`
}

// DescribeDeviceExecution returns an execution to its device; $next is the
// next pending one (none: no execution). The document is included unless
// includeJobDocument is false. A terminal execution is
// TerminalStateException (spec §3.2: TerminalStateReached).
func (e *Engine) DescribeDeviceExecution(now time.Time, req DeviceDescribeRequest) (ExecutionResponse, error) {
	x, err := e.describeDevice(now, req)
	if err != nil || x == nil {
		return ExecutionResponse{}, err
	}
	d := e.deviceExecution(now, x, req.IncludeJobDocument == nil || *req.IncludeJobDocument)
	return ExecutionResponse{Execution: &d}, nil
}

func (e *Engine) describeDevice(now time.Time, req DeviceDescribeRequest) (*execution, error) {
	e.Tick(now)
	if err := e.checkThing(req.ThingName); err != nil {
		return nil, err
	}
	if req.JobID == "$next" {
		pend := pendingOf(e.things[req.ThingName])
		if len(pend) == 0 {
			return nil, nil
		}
		return pend[0], nil
	}
	x, err := e.findExecution(req.ThingName, req.JobID, req.ExecutionNumber)
	if err != nil {
		return nil, err
	}
	if x.status.Terminal() {
		return nil, awserr.New(awserr.TerminalState, "The execution of job %s on thing %s is %s", x.job.id, x.thing, x.status)
	}
	return x, nil
}

// UpdateRequest is UpdateJobExecution's input
// (POST /things/{thingName}/jobs/{jobId}).
type UpdateRequest struct {
	ThingName                string            `json:"-" uri:"thingName"`
	JobID                    string            `json:"-" uri:"jobId"`
	Status                   Status            `json:"status"`
	StatusDetails            map[string]string `json:"statusDetails,omitempty"`
	StepTimeoutInMinutes     *int64            `json:"stepTimeoutInMinutes,omitempty"`
	ExpectedVersion          *int64            `json:"expectedVersion,omitempty"`
	IncludeJobExecutionState bool              `json:"includeJobExecutionState,omitempty"`
	IncludeJobDocument       bool              `json:"includeJobDocument,omitempty"`
	ExecutionNumber          *int64            `json:"executionNumber,omitempty"`
}

// UpdateResponse is UpdateJobExecution's output.
type UpdateResponse struct {
	ExecutionState *ExecutionState `json:"executionState,omitempty"`
	JobDocument    string          `json:"jobDocument,omitempty"`
}

// UpdateJobExecution applies a device's status report.
func (e *Engine) UpdateJobExecution(now time.Time, req UpdateRequest) (UpdateResponse, error) {
	x, err := e.update(now, req)
	if err != nil {
		return UpdateResponse{}, err
	}
	var out UpdateResponse
	if req.IncludeJobExecutionState {
		s := state(x)
		out.ExecutionState = &s
	}
	if req.IncludeJobDocument {
		out.JobDocument = e.deviceDocument(now, x.job)
	}
	return out, nil
}

func (e *Engine) update(now time.Time, req UpdateRequest) (*execution, error) {
	e.Tick(now)
	switch req.Status {
	case InProgress, Succeeded, Failed, Rejected:
	default:
		return nil, awserr.New(awserr.InvalidRequest, "status must be IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, got %q", req.Status)
	}
	if err := validateDetails(req.StatusDetails); err != nil {
		return nil, err
	}
	if req.StepTimeoutInMinutes != nil {
		if err := rollout.ValidateStepTimeout(*req.StepTimeoutInMinutes); err != nil {
			return nil, err
		}
	}
	x, err := e.findExecution(req.ThingName, req.JobID, req.ExecutionNumber)
	if err != nil {
		return nil, err
	}
	if x.status.Terminal() {
		return nil, &StateError{Err: awserr.New(awserr.InvalidStateTransition,
			"The execution of job %s on thing %s is %s and cannot be updated", x.job.id, x.thing, x.status), State: state(x)}
	}
	if req.ExpectedVersion != nil && *req.ExpectedVersion != x.version {
		return nil, &StateError{Err: awserr.New(awserr.VersionConflict,
			"The execution of job %s on thing %s is at version %d, not %d", x.job.id, x.thing, x.version, *req.ExpectedVersion), State: state(x)}
	}
	switch {
	case req.Status == InProgress && x.status == Queued:
		e.begin(now, x, req.StatusDetails, req.StepTimeoutInMinutes)
	case req.Status == InProgress:
		if req.StatusDetails != nil {
			x.details = req.StatusDetails
		}
		if req.StepTimeoutInMinutes != nil {
			_ = x.timer.SetStep(now, *req.StepTimeoutInMinutes)
			e.armExec(x)
		}
		x.version++
		x.updatedAt = now.UnixMilli()
		e.dirtyExec(x)
	default:
		if req.StatusDetails != nil {
			x.details = req.StatusDetails
		}
		e.finish(now, x, req.Status)
	}
	return x, nil
}

// join gives a thing that entered a continuous job's targets its
// execution at once (not rate limited, spec §2.5). A thing whose last
// execution was REMOVED starts again with fresh retries; one that already
// ran the job does not run it again.
func (e *Engine) join(now time.Time, j *job, thing string) {
	x := j.execs[thing]
	if x != nil && x.status != Removed {
		return
	}
	a := rollout.Attempt{ExecutionNumber: 1}
	if x != nil {
		a.ExecutionNumber = x.number + 1
	}
	e.queue(now, j, thing, a)
}

// MembershipChanged follows a thing's group membership: continuous jobs
// queue it when it enters their targets and remove its pending execution
// when it leaves them.
func (e *Engine) MembershipChanged(now time.Time, thing string) {
	for _, j := range e.order {
		if j.spec.TargetSelection != Continuous || j.status != JobInProgress || len(j.groups) == 0 {
			continue
		}
		targeted := e.fleet.ThingExists(thing) && e.stillTargeted(j, thing)
		x := j.execs[thing]
		switch {
		case targeted:
			e.join(now, j, thing)
		case x != nil && !x.status.Terminal():
			e.finish(now, x, Removed)
		}
	}
}

// ThingDeleted marks the pending executions of a deleted thing REMOVED.
func (e *Engine) ThingDeleted(now time.Time, thing string) {
	tj := e.things[thing]
	if tj == nil {
		return
	}
	for _, x := range slices.Clone(tj.execs) {
		if !x.status.Terminal() {
			e.finish(now, x, Removed)
		}
	}
}
