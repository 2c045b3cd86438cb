package provision

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// csrTemplate is a bulk/RegisterThing template: the certificate comes
// from a CSR parameter.
const csrTemplate = `{
  "Parameters": {"ThingName": {"Type": "String"}, "CSR": {"Type": "String"}, "Group": {"Type": "String", "Default": "fleet"}},
  "Resources": {
    "thing": {"Type": "AWS::IoT::Thing", "Properties": {"ThingName": {"Ref": "ThingName"}, "ThingGroups": [{"Ref": "Group"}], "BillingGroup": "billing"}},
    "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateSigningRequest": {"Ref": "CSR"}, "Status": "ACTIVE"}},
    "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "existing"}}
  }
}`

func TestRegisterThingHTTP(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.billingGroup("billing")
	if _, err := v.id.CreatePolicy(identity.CreatePolicyRequest{PolicyName: "existing", PolicyDocument: allowConnect}, v.now); err != nil {
		t.Fatal(err)
	}
	resp, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: csrTemplate,
		Parameters: map[string]string{"ThingName": "bulb1", "CSR": newCSR(t, "bulb1")}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.CertificatePem, "BEGIN CERTIFICATE") {
		t.Errorf("certificatePem = %q", resp.CertificatePem)
	}
	if got := slices.Sorted(maps.Keys(resp.ResourceArns)); !slices.Equal(got, []string{"certificate", "policy", "thing"}) ||
		resp.ResourceArns["thing"] != "arn:aws:iot:us-east-1:123456789012:thing/bulb1" ||
		resp.ResourceArns["policy"] != "arn:aws:iot:us-east-1:123456789012:policy/existing" {
		t.Errorf("resourceArns = %v", resp.ResourceArns)
	}
	certID := strings.TrimPrefix(resp.ResourceArns["certificate"], "arn:aws:iot:us-east-1:123456789012:cert/")
	if v.id.CertificateStatus(certID) != identity.StatusActive {
		t.Errorf("certificate status = %s", v.id.CertificateStatus(certID))
	}
	d, _ := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "bulb1"})
	if d.BillingGroupName != "billing" || !v.reg.InThingGroup("bulb1", "fleet") {
		t.Errorf("thing = %+v", d)
	}

	tests := []struct {
		name   string
		body   string
		params map[string]string
		code   string
		msg    string
	}{
		{"no body", "", nil, "InvalidRequestException", "templateBody"},
		{"bad body", `{"Resources":{"x":{"Type":"AWS::S3::Bucket"}}}`, nil, "InvalidRequestException", "Invalid provisioning template"},
		{"missing parameter", csrTemplate, map[string]string{"ThingName": "b2"}, "ResourceRegistrationFailureException", "CSR"},
		{"bad CSR", csrTemplate, map[string]string{"ThingName": "b2", "CSR": "junk"}, "InvalidRequestException", "signing request"},
		{"unknown group", csrTemplate, map[string]string{"ThingName": "b3", "CSR": newCSR(t, "b3"), "Group": "nope"}, "ResourceRegistrationFailureException", "nope"},
		{"unknown policy", strings.Replace(csrTemplate, `"existing"`, `"absent"`, 1), map[string]string{"ThingName": "b4", "CSR": newCSR(t, "b4")}, "ResourceRegistrationFailureException", "absent"},
	}
	for _, tc := range tests {
		_, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: tc.body, Parameters: tc.params})
		checkErr(t, tc.name, err, tc.code, tc.msg)
	}
	for _, name := range []string{"b3", "b4"} { // unknown group, unknown policy
		if _, err := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: name}); err == nil {
			t.Errorf("the rejected registration of %s created its thing: checks must run first", name)
		}
	}
}

