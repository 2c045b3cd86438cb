package provision

import (
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

const jitpTemplate = `{
  "Parameters": {
    "AWS::IoT::Certificate::CommonName": {"Type": "String"},
    "AWS::IoT::Certificate::Country": {"Type": "String"},
    "AWS::IoT::Certificate::Id": {"Type": "String"}
  },
  "Resources": {
    "thing": {"Type": "AWS::IoT::Thing", "Properties": {
      "ThingName": {"Ref": "AWS::IoT::Certificate::CommonName"},
      "AttributePayload": {"country": {"Ref": "AWS::IoT::Certificate::Country"}}}},
    "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}},
    "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}"}}
  }
}`

// registerCustomerCA registers a customer CA, ACTIVE, with
// auto-registration and the given registrationConfig.
func (v *env) registerCustomerCA(config *identity.RegistrationConfig, autoReg bool) *pki.CA {
	v.t.Helper()
	ca, err := pki.NewCA(t0.Add(-time.Hour), crand.Reader, pki.CAOptions{CommonName: "Customer CA"})
	if err != nil {
		v.t.Fatal(err)
	}
	code, err := v.id.GetRegistrationCode(identity.GetRegistrationCodeRequest{}, v.now)
	if err != nil {
		v.t.Fatal(err)
	}
	verification := v.deviceCert(ca, pkix.Name{CommonName: code.RegistrationCode})
	if _, err := v.id.RegisterCACertificate(identity.RegisterCACertificateRequest{CaCertificate: string(ca.CertPEM()),
		VerificationCertificate: string(pemOf(verification)), SetAsActive: true, AllowAutoRegistration: autoReg,
		RegistrationConfig: config}, v.now); err != nil {
		v.t.Fatal(err)
	}
	return ca
}

func (v *env) deviceCert(ca *pki.CA, subject pkix.Name) *x509.Certificate {
	v.t.Helper()
	is, err := pki.IssueDeviceCert(ca, t0, crand.Reader, subject)
	if err != nil {
		v.t.Fatal(err)
	}
	return is.Cert
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func TestJITP(t *testing.T) {
	v := newEnv(t)
	if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: "jitp", TemplateBody: jitpTemplate,
		ProvisioningRoleArn: roleArn, Type: TypeJITP}); err != nil {
		t.Fatal(err)
	}
	ca := v.registerCustomerCA(&identity.RegistrationConfig{TemplateName: "jitp"}, true)
	cert := v.deviceCert(ca, pkix.Name{CommonName: "lamp-7", Country: []string{"FR"}})

	fc, err := v.e.ProvisionOnFirstConnect(v.now, cert, "lamp-7")
	if err != nil {
		t.Fatal(err)
	}
	if !fc.AutoRegistered || fc.ThingName != "lamp-7" || fc.Status != identity.StatusActive || fc.CACertificateID == "" ||
		fc.CertificateID != pki.CertificateID(cert.Raw) {
		t.Errorf("first connect = %+v", fc)
	}
	d, err := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "lamp-7"})
	if err != nil || d.Attributes["country"] != "FR" {
		t.Errorf("thing = %+v %v", d, err)
	}
	if got := v.id.ThingPrincipals("lamp-7"); len(got) != 1 {
		t.Errorf("principals = %v", got)
	}
	// The JITR event.
	if len(v.sink.published) != 1 || v.sink.published[0].topic != "$aws/events/certificates/registered/"+fc.CACertificateID {
		t.Fatalf("published = %+v", v.sink.published)
	}
	var ev map[string]any
	_ = json.Unmarshal(v.sink.published[0].payload, &ev)
	if ev["certificateId"] != fc.CertificateID || ev["certificateStatus"] != "PENDING_ACTIVATION" || ev["awsAccountId"] != "123456789012" ||
		ev["timestamp"] != float64(t0.Unix()) || ev["certificateRegistrationTimestamp"] != "1772600767000" {
		t.Errorf("JITR event = %v", ev)
	}
	// Second connection: the certificate is ACTIVE, nothing happens.
	fc, err = v.e.ProvisionOnFirstConnect(v.now, cert, "lamp-7")
	if err != nil || fc.AutoRegistered || fc.Status != identity.StatusActive || len(v.sink.published) != 1 {
		t.Errorf("second connect = %+v %v", fc, err)
	}
}

