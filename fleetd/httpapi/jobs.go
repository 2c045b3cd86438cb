package httpapi

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/jobs"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
)

type engine = jobs.Engine

// jobOp binds a request and runs a mutating jobs operation through the
// node; jobRead runs a read-only one. Reads that report time-dependent
// values (approximateSecondsBeforeTimedOut) take now as well.
func jobOp[Req, Resp any](n *node.Node, op func(*engine, time.Time, Req) (Resp, error)) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (Resp, error) { return op(co.Jobs(), now, req) })
}

func jobRead[Req, Resp any](n *node.Node, op func(*engine, Req) (Resp, error)) handler {
	return coreRead(n, func(co *core.Core, req Req) (Resp, error) { return op(co.Jobs(), req) })
}

func jobReadAt[Req, Resp any](n *node.Node, op func(*engine, time.Time, Req) (Resp, error)) handler {
	return func(c *call) (any, error) {
		var req Req
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		var resp Resp
		err := n.Read(func(co *core.Core, now time.Time) error {
			var err error
			resp, err = op(co.Jobs(), now, req)
			return err
		})
		return resp, err
	}
}

// createJob resolves documentSource from the object directory, then
// creates the job.
func createJob(n *node.Node, store objects.Store) handler {
	return func(c *call) (any, error) {
		var req jobs.CreateJobRequest
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		if req.DocumentSource != "" && req.Document == nil {
			b, err := store.Read(req.DocumentSource)
			if err != nil {
				return nil, err
			}
			s := string(b)
			req.SourceDocument = &s
		}
		var resp jobs.CreateJobResponse
		err := n.Do(func(co *core.Core, now time.Time) error {
			var err error
			resp, err = co.Jobs().CreateJob(now, req)
			return err
		})
		return resp, err
	}
}

func createJobTemplate(n *node.Node, store objects.Store) handler {
	return func(c *call) (any, error) {
		var req jobs.CreateJobTemplateRequest
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		if req.DocumentSource != "" && req.Document == nil {
			b, err := store.Read(req.DocumentSource)
			if err != nil {
				return nil, err
			}
			s := string(b)
			req.SourceDocument = &s
		}
		var resp jobs.CreateJobTemplateResponse
		err := n.Do(func(co *core.Core, now time.Time) error {
			var err error
			resp, err = co.Jobs().CreateJobTemplate(now, req)
			return err
		})
		return resp, err
	}
}

// addJobRoutes adds the jobs operations of the iot control plane.
func addJobRoutes(rt *router, n *node.Node, store objects.Store) {
	rt.add("PUT", "/jobs/{jobId}", "CreateJob", createJob(n, store))
	rt.add("GET", "/jobs/{jobId}", "DescribeJob", jobReadAt(n, (*engine).DescribeJob))
	rt.add("GET", "/jobs", "ListJobs", coreRead(n, listJobs))
	rt.add("PUT", "/jobs/{jobId}/cancel", "CancelJob", jobOp(n, (*engine).CancelJob))
	rt.add("DELETE", "/jobs/{jobId}", "DeleteJob", jobOp(n, (*engine).DeleteJob))
	rt.add("PATCH", "/jobs/{jobId}", "UpdateJob", jobOp(n, (*engine).UpdateJob))
	rt.add("POST", "/jobs/{jobId}/targets", "AssociateTargetsWithJob", jobOp(n, (*engine).AssociateTargetsWithJob))
	rt.add("GET", "/jobs/{jobId}/job-document", "GetJobDocument", jobRead(n, (*engine).GetJobDocument))
	rt.add("GET", "/jobs/{jobId}/things", "ListJobExecutionsForJob", jobRead(n, (*engine).ListJobExecutionsForJob))
	rt.add("GET", "/things/{thingName}/jobs/{jobId}", "DescribeJobExecution", jobReadAt(n, (*engine).DescribeJobExecution))
	rt.add("GET", "/things/{thingName}/jobs", "ListJobExecutionsForThing", jobRead(n, (*engine).ListJobExecutionsForThing))
	rt.add("PUT", "/things/{thingName}/jobs/{jobId}/cancel", "CancelJobExecution", jobOp(n, (*engine).CancelJobExecution))
	rt.add("DELETE", "/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}", "DeleteJobExecution", jobOp(n, (*engine).DeleteJobExecution))
	rt.add("PUT", "/job-templates/{jobTemplateId}", "CreateJobTemplate", createJobTemplate(n, store))
	rt.add("GET", "/job-templates/{jobTemplateId}", "DescribeJobTemplate", jobRead(n, (*engine).DescribeJobTemplate))
	rt.add("GET", "/job-templates", "ListJobTemplates", jobRead(n, (*engine).ListJobTemplates))
	rt.add("DELETE", "/job-templates/{jobTemplateId}", "DeleteJobTemplate", jobOp(n, (*engine).DeleteJobTemplate))
}

// jobsDataPlane is iot-jobs-data, the device side over HTTPS. Its
// operations change state (a device's GetPending catches up the rollout
// too), so they all run through the node.
func jobsDataPlane(n *node.Node) *router {
	rt := &router{}
	rt.add("GET", "/things/{thingName}/jobs", "GetPendingJobExecutions", jobOp(n, (*engine).GetPendingJobExecutions))
	rt.add("PUT", "/things/{thingName}/jobs/$next", "StartNextPendingJobExecution", jobOp(n, (*engine).StartNextPendingJobExecution))
	rt.add("GET", "/things/{thingName}/jobs/{jobId}", "DescribeJobExecution", jobOp(n, (*engine).DescribeDeviceExecution))
	rt.add("POST", "/things/{thingName}/jobs/{jobId}", "UpdateJobExecution", jobOp(n, updateJobExecutionHTTP))
	return rt
}

// updateJobExecutionHTTP is UpdateJobExecution over HTTPS, whose model has
// no version error: a wrong expectedVersion is InvalidStateTransition (409),
// where MQTT answers VersionMismatch.
func updateJobExecutionHTTP(e *engine, now time.Time, req jobs.UpdateRequest) (jobs.UpdateResponse, error) {
	resp, err := e.UpdateJobExecution(now, req)
	if ae, ok := awserr.As(err); ok && ae.Code == awserr.VersionConflict {
		return resp, awserr.New(awserr.InvalidStateTransition, "%s", ae.Message)
	}
	return resp, err
}

// listJobs is ListJobs with its thingGroupId filter resolved to the group's
// name, which is what jobs remember of their targets.
func listJobs(co *core.Core, req jobs.ListJobsRequest) (jobs.ListJobsResponse, error) {
	if req.ThingGroupID != "" {
		name, ok := co.Registry().ThingGroupNameByID(req.ThingGroupID)
		if !ok || (req.ThingGroupName != "" && req.ThingGroupName != name) {
			return jobs.ListJobsResponse{Jobs: []jobs.JobSummary{}}, nil
		}
		req.ThingGroupName = name
	}
	return co.Jobs().ListJobs(req)
}
