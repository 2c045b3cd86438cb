package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
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
	rt.add("POST", "/topics/{topic}", "Publish", publish(n))
	return rt
}

type publishRequest struct {
	Topic  string `json:"-" uri:"topic"`
	QoS    int    `json:"-" query:"qos"`
	Retain bool   `json:"-" query:"retain"`
}

// shadowTopic matches $aws/things/{thing}/shadow[/name/{name}]/{op}.
func shadowTopic(topic string) (thing, name, op string, ok bool) {
	parts := strings.Split(topic, "/")
	if len(parts) < 5 || parts[0] != "$aws" || parts[1] != "things" || parts[3] != "shadow" {
		return "", "", "", false
	}
	switch {
	case len(parts) == 5:
		return parts[2], "", parts[4], true
	case len(parts) == 7 && parts[4] == "name":
		return parts[2], parts[5], parts[6], true
	}
	return "", "", "", false
}

// maxPublishPayload is AWS IoT's message size limit, 128 KB.
const maxPublishPayload = 128 << 10

// publish is iot-data Publish: a shadow request topic is the shadow
// operation itself (its answers go out on the /accepted and /rejected
// topics, as over MQTT); any other topic is delivered to subscribers.
func publish(n *node.Node) handler {
	return func(c *call) (any, error) {
		payload := c.body
		c.body = nil
		var req publishRequest
		if err := bind(&req, c); err != nil {
			return nil, err
		}
		if req.QoS != 0 && req.QoS != 1 {
			return nil, awserr.New(awserr.InvalidRequest, "qos must be 0 or 1")
		}
		if len(payload) > maxPublishPayload {
			return nil, awserr.WithStatus(awserr.RequestEntityTooLarge, http.StatusRequestEntityTooLarge, "The payload exceeds the maximum size allowed")
		}
		if req.Topic == "" || len(req.Topic) > 256 || strings.ContainsAny(req.Topic, "+#") {
			return nil, awserr.New(awserr.InvalidRequest, "Invalid topic name: %q (1 to 256 bytes, no wildcards)", req.Topic)
		}
		if thing, name, op, ok := shadowTopic(req.Topic); ok {
			var fn func(*core.Core, time.Time, core.Source, string, string, []byte) ([]byte, error)
			switch op {
			case "update":
				fn = (*core.Core).UpdateThingShadow
			case "get":
				fn = (*core.Core).GetThingShadow
			case "delete":
				fn = (*core.Core).DeleteThingShadow
			default:
				return nil, awserr.WithStatus(awserr.Forbidden, http.StatusForbidden, "Publishing to %s is not allowed: devices publish only update, get and delete requests on shadow topics", req.Topic)
			}
			// Errors are answered on /rejected, as for an MQTT request; the
			// publish itself succeeded.
			return nil, n.Do(func(co *core.Core, now time.Time) error {
				fn(co, now, core.FromMQTT, thing, name, payload)
				return nil
			})
		}
		if strings.HasPrefix(req.Topic, "$aws/") {
			return nil, awserr.WithStatus(awserr.Forbidden, http.StatusForbidden, "Publishing to the reserved topic %s is not supported by fleetd yet", req.Topic)
		}
		return nil, n.Publish(core.Message{Topic: req.Topic, Payload: payload, Retain: req.Retain})
	}
}