func TestJITRWithoutTemplate(t *testing.T) {
	v := newEnv(t)
	ca := v.registerCustomerCA(nil, true)
	cert := v.deviceCert(ca, pkix.Name{CommonName: "x"})
	fc, err := v.e.ProvisionOnFirstConnect(v.now, cert, "x")
	if err != nil || fc.Status != identity.StatusPendingActivation || fc.ThingName != "" || len(v.sink.published) != 1 {
		t.Fatalf("JITR = %+v %v", fc, err)
	}
	// Presented again while PENDING_ACTIVATION: the event again.
	v.now = v.now.Add(time.Minute)
	fc, err = v.e.ProvisionOnFirstConnect(v.now, cert, "x")
	if err != nil || fc.AutoRegistered || len(v.sink.published) != 2 {
		t.Errorf("again = %+v %v, %d events", fc, err, len(v.sink.published))
	}
}

func TestJITPFailures(t *testing.T) {
	v := newEnv(t)
	// Inline template needing a Country the certificate lacks.
	ca := v.registerCustomerCA(&identity.RegistrationConfig{TemplateBody: jitpTemplate, RoleArn: roleArn}, true)
	fc, err := v.e.ProvisionOnFirstConnect(v.now, v.deviceCert(ca, pkix.Name{CommonName: "nocountry"}), "c")
	checkErr(t, "missing subject field", err, "ResourceRegistrationFailureException", "Country")
	if fc.Status != identity.StatusPendingActivation || !fc.AutoRegistered {
		t.Errorf("after a failed JITP: %+v", fc)
	}
	if n := len(v.sink.eventsOf(EventProvisioningFailed)); n != 1 {
		t.Errorf("failure events = %d", n)
	}

	// No auto-registration, and a CA nobody registered.
	noAuto := v.registerCustomerCA(nil, false)
	_, err = v.e.ProvisionOnFirstConnect(v.now, v.deviceCert(noAuto, pkix.Name{CommonName: "a"}), "a")
	checkErr(t, "auto-registration off", err, "UnauthorizedException", "auto-registration")
	stranger, _ := pki.NewCA(t0.Add(-time.Hour), crand.Reader, pki.CAOptions{CommonName: "Stranger"})
	_, err = v.e.ProvisionOnFirstConnect(v.now, v.deviceCert(stranger, pkix.Name{CommonName: "s"}), "s")
	checkErr(t, "unregistered CA", err, "UnauthorizedException", "no registered CA")
	// A CA cannot name a template that is not JITP: TestCATemplateReferences.
}

// TestCATemplateReferences: a CA certificate names an existing JITP
// template, and a template a CA uses cannot be deleted.
func TestCATemplateReferences(t *testing.T) {
	v := newEnv(t)
	for _, tc := range []struct{ name, kind string }{{"jitp", TypeJITP}, {"fleet", TypeFleetProvisioning}} {
		if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: tc.name, TemplateBody: jitpTemplate,
			ProvisioningRoleArn: roleArn, Type: tc.kind}); err != nil {
			t.Fatal(err)
		}
	}
	ca := v.registerCustomerCA(&identity.RegistrationConfig{TemplateName: "jitp"}, true)
	caID := pki.CertificateID(ca.Cert.Raw)
	for _, tc := range []struct{ template, code, msg string }{
		{"missing", awserr.ResourceNotFound, "missing"},
		{"fleet", awserr.InvalidRequest, "needs a JITP template"},
		{"jitp", "", ""},
	} {
		err := v.id.UpdateCACertificate(identity.UpdateCACertificateRequest{CertificateId: caID,
			RegistrationConfig: &identity.RegistrationConfig{TemplateName: tc.template}}, v.now)
		checkErr(t, "registrationConfig "+tc.template, err, tc.code, tc.msg)
	}
	err := v.e.DeleteProvisioningTemplate(v.now, DeleteProvisioningTemplateRequest{TemplateName: "jitp"})
	checkErr(t, "delete a template in use", err, awserr.DeleteConflict, caID)
	if err := v.e.DeleteProvisioningTemplate(v.now, DeleteProvisioningTemplateRequest{TemplateName: "fleet"}); err != nil {
		t.Errorf("delete an unused template: %v", err)
	}
}
