package template

import (
	"fmt"
	"slices"
)

// Kind is a provisioning template's templateType.
type Kind string

// The template types of CreateProvisioningTemplate. Bulk registration
// templates are passed inline and have no kind; they need no CheckKind.
const (
	FleetProvisioning Kind = "FLEET_PROVISIONING"
	JITP              Kind = "JITP"
)

// jitpParameters are the only parameters a JITP template may declare, all
// read from the device certificate (spec §4.3).
var jitpParameters = []string{
	"AWS::IoT::Certificate::Country",
	"AWS::IoT::Certificate::Organization",
	"AWS::IoT::Certificate::OrganizationalUnit",
	"AWS::IoT::Certificate::DistinguishedNameQualifier",
	"AWS::IoT::Certificate::StateName",
	"AWS::IoT::Certificate::CommonName",
	"AWS::IoT::Certificate::SerialNumber",
	CertificateID,
}

// CheckKind reports, as an *InvalidTemplateError, every rule of kind the
// template breaks:
//
//   - FLEET_PROVISIONING and JITP: a certificate resource names the
//     certificate only as CertificateId: {"Ref": "AWS::IoT::Certificate::Id"},
//     the certificate being provisioned.
//   - JITP: parameters are only the certificate fields of jitpParameters,
//     and there are no Mappings or DeviceConfiguration (fleet provisioning
//     only).
func (t *Template) CheckKind(kind Kind) error {
	var probs problems
	switch kind {
	case FleetProvisioning, JITP:
	default:
		probs.add("", "unknown template type %q (allowed: %s, %s)", kind, FleetProvisioning, JITP)
		return probs.err()
	}
	if c := t.certificate; c != nil {
		path := fmt.Sprintf("Resources.%s.Properties", c.logical)
		r, isRef := c.value.(*ref)
		if c.source != SourceCertificateID || !isRef || r.name != CertificateID {
			probs.add(path, `%s templates reference the certificate only as CertificateId: {"Ref": "%s"}`, kind, CertificateID)
		}
	}
	if kind == JITP {
		for _, p := range t.params {
			if !slices.Contains(jitpParameters, p.Name) {
				probs.add("Parameters."+p.Name, "JITP templates may only declare certificate parameters (AWS::IoT::Certificate::CommonName, ::Country, ::Id, ...)")
			}
		}
		if t.hasMappings {
			probs.add("Mappings", "JITP templates have no Mappings (fleet provisioning only)")
		}
		if t.hasConfig {
			probs.add("DeviceConfiguration", "JITP templates have no DeviceConfiguration (fleet provisioning only)")
		}
	}
	return probs.err()
}
