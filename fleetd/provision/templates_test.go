package provision

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
)

const minimalTemplate = `{"Resources":{"certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"}}}}}`

func TestCreateProvisioningTemplate(t *testing.T) {
	hook := &ProvisioningHook{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:f"}
	tests := []struct {
		name string
		req  CreateProvisioningTemplateRequest
		code string
		msg  string
	}{
		{"ok", CreateProvisioningTemplateRequest{TemplateName: "t1", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn}, "", ""},
		{"duplicate", CreateProvisioningTemplateRequest{TemplateName: "t1", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn}, "ResourceAlreadyExistsException", "already exists"},
		{"no name", CreateProvisioningTemplateRequest{TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn}, "InvalidRequestException", "'templateName'"},
		{"bad name", CreateProvisioningTemplateRequest{TemplateName: "a b", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn}, "InvalidRequestException", "pattern"},
		{"long name", CreateProvisioningTemplateRequest{TemplateName: strings.Repeat("a", 37), TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn}, "InvalidRequestException", "less than or equal to 36"},
		{"no role", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate}, "InvalidRequestException", "provisioningRoleArn"},
		{"short role", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: "arn:x"}, "InvalidRequestException", "greater than or equal to 20"},
		{"bad type", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, Type: "BULK"}, "InvalidRequestException", "enum"},
		{"bad body", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: `{"Resources":{}}`, ProvisioningRoleArn: roleArn}, "InvalidRequestException", "Invalid provisioning template"},
		{"CSR in fleet template", CreateProvisioningTemplateRequest{TemplateName: "t2", ProvisioningRoleArn: roleArn,
			TemplateBody: `{"Parameters":{"CSR":{"Type":"String"}},"Resources":{"c":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateSigningRequest":{"Ref":"CSR"}}}}}`}, "InvalidRequestException", "CertificateId"},
		{"hook without target", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, PreProvisioningHook: &ProvisioningHook{}}, "InvalidRequestException", "targetArn"},
		{"bad payload version", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, PreProvisioningHook: &ProvisioningHook{TargetArn: "x", PayloadVersion: "v1"}}, "InvalidRequestException", "payloadVersion"},
		{"hook on JITP", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, Type: TypeJITP, PreProvisioningHook: hook}, "InvalidRequestException", "only supported"},
		{"bad safeguard", CreateProvisioningTemplateRequest{TemplateName: "t2", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, Tags: []registry.Tag{{Key: TagRegistrationsPerMinute, Value: "0"}}}, "InvalidRequestException", "positive integer"},
		{"JITP ok", CreateProvisioningTemplateRequest{TemplateName: "j1", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, Type: TypeJITP}, "", ""},
		{"hook ok", CreateProvisioningTemplateRequest{TemplateName: "h1", TemplateBody: minimalTemplate, ProvisioningRoleArn: roleArn, PreProvisioningHook: hook}, "", ""},
	}
	v := newEnv(t)
	for _, tc := range tests {
		resp, err := v.e.CreateProvisioningTemplate(v.now, tc.req)
		checkErr(t, tc.name, err, tc.code, tc.msg)
		if err == nil && (resp.DefaultVersionId != 1 || resp.TemplateArn != "arn:aws:iot:us-east-1:123456789012:provisioningtemplate/"+tc.req.TemplateName) {
			t.Errorf("%s: response %+v", tc.name, resp)
		}
	}
	d, err := v.e.DescribeProvisioningTemplate(DescribeProvisioningTemplateRequest{TemplateName: "t1"})
	if err != nil || d.Type != TypeFleetProvisioning || d.Enabled || d.TemplateBody != minimalTemplate || d.DefaultVersionId != 1 || d.PreProvisioningHook != nil {
		t.Errorf("Describe t1 = %+v, %v; want FLEET_PROVISIONING, disabled, version 1", d, err)
	}
	d, _ = v.e.DescribeProvisioningTemplate(DescribeProvisioningTemplateRequest{TemplateName: "h1"})
	if d.PreProvisioningHook == nil || d.PreProvisioningHook.PayloadVersion != DefaultHookPayloadVersion {
		t.Errorf("Describe h1 hook = %+v; want payloadVersion %s", d.PreProvisioningHook, DefaultHookPayloadVersion)
	}
	_, err = v.e.DescribeProvisioningTemplate(DescribeProvisioningTemplateRequest{TemplateName: "ghost"})
	checkErr(t, "describe ghost", err, "ResourceNotFoundException", "ghost")
}

