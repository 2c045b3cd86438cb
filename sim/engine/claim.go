package engine

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/core"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
	"github.com/fleetlab/fleetlab/sim/scenario"
)

// Fleet provisioning by claim, as a device runs it (spec §3.3): with the
// fleet's claim certificate it asks $aws/certificates/create/json for a
// certificate (fleetd generates a real ECDSA key and signs a real
// certificate), then $aws/provisioning-templates/{template}/provision/json
// with the ownership token and its parameters. The requests go through the
// same core entry point the MQTT gateway uses.
//
// The simulator knows a device by its name (cohort-NNNNNN), so the
// template must name the thing after a parameter that is ${device.id}
// (ThingName: {Ref: SerialNumber} with SerialNumber: "${device.id}"). After
// the registration the device's cohort attributes are merged into the
// thing and its cohort groups joined, as the fleet's enrolment backend
// would; the template decides the rest (type, policy, certificate).

// claimPolicyDocument lets the claim certificate do the claim flow only.
const claimPolicyDocument = `{"Version":"2012-10-17","Statement":[` +
	`{"Effect":"Allow","Action":"iot:Connect","Resource":"*"},` +
	`{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":["arn:aws:iot:*:*:topic/$aws/certificates/create/*","arn:aws:iot:*:*:topic/$aws/provisioning-templates/*/provision/*"]},` +
	`{"Effect":"Allow","Action":"iot:Subscribe","Resource":["arn:aws:iot:*:*:topicfilter/$aws/certificates/create/*","arn:aws:iot:*:*:topicfilter/$aws/provisioning-templates/*/provision/*"]}]}`

// newCA is the simulated fleet's certificate authority, valid from an
// hour before the virtual clock starts.
func newCA() (*pki.CA, error) {
	return pki.NewCA(Epoch.Add(-time.Hour), rand.Reader, pki.CAOptions{CommonName: "FleetLab simulation CA"})
}

// setupProvisioning creates the scenario's provisioning templates and,
// when a cohort provisions by claim, the claim certificate.
func (s *Sim) setupProvisioning(now time.Time) error {
	for _, t := range s.sc.Templates {
		tags, long := safeguardTags(t.Safeguards)
		_, err := core.DoProvision(s.core, now, (*provision.Engine).CreateProvisioningTemplate, provision.CreateProvisioningTemplateRequest{
			TemplateName: t.Name, Description: t.Description, TemplateBody: string(t.Body), Enabled: t.Enabled,
			ProvisioningRoleArn: t.ProvisioningRoleArn, Type: t.Type, Tags: tags})
		if err != nil {
			return fmt.Errorf("provisioning template %s (%s): %w", t.Name, t.Pos, err)
		}
		if long {
			if err := s.setLongAllowList(now, t); err != nil {
				return err
			}
		}
	}
	if err := s.setupJITP(now); err != nil {
		return err
	}
	needClaim := false
	for _, c := range s.sc.Cohorts {
		needClaim = needClaim || (c.Count > 0 && c.Provisioning.Method == scenario.Claim)
	}
	if !needClaim {
		return nil
	}
	kc, err := core.DoIdentity(s.core, now, (*identity.Store).CreateKeysAndCertificate, identity.CreateKeysAndCertificateRequest{SetAsActive: true})
	if err != nil {
		return fmt.Errorf("the claim certificate: %w", err)
	}
	if _, err := core.DoIdentity(s.core, now, (*identity.Store).CreatePolicy, identity.CreatePolicyRequest{PolicyName: "FleetLabClaim", PolicyDocument: claimPolicyDocument}); err != nil {
		return fmt.Errorf("the claim policy: %w", err)
	}
	if err := core.DoIdentityErr(s.core, now, (*identity.Store).AttachPolicy, identity.AttachPolicyRequest{PolicyName: "FleetLabClaim", Target: kc.CertificateArn}); err != nil {
		return fmt.Errorf("the claim policy: %w", err)
	}
	s.claimCertID = kc.CertificateId
	s.provisioners[scenario.Claim] = claimProvisioner{claimCertID: kc.CertificateId}
	return nil
}

// claimProvisioner provisions a device by claim.
type claimProvisioner struct{ claimCertID string }

// claimReply is what both claim topics answer, accepted or rejected.
type claimReply struct {
	CertificateID    string            `json:"certificateId"`
	OwnershipToken   string            `json:"certificateOwnershipToken"`
	ThingName        string            `json:"thingName"`
	StatusCode       int               `json:"statusCode"`
	ErrorCode        string            `json:"errorCode"`
	ErrorMessage     string            `json:"errorMessage"`
	DeviceConfigured map[string]string `json:"deviceConfiguration"`
}

func (p claimProvisioner) request(c *core.Core, now time.Time, device, topic string, payload []byte) (claimReply, error) {
	t, body := c.ProvisioningRequest(now, device, p.claimCertID, topic, payload)
	var r claimReply
	if t == "" {
		return r, fmt.Errorf("%s: the template's pre-provisioning hook cannot be called in a simulation", topic)
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("%s answered %s: %w", topic, body, err)
	}
	if strings.HasSuffix(t, "/rejected") {
		msg := fmt.Sprintf("%s rejected: %d %s: %s", topic, r.StatusCode, r.ErrorCode, r.ErrorMessage)
		if r.ErrorCode == provision.CodeAccessDenied || r.ErrorCode == provision.CodeThrottled {
			return r, &refusedError{msg: msg}
		}
		return r, errors.New(msg)
	}
	return r, nil
}

func (p claimProvisioner) Provision(c *core.Core, now time.Time, d DeviceSpec) error {
	created, err := p.request(c, now, d.Name, "$aws/certificates/create/json", nil)
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Name, err)
	}
	params := map[string]string{}
	for k, v := range d.Parameters {
		params[k] = fmt.Sprint(v)
	}
	body, err := json.Marshal(map[string]any{"certificateOwnershipToken": created.OwnershipToken, "parameters": params})
	if err != nil {
		return err
	}
	topic := "$aws/provisioning-templates/" + d.Cohort.Provisioning.Template + "/provision/json"
	reg, err := p.request(c, now, d.Name, topic, body)
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Name, err)
	}
	if reg.ThingName != d.Name {
		return misnamedThing(d, reg.ThingName)
	}
	return enrol(c, now, d)
}

// misnamedThing is the error for a template that does not name the thing
// after the device.
func misnamedThing(d DeviceSpec, thingName string) error {
	return fmt.Errorf("device %s: template %s named the thing %q; the simulator needs the device's name: make ThingName a parameter set to \"${device.id}\"",
		d.Name, d.Cohort.Provisioning.Template, thingName)
}

// enrol merges the device's cohort attributes into its new thing and joins
// its cohort groups, as a fleet's enrolment backend would after a claim or
// bulk registration.
func enrol(c *core.Core, now time.Time, d DeviceSpec) error {
	if len(d.Attributes) > 0 {
		err := core.DoErr(c, now, (*registry.Registry).UpdateThing, registry.UpdateThingRequest{ThingName: d.Name,
			AttributePayload: &registry.AttributePayload{Attributes: d.Attributes, Merge: true}})
		if err != nil {
			return fmt.Errorf("device %s: its cohort attributes: %w", d.Name, err)
		}
	}
	for _, g := range d.Cohort.Groups {
		err := core.DoErr(c, now, (*registry.Registry).AddThingToThingGroup, registry.AddThingToThingGroupRequest{ThingGroupName: g, ThingName: d.Name})
		if err != nil {
			return fmt.Errorf("device %s: group %s: %w", d.Name, g, err)
		}
	}
	return nil
}
