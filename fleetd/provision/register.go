package provision

import (
	"crypto/x509"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// CodeResourceConflicts is the error of an OverrideSettings FAIL on an
// existing thing (the code the AWS documentation gives).
const CodeResourceConflicts = "ResourceConflictsException"

// provisioned is what applying a template did.
type provisioned struct {
	ThingName      string
	ThingArn       string
	CertificateID  string
	CertificateArn string
	// Policies are the attached policies: logical name and ARN, in
	// template order.
	Policies [][2]string
}

// resourceArns is RegisterThing's resourceArns: "thing", "certificate",
// and "policy" for a single policy or each policy's logical name when
// there are several (AWS documents the map, not its keys).
func (p provisioned) resourceArns() map[string]string {
	out := map[string]string{}
	if p.ThingArn != "" {
		out["thing"] = p.ThingArn
	}
	if p.CertificateArn != "" {
		out["certificate"] = p.CertificateArn
	}
	for _, pol := range p.Policies {
		if len(p.Policies) == 1 {
			out["policy"] = pol[1]
		} else {
			out[pol[0]] = pol[1]
		}
	}
	return out
}

// baseParameters returns params with the account pseudo-parameters and,
// when cert is set, the certificate's id and subject fields.
func (e *Engine) baseParameters(params map[string]string, certID string, cert *x509.Certificate) map[string]string {
	out := make(map[string]string, len(params)+10)
	maps.Copy(out, params)
	out["AWS::Region"] = e.opts.Region
	out["AWS::AccountId"] = e.opts.Account
	if certID != "" {
		out[template.CertificateID] = certID
	}
	if cert != nil {
		for _, f := range subjectFields {
			if v := subjectValue(cert, f); v != "" {
				out["AWS::IoT::Certificate::"+f] = v
			}
		}
	}
	return out
}

// subjectFields are the certificate subject pseudo-parameters of spec
// §4.3, by pki's attribute names.
var subjectFields = []string{"Country", "Organization", "OrganizationalUnit", "DistinguishedNameQualifier",
	"StateName", "CommonName", "SerialNumber"}

func subjectValue(cert *x509.Certificate, field string) string {
	n := cert.Subject
	first := func(v []string) string {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch field {
	case "Country":
		return first(n.Country)
	case "Organization":
		return first(n.Organization)
	case "OrganizationalUnit":
		return first(n.OrganizationalUnit)
	case "StateName":
		return first(n.Province)
	case "CommonName":
		return n.CommonName
	case "SerialNumber":
		return n.SerialNumber
	}
	// DistinguishedNameQualifier has no pkix.Name field.
	return first(pki.SubjectAttributes(cert)[field])
}

// checkThingReferences checks that what a template's thing refers to
// exists: its thing type (not deprecated, for a new thing), its static
// thing groups and its billing group.
func (e *Engine) checkThingReferences(th *template.Thing, isNew bool) error {
	if th.ThingTypeName != "" && (isNew || th.Overrides.ThingTypeName == template.Replace) {
		d, err := e.reg.DescribeThingType(registry.DescribeThingTypeRequest{ThingTypeName: th.ThingTypeName})
		if err != nil {
			return err
		}
		if isNew && d.ThingTypeMetadata.Deprecated {
			return awserr.New(awserr.InvalidRequest, "Thing type %s is deprecated and cannot be used for new things.", th.ThingTypeName)
		}
	}
	for _, g := range th.ThingGroups {
		if !e.reg.ThingGroupExists(g) {
			return awserr.New(awserr.ResourceNotFound, "Thing group %s cannot be found.", g)
		}
		if _, dynamic := e.reg.DynamicGroup(g); dynamic {
			return awserr.New(awserr.InvalidRequest, "Things cannot be added to dynamic thing group %s.", g)
		}
	}
	if th.BillingGroup != "" {
		if _, err := e.reg.DescribeBillingGroup(registry.DescribeBillingGroupRequest{BillingGroupName: th.BillingGroup}); err != nil {
			return err
		}
	}
	return nil
}

// certificateOf parses a registered certificate for its subject.
func (e *Engine) certificateOf(certID string) (*x509.Certificate, error) {
	cert, err := e.id.ParsedCertificate(certID)
	return cert, certificateErr(certID, err)
}

// certificateExists is certificateOf's error, without parsing.
func (e *Engine) certificateExists(certID string) error {
	return certificateErr(certID, e.id.CertificateExists(certID))
}

// readsCertificateSubject reports whether a template reads one of the
// certificate subject pseudo-parameters.
func readsCertificateSubject(t *template.Template) bool {
	return slices.ContainsFunc(subjectFields, func(f string) bool { return t.References("AWS::IoT::Certificate::" + f) })
}

// certificatePEM returns a registered certificate's PEM.
func (e *Engine) certificatePEM(certID string) (string, error) {
	pem, err := e.id.CertificatePEM(certID)
	return pem, certificateErr(certID, err)
}

// certificateErr passes AWS errors through and wraps the others.
func certificateErr(certID string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("provision: certificate %s: %w", certID, err)
}

// apply creates or updates what an evaluated template describes (spec
// §3.3 steps 5 and 6): the certificate when the template brings one (a
// CSR or a PEM), the thing with its groups and billing group, the
// policies attached to the certificate, the certificate attached to the
// thing, and last the certificate status. bound is the certificate being
// provisioned (claim, JITP), used when the template has no certificate
// resource.
//
// Everything that can be checked without a change is checked first
// (OverrideSettings FAIL, the thing's type, groups and billing group, named
// policies, the certificate), so a rejected provisioning leaves no thing
// behind; a registry or identity failure after the first change (a limit,
// say) leaves what was done.
func (e *Engine) apply(now time.Time, res *template.Result, bound string) (provisioned, error) {
	var out provisioned
	var existing *registry.DescribeThingResponse
	var currentGroups []string
	if th := res.Thing; th != nil {
		d, err := e.reg.DescribeThing(registry.DescribeThingRequest{ThingName: th.ThingName})
		switch {
		case err == nil:
			existing = &d
			if th.ThingGroups != nil && (th.Overrides.ThingGroups == template.Replace || th.Overrides.ThingGroups == template.Fail) {
				if currentGroups, err = e.staticGroups(th.ThingName); err != nil {
					return out, err
				}
			}
			if err := checkThingConflicts(th, &d, currentGroups); err != nil {
				return out, err
			}
		case !awserr.Is(err, awserr.ResourceNotFound):
			return out, err
		}
		if err := e.checkThingReferences(th, existing == nil); err != nil {
			return out, err
		}
	}
	for _, p := range res.Policies {
		if p.PolicyDocument == "" {
			if _, err := e.id.GetPolicy(identity.GetPolicyRequest{PolicyName: p.PolicyName}); err != nil {
				return out, err
			}
		}
	}
	certID, desired, err := e.provisionCertificate(now, res.Certificate, bound)
	if err != nil {
		return out, err
	}
	if certID != "" {
		out.CertificateID, out.CertificateArn = certID, e.id.CertificateArn(certID)
	}
	if th := res.Thing; th != nil {
		if out.ThingArn, err = e.provisionThing(now, th, existing, currentGroups); err != nil {
			return out, err
		}
		out.ThingName = th.ThingName
	}
	for _, p := range res.Policies {
		if p.PolicyDocument != "" {
			_, err := e.id.GetPolicy(identity.GetPolicyRequest{PolicyName: p.PolicyName})
			if awserr.Is(err, awserr.ResourceNotFound) {
				_, err = e.id.CreatePolicy(identity.CreatePolicyRequest{PolicyName: p.PolicyName, PolicyDocument: p.PolicyDocument}, now)
			}
			if err != nil {
				return out, fmt.Errorf("policy %s: %w", p.LogicalName, err)
			}
		}
		if certID != "" {
			if err := e.id.AttachPolicy(identity.AttachPolicyRequest{PolicyName: p.PolicyName, Target: out.CertificateArn}, now); err != nil {
				return out, fmt.Errorf("policy %s: %w", p.LogicalName, err)
			}
		}
		out.Policies = append(out.Policies, [2]string{p.LogicalName, e.id.PolicyArn(p.PolicyName)})
	}
	if certID != "" && out.ThingName != "" {
		if err := e.id.AttachThingPrincipal(identity.AttachThingPrincipalRequest{ThingName: out.ThingName, Principal: out.CertificateArn}, now); err != nil {
			return out, err
		}
	}
	if desired != "" {
		if err := e.id.UpdateCertificate(identity.UpdateCertificateRequest{CertificateId: certID, NewStatus: desired}, now); err != nil {
			return out, err
		}
	}
	return out, nil
}

// provisionCertificate finds or creates the template's certificate and
// returns the status still to set ("" when none).
func (e *Engine) provisionCertificate(now time.Time, c *template.Certificate, bound string) (id, desired string, err error) {
	if c == nil {
		if bound == "" {
			return "", "", nil
		}
		c = &template.Certificate{Source: template.SourceCertificateID, Value: bound, Status: template.StatusActive}
	}
	switch c.Source {
	case template.SourceCSR:
		resp, err := e.id.CreateCertificateFromCsr(identity.CreateCertificateFromCsrRequest{
			CertificateSigningRequest: c.Value, SetAsActive: c.Status == template.StatusActive}, now)
		if err != nil {
			return "", "", fmt.Errorf("certificate %s: %w", c.LogicalName, err)
		}
		return resp.CertificateId, "", nil
	case template.SourcePEM:
		resp, err := e.id.RegisterCertificate(identity.RegisterCertificateRequest{
			CertificatePem: c.Value, CaCertificatePem: c.CACertificatePem, Status: c.Status}, now)
		if ae, ok := awserr.As(err); ok && ae.Code == awserr.ResourceAlreadyExists && ae.ResourceID != "" {
			return ae.ResourceID, e.statusToSet(ae.ResourceID, c), nil
		}
		if err != nil {
			return "", "", fmt.Errorf("certificate %s: %w", c.LogicalName, err)
		}
		return resp.CertificateId, "", nil
	}
	id = strings.ToLower(c.Value)
	if e.id.CertificateStatus(id) == "" {
		return "", "", awserr.New(awserr.ResourceNotFound, "Certificate %s cannot be found.", c.Value)
	}
	return id, e.statusToSet(id, c), nil
}

// statusToSet applies the certificate's Status and its OverrideSettings:
// a certificate being provisioned (PENDING_ACTIVATION) always takes the
// template's status; an existing one only with Status: REPLACE.
func (e *Engine) statusToSet(id string, c *template.Certificate) string {
	current := e.id.CertificateStatus(id)
	switch {
	case current == c.Status:
		return ""
	case current == identity.StatusPendingActivation, c.Overrides.Status == template.Replace:
		return c.Status
	}
	return ""
}

// staticGroups lists a thing's static thing groups, sorted.
func (e *Engine) staticGroups(thing string) ([]string, error) {
	var out []string
	token := ""
	for {
		resp, err := e.reg.ListThingGroupsForThing(registry.ListThingGroupsForThingRequest{ThingName: thing, NextToken: token, MaxResults: 250})
		if err != nil {
			return nil, err
		}
		for _, g := range resp.ThingGroups {
			if _, dynamic := e.reg.DynamicGroup(g.GroupName); !dynamic {
				out = append(out, g.GroupName)
			}
		}
		if resp.NextToken == "" {
			break
		}
		token = resp.NextToken
	}
	slices.Sort(out)
	return out, nil
}

func conflict(thing, property string) error {
	return awserr.WithStatus(CodeResourceConflicts, 409,
		"Thing %s exists with a different %s and the template's OverrideSettings for it is FAIL.", thing, property)
}

// checkThingConflicts applies OverrideSettings FAIL: an existing thing
// whose property the template would change. The same values are no
// conflict, so provisioning the same device twice succeeds.
func checkThingConflicts(th *template.Thing, d *registry.DescribeThingResponse, groups []string) error {
	o := th.Overrides
	if o.AttributePayload == template.Fail && th.Attributes != nil && !maps.Equal(th.Attributes, d.Attributes) {
		return conflict(th.ThingName, "AttributePayload")
	}
	if o.ThingTypeName == template.Fail && th.ThingTypeName != d.ThingTypeName {
		return conflict(th.ThingName, "ThingTypeName")
	}
	if o.ThingGroups == template.Fail && th.ThingGroups != nil {
		want := slices.Compact(slices.Sorted(slices.Values(th.ThingGroups)))
		if !slices.Equal(want, groups) {
			return conflict(th.ThingName, "ThingGroups")
		}
	}
	return nil
}

// provisionThing creates the thing, or updates an existing one as its
// OverrideSettings say (absent: DO_NOTHING, AWS's default), and returns
// its ARN. The billing group is set whenever the template names one: it
// has no OverrideSettings, and a thing is in one billing group only.
func (e *Engine) provisionThing(now time.Time, th *template.Thing, existing *registry.DescribeThingResponse, currentGroups []string) (string, error) {
	if existing == nil {
		req := registry.CreateThingRequest{ThingName: th.ThingName, ThingTypeName: th.ThingTypeName, BillingGroupName: th.BillingGroup}
		if th.Attributes != nil {
			req.AttributePayload = &registry.AttributePayload{Attributes: th.Attributes}
		}
		resp, err := e.reg.CreateThing(req, now)
		if err != nil {
			return "", fmt.Errorf("thing %s: %w", th.ThingName, err)
		}
		if len(th.ThingGroups) > 0 {
			if err := e.reg.UpdateThingGroupsForThing(registry.UpdateThingGroupsForThingRequest{
				ThingName: th.ThingName, ThingGroupsToAdd: th.ThingGroups}, now); err != nil {
				return "", fmt.Errorf("thing %s: groups: %w", th.ThingName, err)
			}
		}
		return resp.ThingArn, nil
	}
	upd := registry.UpdateThingRequest{ThingName: th.ThingName}
	changed := false
	if th.Attributes != nil {
		switch th.Overrides.AttributePayload {
		case template.Replace:
			upd.AttributePayload, changed = &registry.AttributePayload{Attributes: attributesReplacing(th.Attributes)}, true
		case template.Merge:
			upd.AttributePayload, changed = &registry.AttributePayload{Attributes: th.Attributes, Merge: true}, true
		}
	}
	if th.Overrides.ThingTypeName == template.Replace && th.ThingTypeName != existing.ThingTypeName {
		upd.ThingTypeName, upd.RemoveThingType, changed = th.ThingTypeName, th.ThingTypeName == "", true
	}
	if changed {
		if err := e.reg.UpdateThing(upd, now); err != nil {
			return "", fmt.Errorf("thing %s: %w", th.ThingName, err)
		}
	}
	if th.ThingGroups != nil {
		var groups registry.UpdateThingGroupsForThingRequest
		switch th.Overrides.ThingGroups {
		case template.Merge:
			groups.ThingGroupsToAdd = th.ThingGroups
		case template.Replace:
			groups.ThingGroupsToAdd = th.ThingGroups
			for _, g := range currentGroups {
				if !slices.Contains(th.ThingGroups, g) {
					groups.ThingGroupsToRemove = append(groups.ThingGroupsToRemove, g)
				}
			}
		}
		if len(groups.ThingGroupsToAdd)+len(groups.ThingGroupsToRemove) > 0 {
			groups.ThingName = th.ThingName
			if err := e.reg.UpdateThingGroupsForThing(groups, now); err != nil {
				return "", fmt.Errorf("thing %s: groups: %w", th.ThingName, err)
			}
		}
	}
	if th.BillingGroup != "" && th.BillingGroup != existing.BillingGroupName {
		if err := e.reg.AddThingToBillingGroup(registry.AddThingToBillingGroupRequest{
			BillingGroupName: th.BillingGroup, ThingName: th.ThingName}, now); err != nil {
			return "", fmt.Errorf("thing %s: billing group: %w", th.ThingName, err)
		}
	}
	return existing.ThingArn, nil
}

// attributesReplacing is the attribute map that, without merge, leaves
// exactly want: UpdateThing without merge replaces the attributes.
func attributesReplacing(want map[string]string) map[string]string {
	out := maps.Clone(want)
	if out == nil {
		out = map[string]string{}
	}
	return out
}

// RegisterThingRequest is the input of the control-plane RegisterThing
// (POST /things).
type RegisterThingRequest struct {
	TemplateBody string            `json:"templateBody"`
	Parameters   map[string]string `json:"parameters,omitempty"`
}

// RegisterThingResponse is its output.
type RegisterThingResponse struct {
	CertificatePem string            `json:"certificatePem,omitempty"`
	ResourceArns   map[string]string `json:"resourceArns"`
}

// RegisterThing provisions one thing from an inline template, as a bulk
// line does: the certificate comes from the template (CSR, PEM or an
// existing CertificateId). A template that does not parse is
// InvalidRequestException; an OverrideSettings FAIL conflict is
// ConflictingResourceUpdateException; any other failure is
// ResourceRegistrationFailureException naming the cause (the model's
// errors for this operation).
func (e *Engine) RegisterThing(now time.Time, req RegisterThingRequest) (RegisterThingResponse, error) {
	var c checker
	if req.TemplateBody == "" {
		c.Null("templateBody")
	}
	c.str("templateBody", req.TemplateBody, 0, template.MaxBodyChars, nil, "")
	if err := c.Err(); err != nil {
		return RegisterThingResponse{}, err
	}
	t, err := template.Parse([]byte(req.TemplateBody))
	if err != nil {
		return RegisterThingResponse{}, err
	}
	p, err := e.registerInline(now, t, req.Parameters)
	if err != nil {
		e.sink.Event(Event{Time: now, Kind: EventProvisioningFailed, Detail: "RegisterThing: " + err.Error()})
		return RegisterThingResponse{}, asRegistrationFailure(err)
	}
	e.sink.Event(Event{Time: now, Kind: EventThingProvisioned, ThingName: p.ThingName, CertificateID: p.CertificateID, Detail: "RegisterThing"})
	out := RegisterThingResponse{ResourceArns: p.resourceArns()}
	if p.CertificateID != "" {
		if pem, err := e.certificatePEM(p.CertificateID); err == nil {
			out.CertificatePem = pem
		}
	}
	return out, nil
}

// registerInline evaluates an inline template (RegisterThing, bulk) and
// applies it.
func (e *Engine) registerInline(now time.Time, t *template.Template, params map[string]string) (provisioned, error) {
	res, err := t.Evaluate(e.baseParameters(params, "", nil))
	if err != nil {
		return provisioned{}, err
	}
	return e.apply(now, res, "")
}

// asRegistrationFailure maps an apply failure to RegisterThing's modelled
// errors.
func asRegistrationFailure(err error) error {
	ae, ok := awserr.As(err)
	switch {
	case !ok:
		return err
	case ae.Code == CodeResourceConflicts:
		return awserr.New(awserr.ConflictingUpdate, "%s", ae.Message)
	case ae.Code == awserr.RegistrationFailure || ae.Code == awserr.InvalidRequest:
		return err
	}
	return awserr.New(awserr.RegistrationFailure, "%s", err.Error())
}
