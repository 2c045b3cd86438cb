package identity

import (
	"maps"
	"slices"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// AuthInfo is one question of TestAuthorization: an action on resources
// (full ARNs).
type AuthInfo struct {
	ActionType string   `json:"actionType,omitempty"`
	Resources  []string `json:"resources"`
}

// PolicyRef names a policy in TestAuthorization and GetEffectivePolicies.
type PolicyRef struct {
	PolicyName string `json:"policyName"`
	PolicyArn  string `json:"policyArn"`
}

// TestAuthorizationRequest is the input of TestAuthorization
// (POST /test-authorization?clientId=).
type TestAuthorizationRequest struct {
	ClientID              string     `json:"-" query:"clientId"`
	Principal             string     `json:"principal,omitempty"`
	CognitoIdentityPoolID string     `json:"cognitoIdentityPoolId,omitempty"`
	AuthInfos             []AuthInfo `json:"authInfos"`
	PolicyNamesToAdd      []string   `json:"policyNamesToAdd,omitempty"`
	PolicyNamesToSkip     []string   `json:"policyNamesToSkip,omitempty"`
}

// AuthResult is one answer of TestAuthorization.
type AuthResult struct {
	AuthInfo AuthInfo `json:"authInfo"`
	Allowed  struct {
		Policies []PolicyRef `json:"policies"`
	} `json:"allowed"`
	Denied struct {
		ImplicitDeny struct {
			Policies []PolicyRef `json:"policies"`
		} `json:"implicitDeny"`
		ExplicitDeny struct {
			Policies []PolicyRef `json:"policies"`
		} `json:"explicitDeny"`
	} `json:"denied"`
	AuthDecision         string   `json:"authDecision"`
	MissingContextValues []string `json:"missingContextValues"`
}

// TestAuthorizationResponse is its output.
type TestAuthorizationResponse struct {
	AuthResults []AuthResult `json:"authResults"`
}

// actionOf maps a TestAuthorization action type to its policy action.
func actionOf(actionType string) (string, bool) {
	switch actionType {
	case "PUBLISH":
		return policy.ActionPublish, true
	case "SUBSCRIBE":
		return policy.ActionSubscribe, true
	case "RECEIVE":
		return policy.ActionReceive, true
	case "CONNECT":
		return policy.ActionConnect, true
	}
	return "", false
}

// TestAuthorization answers whether a certificate, connected as clientId,
// may perform actions on resources, with the policies it has (its own and,
// when clientId names its attached thing, the thing's groups'), plus
// policyNamesToAdd and minus policyNamesToSkip. The same evaluator as the
// MQTT broker decides; a request is ALLOWED when every resource is.
func (s *Store) TestAuthorization(req TestAuthorizationRequest) (TestAuthorizationResponse, error) {
	if n := len(req.AuthInfos); n < 1 || n > 10 {
		return TestAuthorizationResponse{}, invalid("authInfos must hold 1 to 10 entries, got %d.", n)
	}
	actions := make([]string, len(req.AuthInfos))
	for i, ai := range req.AuthInfos {
		a, ok := actionOf(ai.ActionType)
		if !ok {
			return TestAuthorizationResponse{}, invalid("authInfos[%d].actionType must be PUBLISH, SUBSCRIBE, RECEIVE or CONNECT, got %q.", i, ai.ActionType)
		}
		if len(ai.Resources) == 0 {
			return TestAuthorizationResponse{}, invalid("authInfos[%d].resources must hold at least one resource ARN.", i)
		}
		actions[i] = a
	}
	names, ctx, err := s.principalPolicies(req.Principal, req.ClientID)
	if err != nil {
		return TestAuthorizationResponse{}, err
	}
	for _, n := range req.PolicyNamesToAdd {
		if _, err := s.policy(n); err != nil {
			return TestAuthorizationResponse{}, err
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(req.PolicyNamesToSkip, n) })

	out := TestAuthorizationResponse{AuthResults: make([]AuthResult, len(req.AuthInfos))}
	for i, ai := range req.AuthInfos {
		r := &out.AuthResults[i]
		r.AuthInfo = ai
		r.MissingContextValues = []string{}
		allowedBy, deniedBy := map[string]bool{}, map[string]bool{}
		allResourcesAllowed := true
		for _, res := range ai.Resources {
			anyAllow := false
			for _, n := range names {
				d := policy.Compile(s.policies[n].defaultVersion().parsed).Evaluate(&policy.Request{Action: actions[i], Resource: res, Context: ctx})
				switch {
				case d.Effect == policy.Deny:
					deniedBy[n] = true
				case d.Allowed:
					allowedBy[n], anyAllow = true, true
				}
			}
			allResourcesAllowed = allResourcesAllowed && anyAllow
		}
		r.Allowed.Policies = s.policyRefs(allowedBy)
		r.Denied.ExplicitDeny.Policies = s.policyRefs(deniedBy)
		r.Denied.ImplicitDeny.Policies = []PolicyRef{}
		switch {
		case len(deniedBy) > 0:
			r.AuthDecision = "EXPLICIT_DENY"
			r.Allowed.Policies = []PolicyRef{}
		case allResourcesAllowed:
			r.AuthDecision = "ALLOWED"
		default:
			r.AuthDecision = "IMPLICIT_DENY"
			r.Denied.ImplicitDeny.Policies = s.policyRefs(setOf(names))
			r.Allowed.Policies = []PolicyRef{}
		}
	}
	return out, nil
}

// GetEffectivePoliciesRequest is the input of GetEffectivePolicies
// (POST /effective-policies?thingName=).
type GetEffectivePoliciesRequest struct {
	ThingName             string `json:"-" query:"thingName"`
	Principal             string `json:"principal,omitempty"`
	CognitoIdentityPoolID string `json:"cognitoIdentityPoolId,omitempty"`
}

// EffectivePolicy is one policy of GetEffectivePolicies.
type EffectivePolicy struct {
	PolicyName     string `json:"policyName"`
	PolicyArn      string `json:"policyArn"`
	PolicyDocument string `json:"policyDocument"`
}

// GetEffectivePoliciesResponse is its output.
type GetEffectivePoliciesResponse struct {
	EffectivePolicies []EffectivePolicy `json:"effectivePolicies"`
}

// GetEffectivePolicies returns the policies that apply to a certificate
// connected as thingName: its own and, when the thing is attached to it,
// those of the thing's static groups.
func (s *Store) GetEffectivePolicies(req GetEffectivePoliciesRequest) (GetEffectivePoliciesResponse, error) {
	names, _, err := s.principalPolicies(req.Principal, req.ThingName)
	if err != nil {
		return GetEffectivePoliciesResponse{}, err
	}
	out := GetEffectivePoliciesResponse{EffectivePolicies: []EffectivePolicy{}}
	for _, n := range names {
		p := s.policies[n]
		out.EffectivePolicies = append(out.EffectivePolicies, EffectivePolicy{PolicyName: n, PolicyArn: s.PolicyArn(n),
			PolicyDocument: p.defaultVersion().document})
	}
	return out, nil
}

// principalPolicies returns the names of the policies that apply to a
// certificate principal (ARN or id) connected as clientID, in evaluation
// order, and the policy context of that connection. Unlike Authorize it
// accepts a certificate in any status: the question is what the policies
// say.
func (s *Store) principalPolicies(principal, clientID string) ([]string, policy.Context, error) {
	if principal == "" {
		return nil, policy.Context{}, invalid("principal is required: FleetLab has no caller identity to default to.")
	}
	if !strings.Contains(principal, ":") {
		principal = s.CertificateArn(normalizeCertificateID(principal))
	}
	t, err := s.resolvePrincipal("principal", principal, true)
	if err != nil {
		return nil, policy.Context{}, err
	}
	names := s.targetPolicies[t.key()].slice()
	ctx := policy.Context{ClientID: clientID}
	if t.kind != targetCertificate {
		return s.existing(names), ctx, nil
	}
	cert := s.certs[t.name]
	if parsed, err := cert.parsed(); err == nil {
		ctx.Certificate = &policy.Certificate{ID: cert.id, Subject: policy.SubjectAttributes(parsed.Subject),
			Issuer: policy.SubjectAttributes(parsed.Issuer)}
	}
	if info, ok := s.opts.Things.Thing(clientID); ok && clientID != "" {
		attached := s.principalThings[t.key()].contains(clientID, strings.Compare)
		ctx.Thing = &policy.Thing{Name: clientID, TypeName: info.TypeName, Attributes: maps.Clone(info.Attributes), IsAttached: attached}
		if attached {
			names = s.withGroupPolicies(names, info.StaticGroups)
		}
	}
	return s.existing(names), ctx, nil
}

// existing keeps the names of policies that exist.
func (s *Store) existing(names []string) []string {
	return slices.DeleteFunc(names, func(n string) bool { return s.policies[n] == nil })
}

func (s *Store) policyRefs(names map[string]bool) []PolicyRef {
	out := []PolicyRef{}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		out = append(out, PolicyRef{PolicyName: n, PolicyArn: s.PolicyArn(n)})
	}
	return out
}

func setOf(names []string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}
