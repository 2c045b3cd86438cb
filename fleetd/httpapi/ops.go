package httpapi

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/node"
	"github.com/fleetlab/fleetlab/fleetd/objects"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

type reg = registry.Registry

// mutate binds a request and runs a mutating registry operation through
// the node (durable before it answers).
func mutate[Req, Resp any](n *node.Node, op func(*reg, Req, time.Time) (Resp, error)) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (Resp, error) { return core.Do(co, now, op, req) })
}

// mutateEmpty is mutate for operations whose AWS response is empty.
func mutateEmpty[Req any](n *node.Node, op func(*reg, Req, time.Time) error) handler {
	return coreOp(n, func(co *core.Core, now time.Time, req Req) (any, error) { return nil, core.DoErr(co, now, op, req) })
}

// read binds a request and runs a read-only registry operation.
func read[Req, Resp any](n *node.Node, op func(*reg, Req) (Resp, error)) handler {
	return coreRead(n, func(co *core.Core, req Req) (Resp, error) { return core.Read(co, op, req) })
}

// coreOp binds a request and runs a core method that changes state.
func coreOp[Req, Resp any](n *node.Node, op func(*core.Core, time.Time, Req) (Resp, error)) handler {
	return func(c *call) (any, error) {
		var req Req
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		var resp Resp
		err := n.Do(func(co *core.Core, now time.Time) error {
			var err error
			resp, err = op(co, now, req)
			return err
		})
		return resp, err
	}
}

// coreRead binds a request and runs a read-only core method.
func coreRead[Req, Resp any](n *node.Node, op func(*core.Core, Req) (Resp, error)) handler {
	return func(c *call) (any, error) {
		var req Req
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		var resp Resp
		err := n.Read(func(co *core.Core, _ time.Time) error {
			var err error
			resp, err = op(co, req)
			return err
		})
		return resp, err
	}
}

// controlPlane is the iot service: paths and methods from the botocore
// model.
func controlPlane(n *node.Node, store objects.Store, endpoints map[string]string, links linkSigner) *router {
	rt := &router{}
	// Things.
	rt.add("POST", "/things/{thingName}", "CreateThing", mutate(n, (*reg).CreateThing))
	rt.add("GET", "/things/{thingName}", "DescribeThing", read(n, (*reg).DescribeThing))
	rt.add("PATCH", "/things/{thingName}", "UpdateThing", mutateEmpty(n, (*reg).UpdateThing))
	rt.add("DELETE", "/things/{thingName}", "DeleteThing", mutateEmpty(n, (*reg).DeleteThing))
	rt.add("GET", "/things", "ListThings", read(n, (*reg).ListThings))
	rt.add("GET", "/things/{thingName}/thing-groups", "ListThingGroupsForThing", read(n, (*reg).ListThingGroupsForThing))
	rt.add("POST", "/things/{thingName}/connectivity-data", "GetThingConnectivityData", coreRead(n, getConnectivity))
	// Thing types.
	rt.add("POST", "/tags", "TagResource", coreOp(n, (*core.Core).TagResource))
	rt.add("POST", "/untag", "UntagResource", coreOp(n, (*core.Core).UntagResource))
	rt.add("GET", "/tags", "ListTagsForResource", coreRead(n, (*core.Core).ListTagsForResource))
	rt.add("POST", "/thing-types/{thingTypeName}", "CreateThingType", mutate(n, (*reg).CreateThingType))
	rt.add("GET", "/thing-types/{thingTypeName}", "DescribeThingType", read(n, (*reg).DescribeThingType))
	rt.add("GET", "/thing-types", "ListThingTypes", read(n, (*reg).ListThingTypes))
	rt.add("POST", "/thing-types/{thingTypeName}/deprecate", "DeprecateThingType", mutateEmpty(n, (*reg).DeprecateThingType))
	rt.add("PATCH", "/thing-types/{thingTypeName}", "UpdateThingType", mutateEmpty(n, (*reg).UpdateThingType))
	rt.add("DELETE", "/thing-types/{thingTypeName}", "DeleteThingType", mutateEmpty(n, (*reg).DeleteThingType))
	// Static thing groups.
	rt.add("POST", "/thing-groups/{thingGroupName}", "CreateThingGroup", mutate(n, (*reg).CreateThingGroup))
	rt.add("GET", "/thing-groups/{thingGroupName}", "DescribeThingGroup", read(n, (*reg).DescribeThingGroup))
	rt.add("PATCH", "/thing-groups/{thingGroupName}", "UpdateThingGroup", mutate(n, (*reg).UpdateThingGroup))
	rt.add("DELETE", "/thing-groups/{thingGroupName}", "DeleteThingGroup", mutateEmpty(n, (*reg).DeleteThingGroup))
	rt.add("GET", "/thing-groups", "ListThingGroups", read(n, (*reg).ListThingGroups))
	rt.add("GET", "/thing-groups/{thingGroupName}/things", "ListThingsInThingGroup", read(n, (*reg).ListThingsInThingGroup))
	rt.add("PUT", "/thing-groups/addThingToThingGroup", "AddThingToThingGroup", mutateEmpty(n, (*reg).AddThingToThingGroup))
	rt.add("PUT", "/thing-groups/removeThingFromThingGroup", "RemoveThingFromThingGroup", mutateEmpty(n, (*reg).RemoveThingFromThingGroup))
	rt.add("PUT", "/thing-groups/updateThingGroupsForThing", "UpdateThingGroupsForThing", mutateEmpty(n, (*reg).UpdateThingGroupsForThing))
	// Dynamic thing groups: through the core, which checks the query.
	rt.add("POST", "/dynamic-thing-groups/{thingGroupName}", "CreateDynamicThingGroup", coreOp(n, (*core.Core).CreateDynamicThingGroup))
	rt.add("PATCH", "/dynamic-thing-groups/{thingGroupName}", "UpdateDynamicThingGroup", coreOp(n, (*core.Core).UpdateDynamicThingGroup))
	rt.add("DELETE", "/dynamic-thing-groups/{thingGroupName}", "DeleteDynamicThingGroup", mutateEmpty(n, (*reg).DeleteDynamicThingGroup))
	// Billing groups.
	rt.add("POST", "/billing-groups/{billingGroupName}", "CreateBillingGroup", mutate(n, (*reg).CreateBillingGroup))
	rt.add("GET", "/billing-groups/{billingGroupName}", "DescribeBillingGroup", read(n, (*reg).DescribeBillingGroup))
	rt.add("PATCH", "/billing-groups/{billingGroupName}", "UpdateBillingGroup", mutate(n, (*reg).UpdateBillingGroup))
	rt.add("DELETE", "/billing-groups/{billingGroupName}", "DeleteBillingGroup", mutateEmpty(n, (*reg).DeleteBillingGroup))
	rt.add("GET", "/billing-groups", "ListBillingGroups", read(n, (*reg).ListBillingGroups))
	rt.add("GET", "/billing-groups/{billingGroupName}/things", "ListThingsInBillingGroup", read(n, (*reg).ListThingsInBillingGroup))
	rt.add("PUT", "/billing-groups/addThingToBillingGroup", "AddThingToBillingGroup", mutateEmpty(n, (*reg).AddThingToBillingGroup))
	rt.add("PUT", "/billing-groups/removeThingFromBillingGroup", "RemoveThingFromBillingGroup", mutateEmpty(n, (*reg).RemoveThingFromBillingGroup))
	// Fleet indexing.
	rt.add("POST", "/indexing/config", "UpdateIndexingConfiguration", coreOp(n, updateIndexing))
	rt.add("GET", "/indexing/config", "GetIndexingConfiguration", coreRead(n, getIndexing))
	rt.add("POST", "/indices/search", "SearchIndex", coreRead(n, (*core.Core).SearchIndex))
	rt.add("POST", "/indices/statistics", "GetStatistics", coreRead(n, (*core.Core).GetStatistics))
	rt.add("POST", "/indices/percentiles", "GetPercentiles", coreRead(n, (*core.Core).GetPercentiles))
	rt.add("POST", "/indices/cardinality", "GetCardinality", coreRead(n, (*core.Core).GetCardinality))
	rt.add("POST", "/indices/buckets", "GetBucketsAggregation", coreRead(n, (*core.Core).GetBucketsAggregation))
	rt.add("GET", "/indices/{indexName}", "DescribeIndex", coreRead(n, describeIndex))
	rt.add("GET", "/indices", "ListIndices", coreRead(n, listIndices))
	addJobRoutes(rt, n, store)
	addIdentityRoutes(rt, n)
	addProvisionRoutes(rt, n, store, links)
	rt.add("GET", "/endpoint", "DescribeEndpoint", describeEndpoint(endpoints))
	return rt
}

