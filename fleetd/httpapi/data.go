package httpapi

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/node"
)

// shadowRequest addresses a classic (name empty) or named shadow.
type shadowRequest struct {
	ThingName string `json:"-" uri:"thingName"`
	Name      string `json:"-" query:"name"`
}

type listNamedShadowsRequest struct {
	ThingName string `json:"-" uri:"thingName"`
	NextToken string `json:"-" query:"nextToken"`
	PageSize  int    `json:"-" query:"pageSize"`
}

// shadowOp runs a shadow operation; the request body is the raw payload
// (iot-data sends shadows as blobs, with no JSON envelope).
func shadowOp(n *node.Node, op func(*core.Core, time.Time, core.Source, string, string, []byte) ([]byte, error), mutates bool) handler {
	return func(c *call) (any, error) {
		var req shadowRequest
		body := c.body
		c.body = nil // the payload is not a JSON request body to bind
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		var out []byte
		run := func(co *core.Core, now time.Time) error {
			var err error
			out, err = op(co, now, core.FromHTTP, req.ThingName, req.Name, body)
			return err
		}
		if mutates {
			return out, n.Do(run)
		}
		return out, n.Read(run)
	}
}

// dataPlane is the iot-data service.
func dataPlane(n *node.Node) *router {
	rt := &router{}
	rt.add("GET", "/things/{thingName}/shadow", "GetThingShadow", shadowOp(n, (*core.Core).GetThingShadow, false))
	rt.add("POST", "/things/{thingName}/shadow", "UpdateThingShadow", shadowOp(n, (*core.Core).UpdateThingShadow, true))
	rt.add("DELETE", "/things/{thingName}/shadow", "DeleteThingShadow", shadowOp(n, (*core.Core).DeleteThingShadow, true))
	rt.add("GET", "/api/things/shadow/ListNamedShadowsForThing/{thingName}", "ListNamedShadowsForThing",
		func(c *call) (any, error) {
			var req listNamedShadowsRequest
			if err := bind(&req, c); err != nil {
				return nil, err
			}
			var resp core.ListNamedShadowsForThingResponse
			err := n.Read(func(co *core.Core, now time.Time) error {
				var err error
				resp, err = co.ListNamedShadowsForThing(now, req.ThingName, req.NextToken, req.PageSize)
				return err
			})
			return resp, err
		})
	return rt
}
