package identity

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

func TestGetRegistrationCodeStable(t *testing.T) {
	e := newEnv(t)
	a, err := e.s.GetRegistrationCode(GetRegistrationCodeRequest{}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.s.GetRegistrationCode(GetRegistrationCodeRequest{}, e.now.Add(time.Hour))
	if a.RegistrationCode != b.RegistrationCode || len(a.RegistrationCode) != 64 {
		t.Errorf("registration codes %q, %q; want one stable 64-hex code", a.RegistrationCode, b.RegistrationCode)
	}
}

func TestRegisterCACertificate(t *testing.T) {
	e := newEnv(t)
	code, _ := e.s.GetRegistrationCode(GetRegistrationCodeRequest{}, e.now)
	ca := customerCA(t, "Customer CA")
	caPEM := string(ca.CertPEM())
	verification := signedBy(t, ca, code.RegistrationCode)
	existing := customerCA(t, "Existing")
	e.registerCA(existing, true)
	leaf := signedBy(t, e.ca, "leaf")
	for _, tc := range []struct {
		name string
		req  RegisterCACertificateRequest
		code string
		msg  string
	}{
		{"missing", RegisterCACertificateRequest{}, awserr.InvalidRequest, "Value null at 'caCertificate'"},
		{"bad mode", RegisterCACertificateRequest{CaCertificate: caPEM, CertificateMode: "X"}, awserr.InvalidRequest, "enum value set"},
		{"DEFAULT without verification", RegisterCACertificateRequest{CaCertificate: caPEM}, awserr.InvalidRequest,
			"verificationCertificate is required in certificateMode DEFAULT"},
		{"SNI_ONLY with verification", RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: verification,
			CertificateMode: ModeSNIOnly}, awserr.InvalidRequest, "must be empty in certificateMode SNI_ONLY"},
		{"wrong code", RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: signedBy(t, ca, "nope")},
			pki.RegistrationCodeValidation, `common name "nope" is not the registration code`},
		{"verification by another key", RegisterCACertificateRequest{CaCertificate: caPEM,
			VerificationCertificate: signedBy(t, existing, code.RegistrationCode)}, awserr.CertificateValidation, "not signed by the CA certificate's key"},
		{"not a CA", RegisterCACertificateRequest{CaCertificate: leaf, VerificationCertificate: verification},
			awserr.CertificateValidation, "CA:TRUE"},
		{"fleetd CA", RegisterCACertificateRequest{CaCertificate: string(e.ca.CertPEM()), VerificationCertificate: verification},
			awserr.InvalidRequest, "fleetd's own CA"},
		{"duplicate", RegisterCACertificateRequest{CaCertificate: string(existing.CertPEM()), CertificateMode: ModeSNIOnly},
			awserr.ResourceAlreadyExists, "already registered"},
		{"template body without role", RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: verification,
			RegistrationConfig: &RegistrationConfig{TemplateBody: "{}"}}, awserr.InvalidRequest, "needs registrationConfig.roleArn"},
		{"template both ways", RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: verification,
			RegistrationConfig: &RegistrationConfig{TemplateName: "t", TemplateBody: "{}", RoleArn: "arn:aws:iam::123456789012:role/r"}},
			awserr.InvalidRequest, "either templateName or templateBody"},
		{"bad template name", RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: verification,
			RegistrationConfig: &RegistrationConfig{TemplateName: "a b"}}, awserr.InvalidRequest, "^[0-9A-Za-z_-]+$"},
	} {
		_, err := e.s.RegisterCACertificate(tc.req, e.now)
		checkErr(t, "RegisterCACertificate "+tc.name, err, tc.code, tc.msg)
	}
	resp, err := e.s.RegisterCACertificate(RegisterCACertificateRequest{CaCertificate: caPEM, VerificationCertificate: verification,
		SetAsActive: true, AllowAutoRegistration: true, RegistrationConfig: &RegistrationConfig{TemplateName: "jitp"}}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: resp.CertificateId})
	if err != nil {
		t.Fatal(err)
	}
	got := d.CertificateDescription
	if got.Status != StatusActive || got.AutoRegistrationStatus != AutoRegistrationEnable || got.CertificateMode != ModeDefault ||
		got.CertificateArn != "arn:aws:iot:us-east-1:123456789012:cacert/"+resp.CertificateId || d.RegistrationConfig == nil ||
		d.RegistrationConfig.TemplateName != "jitp" {
		t.Errorf("DescribeCACertificate = %+v, %+v", got, d.RegistrationConfig)
	}
	id, auto, cfg, ok := e.s.CAForCertificate(mustParse(t, signedBy(t, ca, "dev")))
	if !ok || id != resp.CertificateId || !auto || cfg.TemplateName != "jitp" {
		t.Errorf("CAForCertificate = %s %t %+v %t", id, auto, cfg, ok)
	}
}