type nameRequest struct {
	ThingName string `json:"-" uri:"thingName"`
	IndexName string `json:"-" uri:"indexName"`
}

func getConnectivity(c *core.Core, req nameRequest) (map[string]any, error) {
	return c.GetThingConnectivityData(req.ThingName)
}

func describeIndex(c *core.Core, req nameRequest) (core.DescribeIndexResponse, error) {
	return c.DescribeIndex(req.IndexName)
}

// listIndicesResponse is ListIndices' output.
type listIndicesResponse struct {
	IndexNames []string `json:"indexNames"`
}

// listIndices lists AWS_Things and AWS_ThingGroups when their indexing is
// on.
func listIndices(c *core.Core, _ struct{}) (listIndicesResponse, error) {
	out := listIndicesResponse{IndexNames: []string{}}
	for _, name := range []string{"AWS_Things", "AWS_ThingGroups"} {
		if _, err := c.DescribeIndex(name); err == nil {
			out.IndexNames = append(out.IndexNames, name)
		}
	}
	return out, nil
}

func updateIndexing(c *core.Core, now time.Time, req core.IndexingConfiguration) (struct{}, error) {
	return struct{}{}, c.UpdateIndexingConfiguration(now, req)
}

func getIndexing(c *core.Core, _ struct{}) (core.IndexingConfiguration, error) {
	return c.GetIndexingConfiguration(), nil
}

// describeEndpoint answers where devices connect: the address for the
// endpoint type (iot:Data-ATS when none is given, as the CLI does not
// default it but SDK samples ask for it).
func describeEndpoint(endpoints map[string]string) handler {
	return func(c *call) (any, error) {
		var req struct {
			EndpointType string `json:"-" query:"endpointType"`
		}
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		switch req.EndpointType {
		case "":
			req.EndpointType = "iot:Data-ATS"
		case "iot:Data-ATS", "iot:Data", "iot:Jobs", "iot:CredentialProvider":
		default:
			return nil, awserr.New(awserr.InvalidRequest, "endpointType must be iot:Data-ATS, iot:Data, iot:Jobs or iot:CredentialProvider, got %q", req.EndpointType)
		}
		addr := endpoints[req.EndpointType]
		if addr == "" {
			addr = "localhost"
		}
		return map[string]string{"endpointAddress": addr}, nil
	}
}
