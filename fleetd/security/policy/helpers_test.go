package policy

import (
	"net/netip"
	"testing"
)

const arnPrefix = "arn:aws:iot:us-east-1:123456789012:"

// doc wraps statements (a JSON array or object) in a 2012-10-17 document
// and parses it without limits, failing the test on error.
func doc(t testing.TB, name, statements string) *Document {
	t.Helper()
	d, err := Limits{}.Parse([]byte(`{"Version":"2012-10-17","Statement":` + statements + `}`))
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	d.Name = name
	return d
}

// attachedCtx is a device "sensor-1" connected with its own client id,
// attached to its certificate.
func attachedCtx() Context {
	return Context{
		ClientID: "sensor-1",
		Thing: &Thing{
			Name: "sensor-1", TypeName: "thermometer", IsAttached: true,
			Attributes: map[string]string{"site": "berlin", "Floor": "3"},
		},
		Certificate: &Certificate{
			ID: "c0ffee",
			Subject: map[string][]string{
				"CommonName":         {"sensor-1"},
				"Organization":       {"fleetlab"},
				"OrganizationalUnit": {"labs", "ops"},
				"Country":            {"DE", "FR"},
			},
			Issuer: map[string][]string{"CommonName": {"Fleet CA"}},
		},
		SourceIP: netip.MustParseAddr("10.1.2.3"),
	}
}

// decide evaluates one request against docs, compiled.
func decide(action, resource string, ctx Context, docs ...*Document) Decision {
	return Compile(docs...).Evaluate(&Request{Action: action, Resource: resource, Context: ctx})
}

// devicePolicy is a typical device policy: connect as its own thing,
// shadow and jobs topics of that thing, telemetry, and one Deny.
const devicePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}",
     "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
     "Resource": [
       "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*",
       "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*",
       "arn:aws:iot:us-east-1:123456789012:topic/dt/${iot:Connection.Thing.ThingName}/*"]},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": [
       "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/shadow/*",
       "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*"]},
    {"Effect": "Deny", "Action": "iot:Publish",
     "Resource": "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/shadow/delete"}
  ]
}`
