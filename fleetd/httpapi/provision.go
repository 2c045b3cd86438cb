package httpapi

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
	"github.com/fleetlab/fleetlab/fleetd/provision"
)

type prov = provision.Engine

// provOp binds a request and runs a mutating provisioning operation
// through the node; provOpEmpty for empty AWS responses; provRead for
// reads.
func provOp[Req, Resp any](n *node.Node, op func(*prov, time.Time, Req) (Resp, error)) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (Resp, error) { return core.DoProvision(co, now, op, req) })
}

func provOpEmpty[Req any](n *node.Node, op func(*prov, time.Time, Req) error) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (any, error) {
		return nil, core.DoProvisionErr(co, now, op, req)
	})
}

func provRead[Req, Resp any](n *node.Node, op func(*prov, Req) (Resp, error)) handler {
	return coreRead(n, func(co *core.Core, req Req) (Resp, error) { return core.ReadProvision(co, op, req) })
}

// startRegistrationTask reads the bulk input from the object directory,
// then starts the task.
func startRegistrationTask(n *node.Node, store objects.Store) handler {
	return func(c *call) (any, error) {
		var req provision.StartThingRegistrationTaskRequest
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		if req.InputFileBucket != "" && req.InputFileKey != "" {
			b, err := store.Read("s3://" + req.InputFileBucket + "/" + req.InputFileKey)
			if err != nil {
				return nil, err
			}
			req.Input = b
		}
		var resp provision.StartThingRegistrationTaskResponse
		err := n.Do(func(co *core.Core, now time.Time) error {
			var err error
			resp, err = core.DoProvision(co, now, (*prov).StartThingRegistrationTask, req)
			return err
		})
		return resp, err
	}
}

// addProvisionRoutes adds provisioning templates, RegisterThing and bulk
// registration at the botocore model's paths.
func addProvisionRoutes(rt *router, n *node.Node, store objects.Store, links linkSigner) {
	rt.add("POST", "/provisioning-templates", "CreateProvisioningTemplate", provOp(n, (*prov).CreateProvisioningTemplate))
	rt.add("GET", "/provisioning-templates/{templateName}", "DescribeProvisioningTemplate", provRead(n, (*prov).DescribeProvisioningTemplate))
	rt.add("GET", "/provisioning-templates", "ListProvisioningTemplates", provRead(n, (*prov).ListProvisioningTemplates))
	rt.add("PATCH", "/provisioning-templates/{templateName}", "UpdateProvisioningTemplate", provOpEmpty(n, (*prov).UpdateProvisioningTemplate))
	rt.add("DELETE", "/provisioning-templates/{templateName}", "DeleteProvisioningTemplate", provOpEmpty(n, (*prov).DeleteProvisioningTemplate))
	rt.add("POST", "/provisioning-templates/{templateName}/provisioning-claim", "CreateProvisioningClaim", provOp(n, (*prov).CreateProvisioningClaim))
	rt.add("POST", "/provisioning-templates/{templateName}/versions", "CreateProvisioningTemplateVersion", provOp(n, (*prov).CreateProvisioningTemplateVersion))
	rt.add("GET", "/provisioning-templates/{templateName}/versions/{versionId}", "DescribeProvisioningTemplateVersion", provRead(n, (*prov).DescribeProvisioningTemplateVersion))
	rt.add("GET", "/provisioning-templates/{templateName}/versions", "ListProvisioningTemplateVersions", provRead(n, (*prov).ListProvisioningTemplateVersions))
	rt.add("DELETE", "/provisioning-templates/{templateName}/versions/{versionId}", "DeleteProvisioningTemplateVersion", provOpEmpty(n, (*prov).DeleteProvisioningTemplateVersion))
	rt.add("POST", "/things", "RegisterThing", provOp(n, (*prov).RegisterThing))
	rt.add("POST", "/thing-registration-tasks", "StartThingRegistrationTask", startRegistrationTask(n, store))
	rt.add("GET", "/thing-registration-tasks/{taskId}", "DescribeThingRegistrationTask", provRead(n, (*prov).DescribeThingRegistrationTask))
	rt.add("GET", "/thing-registration-tasks", "ListThingRegistrationTasks", provRead(n, (*prov).ListThingRegistrationTasks))
	rt.add("PUT", "/thing-registration-tasks/{taskId}/cancel", "StopThingRegistrationTask", provOpEmpty(n, (*prov).StopThingRegistrationTask))
	rt.add("GET", "/thing-registration-tasks/{taskId}/reports", "ListThingRegistrationTaskReports", listReports(provRead(n, (*prov).ListThingRegistrationTaskReports), links))
}
