package template

import (
	"path/filepath"
	"testing"
)

func mustGlob(t testing.TB, pattern string) []string {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("glob %s: %v", pattern, err)
	}
	return files
}

// benchFleetTemplate is a typical fleet-provisioning template: a thing
// named from a serial number with attributes and groups, the certificate
// by id, a per-device policy with intrinsics, and a device configuration
// from a mapping.
const benchFleetTemplate = `{
  "Parameters": {
    "SerialNumber": {"Type": "String"},
    "Model": {"Type": "String", "Default": "bulb-a"},
    "Location": {"Type": "String"}
  },
  "Mappings": {"Endpoints": {"Seattle": {"Url": "https://sea.example"}, "Berlin": {"Url": "https://ber.example"}}},
  "Resources": {
    "thing": {
      "Type": "AWS::IoT::Thing",
      "Properties": {
        "ThingName": {"Fn::Join": ["-", [{"Ref": "Model"}, {"Ref": "SerialNumber"}]]},
        "AttributePayload": {"serial": {"Ref": "SerialNumber"}, "model": {"Ref": "Model"}, "version": "v1"},
        "ThingTypeName": "lightbulb",
        "ThingGroups": ["bulbs", {"Ref": "Location"}]
      },
      "OverrideSettings": {"AttributePayload": "MERGE", "ThingGroups": "MERGE"}
    },
    "certificate": {
      "Type": "AWS::IoT::Certificate",
      "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}
    },
    "policy": {
      "Type": "AWS::IoT::Policy",
      "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["iot:Connect", "iot:Publish"],
        "Resource": [{"Fn::Sub": "arn:aws:iot:${AWS::Region}:${AWS::AccountId}:client/${Model}-${SerialNumber}"}]}]}}
    }
  },
  "DeviceConfiguration": {
    "Endpoint": {"Fn::FindInMap": ["Endpoints", {"Ref": "Location"}, "Url"]},
    "Name": {"Fn::Sub": "${Model}-${SerialNumber}"}
  }
}`

func BenchmarkEvaluateFleetTemplate(b *testing.B) {
	tmpl, err := Parse([]byte(benchFleetTemplate))
	if err != nil {
		b.Fatal(err)
	}
	params := map[string]string{
		"SerialNumber": "SN-000123", "Location": "Berlin",
		CertificateID: "f00dfeed", "AWS::Region": "eu-central-1", "AWS::AccountId": "123456789012",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Evaluate(params); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evaluations/s")
}

func BenchmarkParseFleetTemplate(b *testing.B) {
	body := []byte(benchFleetTemplate)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
