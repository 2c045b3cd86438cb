// Package httpapi is fleetd's AWS REST-JSON front door: one listener for
// the control plane (iot), iot-data (shadows) and iot-jobs-data, told apart
// by the SigV4 credential scope's service name, as DECISIONS.md says.
//
// Each operation is a route (method, path pattern from the botocore model)
// bound to a core operation run through fleetd/node. Requests are decoded
// into the core's request structs: the JSON body first, then the fields
// tagged uri:"name" (path segments, matched on the escaped path and
// unescaped one by one, so %2F and %24 route as AWS's do) and query:"name".
// Responses are JSON with epoch-second timestamps; errors carry
// x-amzn-ErrorType and {"message"}, client mistakes never a 5xx.
//
// Operations implemented so far: the registry (things, thing types, static,
// dynamic and billing groups), fleet indexing (configuration, search,
// aggregations, DescribeIndex), thing connectivity, the iot-data shadow
// operations and Publish (a shadow request topic runs the shadow operation,
// as over MQTT; other topics go to the node's ordered delivery). Jobs,
// certificates, policies and provisioning join as their core parts land.
package httpapi
