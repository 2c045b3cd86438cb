package identity

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

const arnPrefix = "arn:aws:iot:us-east-1:123456789012:"

func stmt(effect, action, resource, condition string) string {
	s := `{"Effect":"` + effect + `","Action":"` + action + `","Resource":"` + resource + `"`
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return s + "}"
}

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// authEnv: thing dev-1 (type sensor, floor 3) in group child under root,
// attached to an ACTIVE certificate with subject CN sensor-cn. Policies:
// connect (on the certificate) lets an attached thing connect under its
// own name; subscribe (certificate) allows a filter named after the
// subject; floorPub (root) publishes under the thing's floor; anyPub
// (child) publishes anywhere; denySecret (certificate) denies secret/*.
func authEnv(t testing.TB) (*env, string) {
	e := newEnv(t)
	e.things.addGroup("root", "")
	e.things.addGroup("child", "root")
	e.things.addThing("dev-1", "sensor", map[string]string{"floor": "3"}, "child")
	e.things.addThing("dev-2", "", nil)
	r, err := e.s.CreateCertificateFromCsr(CreateCertificateFromCsrRequest{CertificateSigningRequest: string(newCSR(t, "sensor-cn")),
		SetAsActive: true}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	e.attachThing("dev-1", r.CertificateArn)
	e.policy("connect", doc(stmt("Allow", "iot:Connect", arnPrefix+"client/${iot:Connection.Thing.ThingName}",
		`{"Bool":{"iot:Connection.Thing.IsAttached":"true"}}`)))
	e.policy("subscribe", doc(stmt("Allow", "iot:Subscribe", arnPrefix+"topicfilter/${iot:Certificate.Subject.CommonName}/*", "")))
	e.policy("floorPub", doc(stmt("Allow", "iot:Publish", arnPrefix+"topic/floor/${iot:Connection.Thing.Attributes[floor]}/*", "")))
	e.policy("anyPub", doc(stmt("Allow", "iot:Publish", arnPrefix+"topic/*", "")))
	e.policy("denySecret", doc(stmt("Deny", "iot:Publish", arnPrefix+"topic/secret/*", "")))
	e.attach("connect", r.CertificateArn)
	e.attach("subscribe", r.CertificateArn)
	e.attach("denySecret", r.CertificateArn)
	e.attach("floorPub", e.s.ThingGroupArn("root"))
	return e, r.CertificateId
}

func allowed(t *testing.T, s *Store, cert, client, action, resource string) policy.Decision {
	t.Helper()
	d, err := s.Allowed(cert, client, action, arnPrefix+resource)
	if err != nil {
		t.Fatalf("Allowed(%s, %s, %s): %v", client, action, resource, err)
	}
	return d
}

func TestAuthorizeDecisions(t *testing.T) {
	e, cert := authEnv(t)
	for _, tc := range []struct {
		client, action, resource string
		allowed                  bool
		policy                   string
	}{
		{"dev-1", policy.ActionConnect, "client/dev-1", true, "connect@1"},
		{"dev-2", policy.ActionConnect, "client/dev-2", false, ""},    // a thing, not attached
		{"ghost", policy.ActionConnect, "client/ghost", false, ""},    // no such thing
		{"dev-1", policy.ActionConnect, "client/dev-2", false, ""},    // another thing's name
		{"dev-1", policy.ActionPublish, "topic/floor/3/t", true, ""},  // root group via child's ancestry
		{"dev-1", policy.ActionPublish, "topic/floor/4/t", false, ""}, // another floor
		{"dev-1", policy.ActionPublish, "topic/secret/x", false, "denySecret@1"},
		{"dev-1", policy.ActionSubscribe, "topicfilter/sensor-cn/#", true, "subscribe@1"},
		{"dev-1", policy.ActionSubscribe, "topicfilter/other/#", false, ""},
	} {
		d := allowed(t, e.s, cert, tc.client, tc.action, tc.resource)
		if d.Allowed != tc.allowed || (tc.policy != "" && d.Policy != tc.policy) {
			t.Errorf("Allowed(%s, %s, %s) = %s; want allowed=%t by %q", tc.client, tc.action, tc.resource, d, tc.allowed, tc.policy)
		}
	}
	a, _ := e.s.Authorize(cert)
	if want := []string{"connect@1", "denySecret@1", "subscribe@1"}; !slices.Equal(a.PolicyNames, want) {
		t.Errorf("PolicyNames = %v; want %v", a.PolicyNames, want)
	}
	if got, want := e.s.EffectivePolicies(a, "dev-1"), []string{"connect@1", "denySecret@1", "subscribe@1", "floorPub@1"}; !slices.Equal(got, want) {
		t.Errorf("EffectivePolicies(dev-1) = %v; want %v", got, want)
	}
	if got, want := e.s.EffectivePolicies(a, "ghost"), []string{"connect@1", "denySecret@1", "subscribe@1"}; !slices.Equal(got, want) {
		t.Errorf("EffectivePolicies(ghost) = %v; want %v", got, want)
	}
	// A Deny in a group policy beats an Allow on the certificate, and vice versa.
	e.policy("anyPubGroup", doc(stmt("Allow", "iot:Publish", arnPrefix+"topic/*", "")))
	e.attach("anyPubGroup", e.s.ThingGroupArn("child"))
	if !a.Stale() {
		t.Errorf("Authorizer not stale after a thing-group attachment")
	}
	if d := allowed(t, e.s, cert, "dev-1", policy.ActionPublish, "topic/anything"); !d.Allowed {
		t.Errorf("publish with a child-group allow: %s", d)
	}
	if d := allowed(t, e.s, cert, "dev-1", policy.ActionPublish, "topic/secret/x"); d.Allowed || d.Effect != policy.Deny {
		t.Errorf("explicit Deny lost to a group Allow: %s", d)
	}
	// Group policies apply only when the client id is the attached thing's
	// name: under another id the certificate has its own policies alone.
	for _, client := range []string{"ghost", "dev-2", ""} {
		if d := allowed(t, e.s, cert, client, policy.ActionPublish, "topic/anything"); d.Allowed {
			t.Errorf("client %q borrowed a group policy of dev-1: %s", client, d)
		}
	}

	ctx, err := e.s.ConnectionContext(cert, "dev-1", netip.MustParseAddr("10.0.0.1"))
	if err != nil || ctx.Thing == nil || !ctx.Thing.IsAttached || ctx.Thing.TypeName != "sensor" || ctx.SourceIP.String() != "10.0.0.1" ||
		ctx.Certificate.Subject["CommonName"][0] != "sensor-cn" || ctx.Certificate.ID != cert {
		t.Errorf("ConnectionContext = %+v, %v", ctx, err)
	}
}

func TestAuthorizeInvalidation(t *testing.T) {
	e, cert := authEnv(t)
	arn := e.s.CertificateArn(cert)
	check := func(step string, client, action, resource string, want bool) {
		t.Helper()
		if d := allowed(t, e.s, cert, client, action, resource); d.Allowed != want {
			t.Errorf("%s: Allowed(%s, %s) = %s; want %t", step, action, resource, d, want)
		}
	}
	stale := func(step string, a *Authorizer) {
		t.Helper()
		if !a.Stale() {
			t.Errorf("%s: Authorizer not stale", step)
		}
	}
	check("start", "dev-1", policy.ActionConnect, "client/dev-1", true)

	a, _ := e.s.Authorize(cert)
	if _, err := e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "connect", SetAsDefault: true,
		PolicyDocument: doc(stmt("Allow", "iot:Connect", arnPrefix+"client/other", ""))}, e.now); err != nil {
		t.Fatal(err)
	}
	stale("new default version", a)
	check("new default version", "dev-1", policy.ActionConnect, "client/dev-1", false)
	if err := e.s.SetDefaultPolicyVersion(SetDefaultPolicyVersionRequest{PolicyName: "connect", PolicyVersionId: "1"}, e.now); err != nil {
		t.Fatal(err)
	}
	check("default back to 1", "dev-1", policy.ActionConnect, "client/dev-1", true)

	a, _ = e.s.Authorize(cert)
	e.things.things["dev-1"] = ThingInfo{TypeName: "sensor", Attributes: map[string]string{"floor": "4"}, StaticGroups: []string{"child", "root"}}
	check("attribute changed, not yet invalidated (cached)", "dev-1", policy.ActionPublish, "topic/floor/3/t", true)
	e.s.InvalidateThing("dev-1")
	stale("InvalidateThing", a)
	check("after InvalidateThing", "dev-1", policy.ActionPublish, "topic/floor/4/t", true)
	check("after InvalidateThing, old floor", "dev-1", policy.ActionPublish, "topic/floor/3/t", false)

	a, _ = e.s.Authorize(cert)
	if err := e.s.DetachPolicy(DetachPolicyRequest{PolicyName: "subscribe", Target: arn}, e.now); err != nil {
		t.Fatal(err)
	}
	stale("DetachPolicy", a)
	check("after DetachPolicy", "dev-1", policy.ActionSubscribe, "topicfilter/sensor-cn/x", false)

	a, _ = e.s.Authorize(cert)
	if err := e.s.DetachThingPrincipal(DetachThingPrincipalRequest{ThingName: "dev-1", Principal: arn}, e.now); err != nil {
		t.Fatal(err)
	}
	stale("DetachThingPrincipal", a)
	check("detached thing cannot connect", "dev-1", policy.ActionConnect, "client/dev-1", false)
	check("detached thing loses group policies", "dev-1", policy.ActionPublish, "topic/floor/4/t", false)

	a, _ = e.s.Authorize(cert)
	if err := e.s.UpdateCertificate(UpdateCertificateRequest{CertificateId: cert, NewStatus: StatusInactive}, e.now); err != nil {
		t.Fatal(err)
	}
	stale("UpdateCertificate", a)
	_, err := e.s.Allowed(cert, "dev-1", policy.ActionConnect, arnPrefix+"client/dev-1")
	checkErr(t, "Allowed on INACTIVE", err, awserr.Unauthorized, "is INACTIVE; only ACTIVE certificates may connect")
	_, err = e.s.Authorize(strings.Repeat("f", 64))
	checkErr(t, "Authorize unknown", err, awserr.Unauthorized, "is not registered")
}