// TestOverrideSettings: re-provisioning an existing thing follows each
// property's OverrideSettings.
func TestOverrideSettings(t *testing.T) {
	body := func(attrs, groups, extra string) string {
		return fmt.Sprintf(`{"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":"t1","AttributePayload":{"b":"2"},"ThingGroups":["g2"]},
  "OverrideSettings":{"AttributePayload":%q,"ThingGroups":%q%s}}}}`, attrs, groups, extra)
	}
	tests := []struct {
		attrs, groups string
		wantAttrs     map[string]string
		wantGroups    []string
		code          string
	}{
		{"DO_NOTHING", "DO_NOTHING", map[string]string{"a": "1"}, []string{"g1"}, ""},
		{"MERGE", "MERGE", map[string]string{"a": "1", "b": "2"}, []string{"g1", "g2"}, ""},
		{"REPLACE", "REPLACE", map[string]string{"b": "2"}, []string{"g2"}, ""},
		{"FAIL", "DO_NOTHING", map[string]string{"a": "1"}, []string{"g1"}, "ConflictingResourceUpdateException"},
		{"DO_NOTHING", "FAIL", map[string]string{"a": "1"}, []string{"g1"}, "ConflictingResourceUpdateException"},
	}
	for _, tc := range tests {
		v := newEnv(t)
		v.group("g1")
		v.group("g2")
		if _, err := v.reg.CreateThing(registry.CreateThingRequest{ThingName: "t1", AttributePayload: &registry.AttributePayload{Attributes: map[string]string{"a": "1"}}}, v.now); err != nil {
			t.Fatal(err)
		}
		if err := v.reg.AddThingToThingGroup(registry.AddThingToThingGroupRequest{ThingName: "t1", ThingGroupName: "g1"}, v.now); err != nil {
			t.Fatal(err)
		}
		_, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: body(tc.attrs, tc.groups, "")})
		name := tc.attrs + "/" + tc.groups
		checkErr(t, name, err, tc.code, "")
		d, _ := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "t1"})
		groups, _ := v.e.staticGroups("t1")
		if !maps.Equal(d.Attributes, tc.wantAttrs) || !slices.Equal(groups, tc.wantGroups) {
			t.Errorf("%s: attributes %v groups %v; want %v %v", name, d.Attributes, groups, tc.wantAttrs, tc.wantGroups)
		}
	}
	// The same values under FAIL are no conflict: re-provisioning is idempotent.
	v := newEnv(t)
	v.group("g2")
	for i := range 2 {
		_, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: body("FAIL", "FAIL", `,"ThingTypeName":"FAIL"`)})
		checkErr(t, fmt.Sprint("idempotent FAIL ", i), err, "", "")
	}
}

func TestRegisterThingExistingCertificate(t *testing.T) {
	v := newEnv(t)
	cert, err := v.id.CreateKeysAndCertificate(identity.CreateKeysAndCertificateRequest{}, v.now)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"Parameters":{"Cert":{"Type":"String"}},"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":"t1"}},
"certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"Cert"},"Status":"ACTIVE"},"OverrideSettings":{"Status":"%s"}}}}`
	// INACTIVE stays INACTIVE without Status REPLACE.
	if _, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: fmt.Sprintf(body, "DO_NOTHING"), Parameters: map[string]string{"Cert": cert.CertificateId}}); err != nil {
		t.Fatal(err)
	}
	if got := v.id.CertificateStatus(cert.CertificateId); got != identity.StatusInactive {
		t.Errorf("DO_NOTHING: status %s; want INACTIVE", got)
	}
	if _, err := v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: fmt.Sprintf(body, "REPLACE"), Parameters: map[string]string{"Cert": cert.CertificateId}}); err != nil {
		t.Fatal(err)
	}
	if got := v.id.CertificateStatus(cert.CertificateId); got != identity.StatusActive {
		t.Errorf("REPLACE: status %s; want ACTIVE", got)
	}
	if got := v.id.ThingPrincipals("t1"); len(got) != 1 {
		t.Errorf("principals = %v", got)
	}
	_, err = v.e.RegisterThing(v.now, RegisterThingRequest{TemplateBody: fmt.Sprintf(body, "REPLACE"), Parameters: map[string]string{"Cert": strings.Repeat("ab", 32)}})
	checkErr(t, "unknown certificate", err, "ResourceRegistrationFailureException", "cannot be found")
}