func TestTemplateVersionsAndUpdate(t *testing.T) {
	v := newEnv(t)
	v.createTemplate("t", minimalTemplate)
	for i := 2; i <= MaxTemplateVersions; i++ {
		resp, err := v.e.CreateProvisioningTemplateVersion(v.now, CreateProvisioningTemplateVersionRequest{TemplateName: "t",
			TemplateBody: minimalTemplate, SetAsDefault: i == 3})
		if err != nil || resp.VersionId != i || resp.IsDefaultVersion != (i == 3) {
			t.Fatalf("version %d: %+v %v", i, resp, err)
		}
	}
	_, err := v.e.CreateProvisioningTemplateVersion(v.now, CreateProvisioningTemplateVersionRequest{TemplateName: "t", TemplateBody: minimalTemplate})
	checkErr(t, "6th version", err, "VersionsLimitExceededException", "maximum number of versions (5)")
	_, err = v.e.CreateProvisioningTemplateVersion(v.now, CreateProvisioningTemplateVersionRequest{TemplateName: "ghost", TemplateBody: minimalTemplate})
	checkErr(t, "version of ghost", err, "ResourceNotFoundException", "")

	err = v.e.DeleteProvisioningTemplateVersion(v.now, TemplateVersionRequest{TemplateName: "t", VersionId: 3})
	checkErr(t, "delete default version", err, "DeleteConflictException", "default version")
	checkErr(t, "delete version 2", v.e.DeleteProvisioningTemplateVersion(v.now, TemplateVersionRequest{TemplateName: "t", VersionId: 2}), "", "")
	err = v.e.DeleteProvisioningTemplateVersion(v.now, TemplateVersionRequest{TemplateName: "t", VersionId: 2})
	checkErr(t, "delete version 2 again", err, "ResourceNotFoundException", "Version 2")
	// Ids are never reused.
	resp, err := v.e.CreateProvisioningTemplateVersion(v.now, CreateProvisioningTemplateVersionRequest{TemplateName: "t", TemplateBody: minimalTemplate})
	if err != nil || resp.VersionId != 6 {
		t.Errorf("version after delete = %+v %v; want 6", resp, err)
	}

	list, err := v.e.ListProvisioningTemplateVersions(ListProvisioningTemplateVersionsRequest{TemplateName: "t", MaxResults: 3})
	if err != nil || len(list.Versions) != 3 || list.Versions[0].VersionId != 1 || !list.Versions[1].IsDefaultVersion || list.NextToken == "" {
		t.Fatalf("versions page 1 = %+v %v", list, err)
	}
	list, err = v.e.ListProvisioningTemplateVersions(ListProvisioningTemplateVersionsRequest{TemplateName: "t", NextToken: list.NextToken})
	if err != nil || len(list.Versions) != 2 || list.Versions[1].VersionId != 6 || list.NextToken != "" {
		t.Errorf("versions page 2 = %+v %v", list, err)
	}
	_, err = v.e.ListProvisioningTemplateVersions(ListProvisioningTemplateVersionsRequest{TemplateName: "t", NextToken: "junk"})
	checkErr(t, "bad token", err, "InvalidRequestException", "nextToken")

	dv, err := v.e.DescribeProvisioningTemplateVersion(TemplateVersionRequest{TemplateName: "t", VersionId: 3})
	if err != nil || !dv.IsDefaultVersion || dv.TemplateBody != minimalTemplate {
		t.Errorf("describe version 3 = %+v %v", dv, err)
	}

	// Update.
	v.now = v.now.Add(time.Minute)
	tests := []struct {
		name string
		req  UpdateProvisioningTemplateRequest
		code string
	}{
		{"enable and default", UpdateProvisioningTemplateRequest{TemplateName: "t", Enabled: ptr(true), DefaultVersionId: ptr(4), Description: ptr("d")}, ""},
		{"missing version", UpdateProvisioningTemplateRequest{TemplateName: "t", DefaultVersionId: ptr(2)}, "ResourceNotFoundException"},
		{"hook and remove", UpdateProvisioningTemplateRequest{TemplateName: "t", PreProvisioningHook: &ProvisioningHook{TargetArn: "x"}, RemovePreProvisioningHook: true}, "InvalidRequestException"},
		{"ghost", UpdateProvisioningTemplateRequest{TemplateName: "ghost"}, "ResourceNotFoundException"},
		{"short role", UpdateProvisioningTemplateRequest{TemplateName: "t", ProvisioningRoleArn: "r"}, "InvalidRequestException"},
	}
	for _, tc := range tests {
		checkErr(t, tc.name, v.e.UpdateProvisioningTemplate(v.now, tc.req), tc.code, "")
	}
	d, _ := v.e.DescribeProvisioningTemplate(DescribeProvisioningTemplateRequest{TemplateName: "t"})
	if !d.Enabled || d.DefaultVersionId != 4 || d.Description != "d" || !d.LastModifiedDate.Equal(v.now) || !d.CreationDate.Equal(t0) {
		t.Errorf("after update: %+v", d)
	}

	checkErr(t, "delete", v.e.DeleteProvisioningTemplate(v.now, DeleteProvisioningTemplateRequest{TemplateName: "t"}), "", "")
	checkErr(t, "delete again", v.e.DeleteProvisioningTemplate(v.now, DeleteProvisioningTemplateRequest{TemplateName: "t"}), "ResourceNotFoundException", "")
	if rec := v.e.Record(keyTemplate("t")); rec != nil || !v.sink.dirty[keyTemplate("t")] {
		t.Errorf("deleted template record = %s, dirty %v", rec, v.sink.dirty[keyTemplate("t")])
	}
}

func TestListProvisioningTemplates(t *testing.T) {
	v := newEnv(t)
	for _, n := range []string{"c", "a", "b"} {
		v.createTemplate(n, minimalTemplate)
	}
	var names []string
	token := ""
	for {
		resp, err := v.e.ListProvisioningTemplates(ListProvisioningTemplatesRequest{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range resp.Templates {
			names = append(names, s.TemplateName)
			if !s.Enabled || s.Type != TypeFleetProvisioning {
				t.Errorf("summary %+v", s)
			}
		}
		if token = resp.NextToken; token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("names = %v; want a,b,c", names)
	}
	_, err := v.e.ListProvisioningTemplates(ListProvisioningTemplatesRequest{MaxResults: 251})
	checkErr(t, "maxResults 251", err, "InvalidRequestException", "maxResults")
}
