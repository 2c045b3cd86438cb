package template

import (
	"errors"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

const minimalTemplate = `{"Parameters": {"N": {"Type": "String", "Default": "d"}, "M": {"Type": "String"}},
	"Resources": {"t": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "N"}}}}}`

func TestBodyLimit(t *testing.T) {
	// Padding in a string keeps the body valid JSON; multi-byte runes show
	// the limit counts characters, not bytes.
	body := func(chars int) []byte {
		head := `{"Resources": {"t": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": "`
		tail := `"}}}}`
		return []byte(head + strings.Repeat("é", chars-len(head)-len(tail)) + tail)
	}
	if _, err := Parse(body(MaxBodyChars)); err != nil {
		t.Errorf("Parse(%d chars) = %v; want nil", MaxBodyChars, err)
	}
	_, err := Parse(body(MaxBodyChars + 1))
	if !awserr.Is(err, awserr.InvalidRequest) || !strings.Contains(err.Error(), "10241 characters") {
		t.Errorf("Parse(%d chars) = %v; want InvalidRequestException naming the size", MaxBodyChars+1, err)
	}
}

func TestErrorsAreAWSErrors(t *testing.T) {
	_, err := Parse([]byte(`{"Resources": {"t": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": 1, "X": 2}}}}`))
	var invalid *InvalidTemplateError
	if !errors.As(err, &invalid) || len(invalid.Problems) != 2 {
		t.Fatalf("Parse = %v; want an *InvalidTemplateError with 2 problems", err)
	}
	if aws, ok := awserr.As(err); !ok || aws.Status != 400 || !strings.HasPrefix(aws.Message, "Invalid provisioning template (2 problems): ") {
		t.Errorf("awserr.As(%v) = %+v, %v", err, aws, ok)
	}

	tmpl, err := Parse([]byte(minimalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	if err := tmpl.CheckKind(FleetProvisioning); err != nil {
		t.Errorf("CheckKind(FleetProvisioning) = %v; want nil", err)
	}
	_, err = tmpl.Evaluate(nil)
	_ = err // N has a default: no failure
	bad, err := Parse([]byte(`{"Parameters": {"M": {"Type": "String"}},
		"Resources": {"t": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "M"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Evaluate(map[string]string{"other": "x"})
	if !awserr.Is(err, awserr.RegistrationFailure) || !strings.Contains(err.Error(), "parameter M has no value") {
		t.Errorf("Evaluate without M = %v; want ResourceRegistrationFailureException naming M", err)
	}
}

func TestParameters(t *testing.T) {
	tmpl, err := Parse([]byte(minimalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	got := tmpl.Parameters()
	want := []Parameter{{Name: "N", Default: "d", HasDefault: true}, {Name: "M"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Parameters() = %+v; want %+v", got, want)
	}
	got[0].Name = "changed"
	if tmpl.Parameters()[0].Name != "N" {
		t.Error("Parameters() shares its slice with the template")
	}
}

// TestReferences: every parameter a Ref or an Fn::Sub reads, declared or
// pseudo, and nothing else.
func TestReferences(t *testing.T) {
	tmpl, err := Parse([]byte(`{
  "Parameters": {"Serial": {"Type": "String"}, "Unused": {"Type": "String"}, "Joined": {"Type": "String"}},
  "Resources": {"thing": {"Type": "AWS::IoT::Thing", "Properties": {
    "ThingName": {"Fn::Sub": "dev-${Serial}-${AWS::IoT::Certificate::CommonName}"},
    "AttributePayload": {"region": {"Ref": "AWS::Region"}, "j": {"Fn::Join": ["-", [{"Ref": "Joined"}, "x"]]}}}}}
}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"Serial": true, "AWS::IoT::Certificate::CommonName": true, "AWS::Region": true, "Joined": true,
		"Unused": false, "AWS::IoT::Certificate::Country": false, "AWS::AccountId": false, "nowhere": false,
	} {
		if got := tmpl.References(name); got != want {
			t.Errorf("References(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestEvaluateDoesNotModifyParams(t *testing.T) {
	tmpl, err := Parse([]byte(minimalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"M": "m"}
	res, err := tmpl.Evaluate(params)
	if err != nil || res.Thing.ThingName != "d" {
		t.Fatalf("Evaluate = %+v, %v; want thing d", res, err)
	}
	if len(params) != 1 || params["M"] != "m" {
		t.Errorf("Evaluate modified params: %v", params)
	}
}

func TestParseSubFormat(t *testing.T) {
	tests := []struct {
		format string
		want   string // parts as text|${name}, or the error
	}{
		{"", ""},
		{"plain", "plain"},
		{"${A}", "${A}"},
		{"a${A}b${B}", "a|${A}|b|${B}"},
		{"${!A}", "${A}"},
		{"x${!A}${B}", "x${A}|${B}"},
		{"$A {B} $", "$A {B} $"},
		{"${", "unterminated ${ in Fn::Sub format"},
		{"${}", "empty ${} in Fn::Sub format"},
	}
	for _, tt := range tests {
		parts, msg := parseSubFormat(tt.format)
		got := msg
		if msg == "" {
			var s []string
			for _, p := range parts {
				if p.name != "" {
					s = append(s, "${"+p.name+"}")
				} else {
					s = append(s, p.text)
				}
			}
			got = strings.Join(s, "|")
		}
		if got != tt.want {
			t.Errorf("parseSubFormat(%q) = %q; want %q", tt.format, got, tt.want)
		}
	}
}

func TestAppendQuotedMatchesJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a<b>&c", `"a<b>&c"`},
		{"q\"b\\", `"q\"b\\"`},
		{"\n\r\t\x01", `"\n\r\t\u0001"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"ünï", `"ünï"`},
	}
	for _, tt := range tests {
		if got := string(appendQuoted(nil, tt.in)); got != tt.want {
			t.Errorf("appendQuoted(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
