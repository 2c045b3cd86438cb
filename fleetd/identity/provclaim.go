package identity

import (
	"crypto/x509/pkix"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// ProvisioningClaimValidity is how long a CreateProvisioningClaim
// certificate may connect (AWS: five minutes).
const ProvisioningClaimValidity = 5 * time.Minute

// ProvisioningClaim is CreateProvisioningClaim's output.
type ProvisioningClaim struct {
	CertificateId  string             `json:"certificateId"`
	CertificatePem string             `json:"certificatePem"`
	KeyPair        pki.KeyPair        `json:"keyPair"`
	Expiration     registry.Timestamp `json:"expiration"`
}

// IssueProvisioningClaim issues a temporary claim certificate for fleet
// provisioning with one template ("provisioning by trusted user"): ACTIVE,
// valid ProvisioningClaimValidity, and allowed by the policy
// claimPolicyName(template) only to connect and use the fleet provisioning
// topics of that template. The caller checks the template.
func (s *Store) IssueProvisioningClaim(now time.Time, template string) (ProvisioningClaim, error) {
	expires := utc(now).Add(ProvisioningClaimValidity)
	issued, err := pki.IssueDeviceCertUntil(s.opts.CA, now, s.opts.Rand, pkix.Name{CommonName: "AWS IoT Provisioning Claim"}, expires)
	if err != nil {
		return ProvisioningClaim{}, errorf("CreateProvisioningClaim: %w", err)
	}
	keys, err := issued.KeyPair()
	if err != nil {
		return ProvisioningClaim{}, errorf("CreateProvisioningClaim: %w", err)
	}
	name := claimPolicyName(template)
	if s.policies[name] == nil {
		if _, err := s.CreatePolicy(CreatePolicyRequest{PolicyName: name, PolicyDocument: claimPolicy(s.opts.Region, s.opts.Account, template)}, now); err != nil {
			return ProvisioningClaim{}, errorf("CreateProvisioningClaim: policy %s: %w", name, err)
		}
	}
	c := s.addCertificate(issued.Cert, "", StatusActive, ModeDefault, now)
	if err := s.attach(name, c.id); err != nil {
		return ProvisioningClaim{}, errorf("CreateProvisioningClaim: %w", err)
	}
	return ProvisioningClaim{CertificateId: c.id, CertificatePem: string(issued.PEM), KeyPair: keys, Expiration: registry.Timestamp{Time: expires}}, nil
}

// claimPolicyName names the policy of a template's provisioning claims.
func claimPolicyName(template string) string { return "FleetLabProvisioningClaim_" + template }

// claimPolicy allows a provisioning claim to connect and to use the fleet
// provisioning topics of one template, in JSON and CBOR.
func claimPolicy(region, account, template string) string {
	arn := "arn:aws:iot:" + region + ":" + account + ":"
	var topics, filters []string
	for _, t := range []string{"$aws/certificates/create/*", "$aws/certificates/create-from-csr/*", "$aws/provisioning-templates/" + template + "/provision/*"} {
		topics = append(topics, `"`+arn+"topic/"+t+`"`)
		filters = append(filters, `"`+arn+"topicfilter/"+t+`"`)
	}
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":"iot:Connect","Resource":"` + arn + `client/*"},` +
		`{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":[` + strings.Join(topics, ",") + `]},` +
		`{"Effect":"Allow","Action":"iot:Subscribe","Resource":[` + strings.Join(filters, ",") + `]}]}`
}
