package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Topic is a parsed jobs request topic of spec §3.2.
type Topic struct {
	Thing string
	JobID string // "" for get and start-next; may be $next
	Op    string // "get", "start-next", "update"
}

// ParseTopic reads $aws/things/{thing}/jobs/get, …/jobs/start-next,
// …/jobs/{jobId}/get and …/jobs/{jobId}/update. ok is false for any other
// topic, including the service's own …/notify, …/accepted and …/rejected.
func ParseTopic(topic string) (Topic, bool) {
	rest, ok := strings.CutPrefix(topic, "$aws/things/")
	if !ok {
		return Topic{}, false
	}
	thing, rest, ok := strings.Cut(rest, "/jobs/")
	if !ok || thing == "" || strings.Contains(thing, "/") {
		return Topic{}, false
	}
	switch rest {
	case "get", "start-next":
		return Topic{Thing: thing, Op: rest}, true
	}
	job, op, ok := strings.Cut(rest, "/")
	if !ok || job == "" || (op != "get" && op != "update") {
		return Topic{}, false
	}
	if job != "$next" && !idPattern.MatchString(job) {
		return Topic{}, false
	}
	if job == "$next" && op == "update" {
		return Topic{}, false
	}
	return Topic{Thing: thing, JobID: job, Op: op}, true
}

// IsJobsTopic reports whether a topic is in a thing's reserved jobs space,
// so a request the engine cannot parse is answered InvalidTopic rather
// than passed to subscribers.
func IsJobsTopic(topic string) bool {
	rest, ok := strings.CutPrefix(topic, "$aws/things/")
	if !ok {
		return false
	}
	_, after, ok := strings.Cut(rest, "/jobs/")
	return ok && !strings.HasSuffix(after, "/accepted") && !strings.HasSuffix(after, "/rejected") &&
		after != "notify" && after != "notify-next"
}

// mqttRequest is every member the jobs requests carry.
type mqttRequest struct {
	ClientToken              string            `json:"clientToken,omitempty"`
	Status                   Status            `json:"status"`
	StatusDetails            map[string]string `json:"statusDetails,omitempty"`
	StepTimeoutInMinutes     *int64            `json:"stepTimeoutInMinutes,omitempty"`
	ExpectedVersion          *int64            `json:"expectedVersion,omitempty"`
	IncludeJobExecutionState bool              `json:"includeJobExecutionState,omitempty"`
	IncludeJobDocument       *bool             `json:"includeJobDocument,omitempty"`
	ExecutionNumber          *int64            `json:"executionNumber,omitempty"`
}

// HandleMQTT answers a device's request on a jobs topic. It returns the
// response topic (the request topic + /accepted or /rejected) and payload,
// which go to the requesting client only.
func (e *Engine) HandleMQTT(now time.Time, topic string, payload []byte) (string, []byte) {
	t, ok := ParseTopic(topic)
	if !ok {
		return topic + "/rejected", rejection(now, "", "InvalidTopic", "The topic is not a jobs request topic", nil)
	}
	var req mqttRequest
	if len(bytes.TrimSpace(payload)) > 0 {
		if err := json.Unmarshal(payload, &req); err != nil {
			return topic + "/rejected", rejection(now, "", "InvalidJson", "The request payload is not valid JSON: "+err.Error(), nil)
		}
	}
	body, err := e.mqttOp(now, t, req)
	if err != nil {
		return topic + "/rejected", rejectionFor(now, req.ClientToken, err)
	}
	body["timestamp"] = now.Unix()
	if req.ClientToken != "" {
		body["clientToken"] = req.ClientToken
	}
	b, _ := json.Marshal(body)
	return topic + "/accepted", b
}

func (e *Engine) mqttOp(now time.Time, t Topic, req mqttRequest) (map[string]any, error) {
	body := map[string]any{}
	switch {
	case t.Op == "get" && t.JobID == "":
		p, err := e.GetPendingJobExecutions(now, ThingRequest{ThingName: t.Thing})
		if err != nil {
			return nil, err
		}
		body["inProgressJobs"], body["queuedJobs"] = p.InProgressJobs, p.QueuedJobs
	case t.Op == "start-next":
		x, err := e.startNext(now, StartNextRequest{ThingName: t.Thing, StatusDetails: req.StatusDetails, StepTimeoutInMinutes: req.StepTimeoutInMinutes})
		if err != nil {
			return nil, err
		}
		if x != nil {
			body["execution"] = e.mqttExecution(now, x, true)
		}
	case t.Op == "get":
		x, err := e.describeDevice(now, DeviceDescribeRequest{ThingName: t.Thing, JobID: t.JobID, ExecutionNumber: req.ExecutionNumber})
		if err != nil {
			return nil, err
		}
		if x != nil {
			body["execution"] = e.mqttExecution(now, x, req.IncludeJobDocument == nil || *req.IncludeJobDocument)
		}
	default: // update
		x, err := e.update(now, UpdateRequest{ThingName: t.Thing, JobID: t.JobID, Status: req.Status, StatusDetails: req.StatusDetails,
			StepTimeoutInMinutes: req.StepTimeoutInMinutes, ExpectedVersion: req.ExpectedVersion, ExecutionNumber: req.ExecutionNumber})
		if err != nil {
			return nil, err
		}
		if req.IncludeJobExecutionState {
			body["executionState"] = state(x)
		}
		if req.IncludeJobDocument != nil && *req.IncludeJobDocument {
			body["jobDocument"] = json.RawMessage(e.deviceDocument(now, x.job))
		}
	}
	return body, nil
}

// mqttCodes maps the catalog's codes to the jobs MQTT API's.
var mqttCodes = map[string]string{
	awserr.InvalidRequest:         "InvalidRequest",
	awserr.ResourceNotFound:       "ResourceNotFound",
	awserr.InvalidStateTransition: "InvalidStateTransition",
	awserr.VersionConflict:        "VersionMismatch",
	awserr.TerminalState:          "TerminalStateReached",
	awserr.Throttling:             "RequestThrottled",
}

func rejectionFor(now time.Time, token string, err error) []byte {
	var se *StateError
	var st *ExecutionState
	if errors.As(err, &se) {
		st = &se.State
	}
	ae, ok := awserr.As(err)
	if !ok {
		return rejection(now, token, "InternalError", "Internal error", nil)
	}
	code := mqttCodes[ae.Code]
	if code == "" {
		code = "InvalidRequest"
	}
	return rejection(now, token, code, ae.Message, st)
}

func rejection(now time.Time, token, code, message string, st *ExecutionState) []byte {
	b, _ := json.Marshal(struct {
		Code           string          `json:"code"`
		Message        string          `json:"message"`
		ClientToken    string          `json:"clientToken,omitempty"`
		Timestamp      int64           `json:"timestamp"`
		ExecutionState *ExecutionState `json:"executionState,omitempty"`
	}{code, message, token, now.Unix(), st})
	return b
}