func mustParse(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	c, err := pki.ParseCertificatePEM([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRegisterCACertificateSubjectLimit(t *testing.T) {
	e := newEnv(t)
	ca := customerCA(t, "Popular")
	e.registerCA(ca, false)
	for range MaxCAsPerSubject - 1 {
		e.registerCA(reissue(t, ca), false)
	}
	_, err := e.s.RegisterCACertificate(RegisterCACertificateRequest{CaCertificate: string(reissue(t, ca).CertPEM()),
		CertificateMode: ModeSNIOnly}, e.now)
	checkErr(t, "11th CA with one subject", err, awserr.LimitExceeded, "the limit is 10")
}

func TestUpdateAndDeleteCACertificate(t *testing.T) {
	e := newEnv(t)
	id := e.registerCA(customerCA(t, "CA"), true)
	later := e.now.Add(time.Minute)
	for _, tc := range []struct {
		name string
		req  UpdateCACertificateRequest
		code string
		msg  string
	}{
		{"bad status", UpdateCACertificateRequest{CertificateId: id, NewStatus: StatusRevoked}, awserr.InvalidRequest, "[ACTIVE, INACTIVE]"},
		{"bad auto", UpdateCACertificateRequest{CertificateId: id, NewAutoRegistrationStatus: "ON"}, awserr.InvalidRequest, "[ENABLE, DISABLE]"},
		{"missing", UpdateCACertificateRequest{CertificateId: strings.Repeat("c", 64)}, awserr.ResourceNotFound, "CA certificate"},
		{"remove and set", UpdateCACertificateRequest{CertificateId: id, RemoveAutoRegistration: true,
			RegistrationConfig: &RegistrationConfig{TemplateName: "t"}}, awserr.InvalidRequest, "cannot be given together"},
		{"config", UpdateCACertificateRequest{CertificateId: id, NewAutoRegistrationStatus: AutoRegistrationEnable,
			RegistrationConfig: &RegistrationConfig{TemplateName: "t"}}, "", ""},
	} {
		err := e.s.UpdateCACertificate(tc.req, later)
		checkErr(t, "UpdateCACertificate "+tc.name, err, tc.code, tc.msg)
	}
	d, _ := e.s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: id})
	if d.CertificateDescription.CustomerVersion != 2 || !d.CertificateDescription.LastModifiedDate.Equal(later) ||
		d.CertificateDescription.AutoRegistrationStatus != AutoRegistrationEnable || d.RegistrationConfig.TemplateName != "t" {
		t.Errorf("after update: %+v %+v", d.CertificateDescription, d.RegistrationConfig)
	}
	list, _ := e.s.ListCACertificates(ListCACertificatesRequest{TemplateName: "t"})
	none, _ := e.s.ListCACertificates(ListCACertificatesRequest{TemplateName: "other"})
	if len(list.Certificates) != 1 || len(none.Certificates) != 0 {
		t.Errorf("templateName filter: %d and %d; want 1 and 0", len(list.Certificates), len(none.Certificates))
	}
	if err := e.s.UpdateCACertificate(UpdateCACertificateRequest{CertificateId: id, RemoveAutoRegistration: true}, later); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: id}); d.RegistrationConfig != nil {
		t.Errorf("registrationConfig after removeAutoRegistration = %+v; want none", d.RegistrationConfig)
	}
	err := e.s.DeleteCACertificate(DeleteCACertificateRequest{CertificateId: id}, later)
	checkErr(t, "DeleteCACertificate active", err, awserr.CertificateState, "is ACTIVE")
	if err := e.s.UpdateCACertificate(UpdateCACertificateRequest{CertificateId: id, NewStatus: StatusInactive}, later); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteCACertificate(DeleteCACertificateRequest{CertificateId: id}, later); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: id})
	checkErr(t, "DescribeCACertificate deleted", err, awserr.ResourceNotFound, "CA certificate "+id+" cannot be found.")
	all, _ := e.s.ListCACertificates(ListCACertificatesRequest{})
	if len(all.Certificates) != 0 {
		t.Errorf("ListCACertificates = %+v; want none (fleetd's CA is not listed)", all)
	}
}

func TestAutoRegisterCertificate(t *testing.T) {
	e := newEnv(t)
	ca := customerCA(t, "JITR CA")
	caID := e.registerCA(ca, true)
	dev := mustParse(t, signedBy(t, ca, "dev"))
	_, _, err := e.s.AutoRegisterCertificate(dev, e.now)
	checkErr(t, "auto-registration disabled", err, awserr.CertificateState, "auto-registration DISABLE")
	if err := e.s.UpdateCACertificate(UpdateCACertificateRequest{CertificateId: caID, NewAutoRegistrationStatus: AutoRegistrationEnable}, e.now); err != nil {
		t.Fatal(err)
	}
	id, gotCA, err := e.s.AutoRegisterCertificate(dev, e.now)
	if err != nil || gotCA != caID || e.s.CertificateStatus(id) != StatusPendingActivation {
		t.Fatalf("AutoRegisterCertificate = %s, %s, %v; status %s", id, gotCA, err, e.s.CertificateStatus(id))
	}
	_, _, err = e.s.AutoRegisterCertificate(dev, e.now)
	checkErr(t, "again", err, awserr.ResourceAlreadyExists, "")
	_, _, err = e.s.AutoRegisterCertificate(mustParse(t, signedBy(t, customerCA(t, "Other"), "x")), e.now)
	checkErr(t, "unknown CA", err, awserr.CertificateValidation, "not signed by any registered CA")
}
