package policy

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestParseMalformed(t *testing.T) {
	const topic = `"Resource":"arn:aws:iot:us-east-1:1:topic/x"`
	wrap := func(statement string) string { return `{"Version":"2012-10-17","Statement":[` + statement + `]}` }
	tests := []struct {
		doc  string
		want string // the error message
	}{
		{``, "policy document is not valid JSON: 1:1: unexpected end of JSON input"},
		{`{"Version":"2012-10-17",` + "\n" + ` "Statement": [}`, "policy document is not valid JSON: 2:16: invalid character '}' looking for beginning of value"},
		{`{"Statement":[]} x`, "policy document is not valid JSON: 1:18: invalid character 'x' after top-level value"},
		{"\xff", "policy document is not valid UTF-8"},
		{`null`, "policy document must be a JSON object"},
		{`[]`, "policy document is not valid JSON: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{`{"Version":"2012-10-17"}`, "policy document has no Statement"},
		{`{"Version":"2019-01-01","Statement":[]}`, `Version "2019-01-01" is not supported; use "2012-10-17"`},
		{`{"Version":1,"Statement":[]}`, "Version: must be a string"},
		{`{"Statement":[],"Extra":1}`, `unknown top-level member "Extra"`},
		{`{"Statement":[]}`, "Statement must not be empty"},
		{`{"Statement":"x"}`, "Statement: must be an object or an array of objects"},
		{wrap(`1`), "statement 0: must be a JSON object"},
		{wrap(`{"Action":"iot:Publish",` + topic + `}`), "statement 0: missing Effect"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `},{"Effect":"Permit","Action":"iot:Publish",` + topic + `}`), `statement 1: Effect "Permit" must be Allow or Deny`},
		{wrap(`{"Effect":"allow","Action":"iot:Publish",` + topic + `}`), `statement 0: Effect "allow" must be Allow or Deny`},
		{wrap(`{"Effect":true,"Action":"iot:Publish",` + topic + `}`), "statement 0: Effect: must be a string"},
		{wrap(`{"Effect":"Allow",` + topic + `}`), "statement 0: missing Action"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish"}`), "statement 0: missing Resource"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish","NotAction":"iot:Connect",` + topic + `}`), "statement 0: has both Action and NotAction"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"NotResource":"*"}`), "statement 0: has both Resource and NotResource"},
		{wrap(`{"Effect":"Allow","Action":"s3:GetObject",` + topic + `}`), `statement 0: Action: "s3:GetObject" is not an AWS IoT action: it must start with iot: (or greengrass:) or be *`},
		{wrap(`{"Effect":"Allow","Action":"Publish",` + topic + `}`), `statement 0: Action: "Publish" is not an AWS IoT action: it must start with iot: (or greengrass:) or be *`},
		{wrap(`{"Effect":"Allow","NotAction":["iot:Publish","iot:"],` + topic + `}`), `statement 0: NotAction: "iot:" has no action name after iot:`},
		{wrap(`{"Effect":"Allow","Action":"iot:Pub/lish",` + topic + `}`), `statement 0: Action: "iot:Pub/lish": an action name has letters, digits and the wildcards * and ? only`},
		{wrap(`{"Effect":"Allow","Action":[],` + topic + `}`), "statement 0: Action must not be empty"},
		{wrap(`{"Effect":"Allow","Action":["iot:Publish",3],` + topic + `}`), "statement 0: Action: element 1 must be a string"},
		{wrap(`{"Effect":"Allow","Action":null,` + topic + `}`), "statement 0: Action: must be a string or an array of strings"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish","Resource":"topic/x"}`), `statement 0: Resource: "topic/x" must be an ARN (arn:...) or *`},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish","NotResource":[""]}`), `statement 0: NotResource: "" must be an ARN (arn:...) or *`},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Principal":"*"}`), "statement 0: Principal is not allowed: an AWS IoT policy applies to the principal it is attached to"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Resources":"*"}`), `statement 0: unknown member "Resources"`},
		{wrap(`{"Sid":1,"Effect":"Allow","Action":"iot:Publish",` + topic + `}`), "statement 0: Sid: must be a string"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":[]}`), "statement 0: Condition: must be a JSON object"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{}}`), "statement 0: Condition: must not be empty"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"StringEqual":{"iot:ClientId":"a"}}}`), `statement 0: Condition: unknown condition operator "StringEqual"`},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"NumericLessThan":{"k":1}}}`), "statement 0: Condition: condition operator NumericLessThan is not supported by fleetd"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"ForAnyValue:Null":{"k":"true"}}}`), "statement 0: Condition: condition operator ForAnyValue:Null: Null takes no qualifier and no IfExists"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"Bool":{"iot:Connection.Thing.IsAttached":"yes"}}}`), `statement 0: Condition: Bool: iot:Connection.Thing.IsAttached: "yes" is not true or false`},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}`), `statement 0: Condition: IpAddress: aws:SourceIp: "10.0.0.0/33" is not an IP address or CIDR block`},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"StringEquals":{"iot:ClientId":[]}}}`), "statement 0: Condition: StringEquals: iot:ClientId: must have at least one value"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"StringEquals":{"iot:ClientId":{"a":1}}}}`), "statement 0: Condition: StringEquals: iot:ClientId: must be a string, boolean or number"},
		{wrap(`{"Effect":"Allow","Action":"iot:Publish",` + topic + `,"Condition":{"StringEquals":{}}}`), "statement 0: Condition: StringEquals has no condition key"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		e, ok := awserr.As(err)
		if !ok || e.Code != awserr.MalformedPolicy || e.Status != 400 {
			t.Errorf("Parse(%q) = %v; want a MalformedPolicyException", tt.doc, err)
			continue
		}
		if e.Message != tt.want {
			t.Errorf("Parse(%q) message = %q; want %q", tt.doc, e.Message, tt.want)
		}
	}
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		doc  string
		want *Document
	}{
		{
			`{"Version":"2012-10-17","Id":"p","Statement":{"Sid":"s","Effect":"Deny","Action":"iot:*","Resource":"*"}}`,
			&Document{Version: VersionCurrent, ID: "p", Statements: []Statement{{Sid: "s", Effect: Deny, Actions: []string{"iot:*"}, Resources: []string{"*"}}}},
		},
		{
			`{"Statement":[{"Effect":"Allow","NotAction":["iot:Connect","*"],"NotResource":["arn:a","arn:b"],
			  "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":true},"StringLike":{"k2":["a*",5],"k1":"x"}}}]}`,
			&Document{Statements: []Statement{{
				Effect: Allow, Actions: []string{"iot:Connect", "*"}, NotAction: true,
				Resources: []string{"arn:a", "arn:b"}, NotResource: true,
				Conditions: []Condition{
					{Operator: "Bool", Key: "iot:Connection.Thing.IsAttached", Values: []string{"true"}},
					{Operator: "StringLike", Key: "k1", Values: []string{"x"}},
					{Operator: "StringLike", Key: "k2", Values: []string{"a*", "5"}},
				},
			}}},
		},
	}
	for _, tt := range tests {
		got, err := Parse([]byte(tt.doc))
		if err != nil {
			t.Errorf("Parse(%q) error %v", tt.doc, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v; want %+v", tt.doc, got, tt.want)
		}
		again, err := Limits{}.Parse([]byte(got.String()))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("Parse(%q.String()) = %+v, %v; want %+v", got, again, err, got)
		}
	}
}

