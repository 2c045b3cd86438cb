package httpapi

import (
	"strings"
	"testing"
)

// TestAWSCLIIdentity drives certificates, policies and principals with the
// real aws CLI, errors included.
func TestAWSCLIIdentity(t *testing.T) { forEachCLI(t, testAWSCLIIdentity) }

func testAWSCLIIdentity(t *testing.T, newCLI func(endpoint, secret string) cli) {
	srv := startServer(t)
	aws := newCLI(srv.URL, testSecret)
	aws.json("iot", "create-thing", "--thing-name", "lamp")
	cert := aws.json("iot", "create-keys-and-certificate", "--set-as-active")
	id, arn := cert["certificateId"].(string), cert["certificateArn"].(string)
	if len(id) != 64 || !strings.HasSuffix(arn, ":cert/"+id) || !strings.Contains(cert["certificatePem"].(string), "BEGIN CERTIFICATE") {
		t.Fatalf("create-keys-and-certificate = %v", cert)
	}
	if kp := cert["keyPair"].(map[string]any); !strings.Contains(kp["PrivateKey"].(string), "PRIVATE KEY") {
		t.Errorf("keyPair = %v", kp)
	}
	d := aws.json("iot", "describe-certificate", "--certificate-id", id)
	if d["certificateDescription"].(map[string]any)["status"] != "ACTIVE" {
		t.Errorf("describe-certificate = %v", d)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`
	p := aws.json("iot", "create-policy", "--policy-name", "connect", "--policy-document", doc)
	if p["policyVersionId"] != "1" {
		t.Errorf("create-policy = %v", p)
	}
	aws.fails("MalformedPolicyException", "iot", "create-policy", "--policy-name", "bad", "--policy-document", `{"Statement":[]}`)
	aws.fails("ResourceAlreadyExistsException", "iot", "create-policy", "--policy-name", "connect", "--policy-document", doc)
	aws.json("iot", "attach-policy", "--policy-name", "connect", "--target", arn)
	if ap := aws.json("iot", "list-attached-policies", "--target", arn); len(ap["policies"].([]any)) != 1 {
		t.Errorf("list-attached-policies = %v", ap)
	}
	aws.json("iot", "create-policy-version", "--policy-name", "connect", "--policy-document", doc, "--set-as-default")
	if v := aws.json("iot", "list-policy-versions", "--policy-name", "connect"); len(v["policyVersions"].([]any)) != 2 {
		t.Errorf("list-policy-versions = %v", v)
	}
	aws.json("iot", "attach-thing-principal", "--thing-name", "lamp", "--principal", arn)
	if tp := aws.json("iot", "list-thing-principals", "--thing-name", "lamp"); len(tp["principals"].([]any)) != 1 {
		t.Errorf("list-thing-principals = %v", tp)
	}
	if pt := aws.json("iot", "list-principal-things", "--principal", arn); len(pt["things"].([]any)) != 1 {
		t.Errorf("list-principal-things = %v", pt)
	}
	aws.fails("InvalidRequestException", "iot", "delete-thing", "--thing-name", "lamp")
	aws.fails("CertificateStateException", "iot", "delete-certificate", "--certificate-id", id)
	aws.json("iot", "update-certificate", "--certificate-id", id, "--new-status", "INACTIVE")
	aws.fails("DeleteConflictException", "iot", "delete-certificate", "--certificate-id", id)
	aws.json("iot", "detach-thing-principal", "--thing-name", "lamp", "--principal", arn)
	aws.json("iot", "detach-policy", "--policy-name", "connect", "--target", arn)
	aws.json("iot", "delete-certificate", "--certificate-id", id)
	aws.fails("ResourceNotFoundException", "iot", "describe-certificate", "--certificate-id", id)
	if l := aws.json("iot", "list-certificates"); len(l["certificates"].([]any)) != 0 {
		t.Errorf("list-certificates = %v", l)
	}
	aws.json("iot", "delete-thing", "--thing-name", "lamp")
	if ep := aws.json("iot", "describe-endpoint", "--endpoint-type", "iot:Data-ATS"); ep["endpointAddress"] != "localhost" {
		t.Errorf("describe-endpoint = %v", ep)
	}
	aws.fails("InvalidRequestException", "iot", "describe-endpoint", "--endpoint-type", "iot:Nope")
	code := aws.json("iot", "get-registration-code")
	if len(code["registrationCode"].(string)) != 64 {
		t.Errorf("get-registration-code = %v", code)
	}
}