// TestTestAuthorization asks the evaluator through TestAuthorization and
// GetEffectivePolicies: the verdicts match Allowed's, with the deciding
// policies named, and policyNamesToAdd/ToSkip change the set.
func TestTestAuthorization(t *testing.T) {
	e, cert := authEnv(t)
	ask := func(client string, add, skip []string, infos ...AuthInfo) []AuthResult {
		t.Helper()
		r, err := e.s.TestAuthorization(TestAuthorizationRequest{ClientID: client, Principal: e.s.CertificateArn(cert),
			AuthInfos: infos, PolicyNamesToAdd: add, PolicyNamesToSkip: skip})
		if err != nil {
			t.Fatal(err)
		}
		return r.AuthResults
	}
	names := func(refs []PolicyRef) []string {
		var out []string
		for _, r := range refs {
			out = append(out, r.PolicyName)
		}
		return out
	}
	res := ask("dev-1", nil, nil,
		AuthInfo{ActionType: "CONNECT", Resources: []string{arnPrefix + "client/dev-1"}},
		AuthInfo{ActionType: "PUBLISH", Resources: []string{arnPrefix + "topic/floor/3/t", arnPrefix + "topic/floor/4/t"}},
		AuthInfo{ActionType: "PUBLISH", Resources: []string{arnPrefix + "topic/secret/x"}},
		AuthInfo{ActionType: "SUBSCRIBE", Resources: []string{arnPrefix + "topicfilter/sensor-cn/#"}},
	)
	for i, want := range []struct {
		decision string
		by       []string
	}{
		{"ALLOWED", []string{"connect"}},
		{"IMPLICIT_DENY", nil}, // floor 4 is not allowed, so the request is not
		{"EXPLICIT_DENY", []string{"denySecret"}},
		{"ALLOWED", []string{"subscribe"}},
	} {
		got := res[i]
		by := names(got.Allowed.Policies)
		if got.AuthDecision == "EXPLICIT_DENY" {
			by = names(got.Denied.ExplicitDeny.Policies)
		}
		if got.AuthDecision != want.decision || !slices.Equal(by, want.by) {
			t.Errorf("authInfos[%d] = %s by %v; want %s by %v", i, got.AuthDecision, by, want.decision, want.by)
		}
	}
	// Under another client id the group policy floorPub does not apply.
	if r := ask("ghost", nil, nil, AuthInfo{ActionType: "PUBLISH", Resources: []string{arnPrefix + "topic/floor/3/t"}}); r[0].AuthDecision != "IMPLICIT_DENY" {
		t.Errorf("ghost publishing under dev-1's group policy: %s", r[0].AuthDecision)
	}
	// Adding and skipping policies.
	e.policy("extra", doc(stmt("Allow", "iot:Publish", arnPrefix+"topic/extra", "")))
	if r := ask("dev-1", []string{"extra"}, nil, AuthInfo{ActionType: "PUBLISH", Resources: []string{arnPrefix + "topic/extra"}}); r[0].AuthDecision != "ALLOWED" {
		t.Errorf("with policyNamesToAdd: %s", r[0].AuthDecision)
	}
	if r := ask("dev-1", nil, []string{"denySecret"}, AuthInfo{ActionType: "PUBLISH", Resources: []string{arnPrefix + "topic/secret/x"}}); r[0].AuthDecision != "IMPLICIT_DENY" {
		t.Errorf("with the Deny skipped: %s", r[0].AuthDecision)
	}
	for _, tc := range []struct {
		name string
		req  TestAuthorizationRequest
		msg  string
	}{
		{"no authInfos", TestAuthorizationRequest{Principal: cert}, "1 to 10"},
		{"bad action", TestAuthorizationRequest{Principal: cert, AuthInfos: []AuthInfo{{ActionType: "DELETE", Resources: []string{"*"}}}}, "actionType"},
		{"no principal", TestAuthorizationRequest{AuthInfos: []AuthInfo{{ActionType: "CONNECT", Resources: []string{"*"}}}}, "principal is required"},
		{"unknown policy to add", TestAuthorizationRequest{Principal: cert, PolicyNamesToAdd: []string{"nope"}, AuthInfos: []AuthInfo{{ActionType: "CONNECT", Resources: []string{"*"}}}}, "nope"},
	} {
		_, err := e.s.TestAuthorization(tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v; want one containing %q", tc.name, err, tc.msg)
		}
	}

	eff, err := e.s.GetEffectivePolicies(GetEffectivePoliciesRequest{Principal: e.s.CertificateArn(cert), ThingName: "dev-1"})
	var got []string
	for _, p := range eff.EffectivePolicies {
		got = append(got, p.PolicyName)
	}
	if want := []string{"connect", "denySecret", "subscribe", "floorPub"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("GetEffectivePolicies(dev-1) = %v, %v; want %v", got, err, want)
	}
}