func TestLimits(t *testing.T) {
	// A document of exactly 2048 non-whitespace characters, padded with
	// whitespace (which does not count) and one character too many.
	build := func(chars int, pad string) []byte {
		head := `{"Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:`
		tail := `"}}`
		return []byte(head + strings.Repeat("x", chars-len(head)-len(tail)) + tail + pad)
	}
	tests := []struct {
		limits Limits
		doc    []byte
		ok     bool
	}{
		{DefaultLimits(), build(2048, strings.Repeat(" \n\t", 500)), true},
		{DefaultLimits(), build(2049, ""), false},
		{Limits{}, build(100000, ""), true},
		{Limits{MaxChars: 100}, build(101, ""), false},
	}
	for i, tt := range tests {
		_, err := tt.limits.Parse(tt.doc)
		if (err == nil) != tt.ok {
			t.Errorf("case %d: %+v.Parse(%d bytes) = %v; want ok=%v", i, tt.limits, len(tt.doc), err, tt.ok)
		}
	}
	_, err := Parse(build(2049, ""))
	if want := "MalformedPolicyException: policy document has 2049 characters excluding whitespace; the limit is 2048"; err == nil || err.Error() != want {
		t.Errorf("Parse(2049 chars) = %v; want %s", err, want)
	}
}

func TestSubjectAttributes(t *testing.T) {
	atv := func(oid asn1.ObjectIdentifier, v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: oid, Value: v}
	}
	name := pkix.Name{Names: []pkix.AttributeTypeAndValue{
		atv(asn1.ObjectIdentifier{2, 5, 4, 6}, "DE"),
		atv(asn1.ObjectIdentifier{2, 5, 4, 10}, "fleetlab"),
		atv(asn1.ObjectIdentifier{2, 5, 4, 6}, "FR"),
		atv(asn1.ObjectIdentifier{2, 5, 4, 3}, "sensor-1"),
		atv(asn1.ObjectIdentifier{2, 5, 4, 7}, "Berlin"), // Locality: not an IoT variable
	}}
	got := SubjectAttributes(name)
	want := map[string][]string{"Country": {"DE", "FR"}, "Organization": {"fleetlab"}, "CommonName": {"sensor-1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SubjectAttributes = %v; want %v", got, want)
	}
}
