package engine

import (
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Just-in-time provisioning, as a device meets it (spec §4.3): its
// certificate, signed by the fleet's own CA, is presented on first
// connect; fleetd registers it (JITR) and runs the CA's JITP template with
// the certificate's subject fields; AWS refuses that first connection, and
// the device connects again. For each JITP template a cohort uses the
// simulator makes a CA and registers it (verification certificate,
// auto-registration on, registrationConfig naming the template); each
// device's subject comes from its cohort's parameters (CommonName,
// Country, Organization, OrganizationalUnit, StateName, SerialNumber,
// DistinguishedNameQualifier). As with claim, the template must name the
// thing after a field that is ${device.id}.

// setupJITP registers a CA for each JITP template a cohort provisions by.
func (s *Sim) setupJITP(now time.Time) error {
	cas := map[string]*pki.CA{}
	for _, c := range s.sc.Cohorts {
		if c.Count == 0 || c.Provisioning.Method != scenario.JITP || cas[c.Provisioning.Template] != nil {
			continue
		}
		tmpl := c.Provisioning.Template
		ca, err := pki.NewCA(now.Add(-time.Hour), rand.Reader, pki.CAOptions{CommonName: "FleetLab device CA for " + tmpl})
		if err != nil {
			return err
		}
		code, err := core.DoIdentity(s.core, now, (*identity.Store).GetRegistrationCode, identity.GetRegistrationCodeRequest{})
		if err != nil {
			return fmt.Errorf("JITP template %s: %w", tmpl, err)
		}
		verification, err := pki.IssueDeviceCert(ca, now, rand.Reader, pkix.Name{CommonName: code.RegistrationCode})
		if err != nil {
			return err
		}
		_, err = core.DoIdentity(s.core, now, (*identity.Store).RegisterCACertificate, identity.RegisterCACertificateRequest{
			CaCertificate: string(ca.CertPEM()), VerificationCertificate: string(verification.PEM), SetAsActive: true,
			AllowAutoRegistration: true, RegistrationConfig: &identity.RegistrationConfig{TemplateName: tmpl}})
		if err != nil {
			return fmt.Errorf("registering the CA of JITP template %s: %w", tmpl, err)
		}
		cas[tmpl] = ca
	}
	if len(cas) > 0 {
		s.provisioners[scenario.JITP] = jitpProvisioner{cas: cas}
	}
	return nil
}

// jitpProvisioner provisions a device by its first connection.
type jitpProvisioner struct{ cas map[string]*pki.CA }

var oidDNQualifier = asn1.ObjectIdentifier{2, 5, 4, 46}

// subject builds a certificate subject from a cohort's parameters.
func subject(params map[string]any) pkix.Name {
	var n pkix.Name
	for k, v := range params {
		s := fmt.Sprint(v)
		switch k {
		case "CommonName":
			n.CommonName = s
		case "Country":
			n.Country = []string{s}
		case "Organization":
			n.Organization = []string{s}
		case "OrganizationalUnit":
			n.OrganizationalUnit = []string{s}
		case "StateName":
			n.Province = []string{s}
		case "SerialNumber":
			n.SerialNumber = s
		case "DistinguishedNameQualifier":
			n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidDNQualifier, Value: s})
		}
	}
	return n
}

func (p jitpProvisioner) Provision(c *core.Core, now time.Time, d DeviceSpec) error {
	ca := p.cas[d.Cohort.Provisioning.Template]
	issued, err := pki.IssueDeviceCert(ca, now, rand.Reader, subject(d.Parameters))
	if err != nil {
		return fmt.Errorf("device %s: its certificate: %w", d.Name, err)
	}
	fc, err := c.ProvisionOnFirstConnect(now, issued.Cert, d.Name)
	if err != nil {
		return fmt.Errorf("device %s: first connect: %w", d.Name, err)
	}
	if fc.ThingName != d.Name {
		return misnamedThing(d, fc.ThingName)
	}
	return enrol(c, now, d)
}
