package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// TestMalformedNames: a jobId or thingName outside the model's pattern or
// length is an InvalidRequestException saying which constraint, in every
// operation that names one; a well-formed name that names nothing is still
// ResourceNotFound.
func TestMalformedNames(t *testing.T) {
	fleet := &fakeFleet{things: map[string]bool{"t1": true}, group: map[string]bool{"t1": true}}
	e := New(Options{}, fleet, &recorder{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("a", 65)
	tests := []struct {
		name string
		call func() error
		want string // error code; the message names the constraint for 400s
		msg  string
	}{
		{"describe-job bad id", func() error { _, err := e.DescribeJob(now, JobRequest{JobID: "bad id"}); return err },
			awserr.InvalidRequest, "Value 'bad id' at 'jobId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"},
		{"describe-job long id", func() error { _, err := e.DescribeJob(now, JobRequest{JobID: long}); return err },
			awserr.InvalidRequest, "at 'jobId' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"describe-job missing", func() error { _, err := e.DescribeJob(now, JobRequest{JobID: "nope"}); return err },
			awserr.ResourceNotFound, "Job nope cannot be found"},
		{"cancel-job", func() error { _, err := e.CancelJob(now, CancelJobRequest{JobID: "a/b"}); return err },
			awserr.InvalidRequest, "Value 'a/b' at 'jobId'"},
		{"delete-job", func() error { _, err := e.DeleteJob(now, DeleteJobRequest{JobID: "$next"}); return err },
			awserr.InvalidRequest, "Value '$next' at 'jobId'"},
		{"get-job-document", func() error { _, err := e.GetJobDocument(JobRequest{JobID: "x!"}); return err },
			awserr.InvalidRequest, "at 'jobId'"},
		{"list-executions-for-job", func() error {
			_, err := e.ListJobExecutionsForJob(ListExecutionsForJobRequest{JobID: "x y"})
			return err
		}, awserr.InvalidRequest, "at 'jobId'"},
		{"describe-execution bad thing", func() error {
			_, err := e.DescribeJobExecution(now, ExecutionRequest{ThingName: "bad name", JobID: "j"})
			return err
		}, awserr.InvalidRequest, "Value 'bad name' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+"},
		{"describe-execution $next on the control plane", func() error {
			_, err := e.DescribeJobExecution(now, ExecutionRequest{ThingName: "t1", JobID: "$next"})
			return err
		}, awserr.InvalidRequest, "Value '$next' at 'jobId'"},
		{"describe-execution missing", func() error {
			_, err := e.DescribeJobExecution(now, ExecutionRequest{ThingName: "t1", JobID: "j"})
			return err
		}, awserr.ResourceNotFound, "cannot be found"},
		{"cancel-execution", func() error {
			_, err := e.CancelJobExecution(now, CancelExecutionRequest{ThingName: "t1", JobID: "bad id"})
			return err
		}, awserr.InvalidRequest, "at 'jobId'"},
		{"list-executions-for-thing bad thing", func() error {
			_, err := e.ListJobExecutionsForThing(ListExecutionsForThingRequest{ThingName: strings.Repeat("t", 129)})
			return err
		}, awserr.InvalidRequest, "at 'thingName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"list-executions-for-thing bad job filter", func() error {
			_, err := e.ListJobExecutionsForThing(ListExecutionsForThingRequest{ThingName: "t1", JobID: "bad id"})
			return err
		}, awserr.InvalidRequest, "at 'jobId'"},
		{"get-pending", func() error {
			_, err := e.GetPendingJobExecutions(now, ThingRequest{ThingName: "bad name"})
			return err
		},
			awserr.InvalidRequest, "at 'thingName'"},
		{"get-pending missing thing", func() error { _, err := e.GetPendingJobExecutions(now, ThingRequest{ThingName: "nobody"}); return err },
			awserr.ResourceNotFound, "Thing nobody cannot be found"},
		{"start-next", func() error {
			_, err := e.StartNextPendingJobExecution(now, StartNextRequest{ThingName: "a b"})
			return err
		}, awserr.InvalidRequest, "at 'thingName'"},
		{"device describe $next", func() error {
			_, err := e.DescribeDeviceExecution(now, DeviceDescribeRequest{ThingName: "t1", JobID: "$next"})
			return err
		}, "", ""},
		{"device describe bad id", func() error {
			_, err := e.DescribeDeviceExecution(now, DeviceDescribeRequest{ThingName: "t1", JobID: "bad id"})
			return err
		}, awserr.InvalidRequest, "at 'jobId'"},
		{"update-execution", func() error {
			_, err := e.UpdateJobExecution(now, UpdateRequest{ThingName: "t1", JobID: "bad id", Status: "SUCCEEDED"})
			return err
		}, awserr.InvalidRequest, "at 'jobId'"},
	}
	for _, tt := range tests {
		err := tt.call()
		ae, ok := awserr.As(err)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v; want no error", tt.name, err)
		case tt.want != "" && (!ok || ae.Code != tt.want || !strings.Contains(ae.Message, tt.msg)):
			t.Errorf("%s: %v; want %s containing %q", tt.name, err, tt.want, tt.msg)
		}
	}
}
