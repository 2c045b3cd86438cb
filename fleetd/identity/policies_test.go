package identity

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestCreateAndGetPolicy(t *testing.T) {
	e := newEnv(t)
	resp, err := e.s.CreatePolicy(CreatePolicyRequest{PolicyName: "p1", PolicyDocument: allowAll}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	want := CreatePolicyResponse{PolicyName: "p1", PolicyArn: "arn:aws:iot:us-east-1:123456789012:policy/p1",
		PolicyDocument: allowAll, PolicyVersionId: "1"}
	if resp != want {
		t.Errorf("CreatePolicy = %+v; want %+v", resp, want)
	}
	for _, tc := range []struct {
		name, doc, code, msg string
	}{
		{"", allowAll, awserr.InvalidRequest, "Value null at 'policyName'"},
		{"a b", allowAll, awserr.InvalidRequest, `Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{strings.Repeat("n", 129), allowAll, awserr.InvalidRequest, "less than or equal to 128"},
		{"p1", allowAll, awserr.ResourceAlreadyExists, "Policy p1 already exists."},
		{"bad", `{"Statement":`, awserr.MalformedPolicy, ""},
		{"bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:*","Resource":"*"}]}`, awserr.MalformedPolicy, ""},
	} {
		_, err := e.s.CreatePolicy(CreatePolicyRequest{PolicyName: tc.name, PolicyDocument: tc.doc}, e.now)
		checkErr(t, fmt.Sprintf("CreatePolicy(%q)", truncate(tc.name)), err, tc.code, tc.msg)
	}
	g, err := e.s.GetPolicy(GetPolicyRequest{PolicyName: "p1"})
	if err != nil || g.DefaultVersionId != "1" || g.PolicyDocument != allowAll || !g.CreationDate.Equal(t0) || g.GenerationId == "" {
		t.Errorf("GetPolicy = %+v, %v", g, err)
	}
	_, err = e.s.GetPolicy(GetPolicyRequest{PolicyName: "nope"})
	checkErr(t, "GetPolicy missing", err, awserr.ResourceNotFound, "Policy nope cannot be found.")
}

func TestPolicyVersions(t *testing.T) {
	e := newEnv(t)
	e.policy("p", allowAll)
	doc := func(i int) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/v%d"}]}`, i)
	}
	_, err := e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "p", PolicyDocument: "[]"}, e.now)
	checkErr(t, "malformed version", err, awserr.MalformedPolicy, "")
	for i := 2; i <= MaxPolicyVersions; i++ {
		e.now = t0.Add(time.Duration(i) * time.Minute)
		r, err := e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "p", PolicyDocument: doc(i), SetAsDefault: i == 3}, e.now)
		if err != nil {
			t.Fatal(err)
		}
		if r.PolicyVersionId != fmt.Sprint(i) || r.IsDefaultVersion != (i == 3) {
			t.Errorf("CreatePolicyVersion #%d = %+v", i, r)
		}
	}
	_, err = e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "p", PolicyDocument: doc(6)}, e.now)
	checkErr(t, "6th version", err, awserr.VersionsLimitExceeded, "maximum number of versions (5)")
	_, err = e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "nope", PolicyDocument: doc(6)}, e.now)
	checkErr(t, "version of missing policy", err, awserr.ResourceNotFound, "Policy nope")

	g, _ := e.s.GetPolicy(GetPolicyRequest{PolicyName: "p"})
	if g.DefaultVersionId != "3" || g.PolicyDocument != doc(3) || !g.LastModifiedDate.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("GetPolicy after setAsDefault = %+v", g)
	}
	lv, _ := e.s.ListPolicyVersions(ListPolicyVersionsRequest{PolicyName: "p"})
	var ids []string
	for _, v := range lv.PolicyVersions {
		ids = append(ids, v.VersionId+map[bool]string{true: "*"}[v.IsDefaultVersion])
	}
	if got := strings.Join(ids, ","); got != "5,4,3*,2,1" {
		t.Errorf("ListPolicyVersions = %s; want 5,4,3*,2,1", got)
	}
	for _, tc := range []struct {
		name, version, code, msg string
	}{
		{"p", "3", awserr.DeleteConflict, "is the default version"},
		{"p", "9", awserr.ResourceNotFound, "Policy p has no version 9."},
		{"p", "x", awserr.InvalidRequest, "regular expression pattern: [0-9]+"},
		{"p", "2", "", ""},
		{"p", "2", awserr.ResourceNotFound, "no version 2"},
	} {
		err := e.s.DeletePolicyVersion(DeletePolicyVersionRequest{PolicyName: tc.name, PolicyVersionId: tc.version}, e.now)
		checkErr(t, "DeletePolicyVersion "+tc.version, err, tc.code, tc.msg)
	}
	// Version ids are not reused after a deletion.
	r, err := e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "p", PolicyDocument: doc(6)}, e.now)
	if err != nil || r.PolicyVersionId != "6" {
		t.Errorf("version after deleting 2 = %+v, %v; want 6", r, err)
	}
	if err := e.s.SetDefaultPolicyVersion(SetDefaultPolicyVersionRequest{PolicyName: "p", PolicyVersionId: "6"}, e.now); err != nil {
		t.Fatal(err)
	}
	gv, _ := e.s.GetPolicyVersion(GetPolicyVersionRequest{PolicyName: "p", PolicyVersionId: "6"})
	if !gv.IsDefaultVersion || gv.PolicyDocument != doc(6) || gv.PolicyName != "p" {
		t.Errorf("GetPolicyVersion = %+v", gv)
	}
	err = e.s.DeletePolicy(DeletePolicyRequest{PolicyName: "p"}, e.now)
	checkErr(t, "DeletePolicy with versions", err, awserr.DeleteConflict, "has 5 versions")
}

func TestDeletePolicy(t *testing.T) {
	e := newEnv(t)
	e.policy("p", allowAll)
	c := e.create(false)
	e.attach("p", c.CertificateArn)
	err := e.s.DeletePolicy(DeletePolicyRequest{PolicyName: "p"}, e.now)
	checkErr(t, "DeletePolicy attached", err, awserr.DeleteConflict, "attached to 1 target(s)")
	if err := e.s.DetachPolicy(DetachPolicyRequest{PolicyName: "p", Target: c.CertificateArn}, e.now); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeletePolicy(DeletePolicyRequest{PolicyName: "p"}, e.now); err != nil {
		t.Fatal(err)
	}
	err = e.s.DeletePolicy(DeletePolicyRequest{PolicyName: "p"}, e.now)
	checkErr(t, "DeletePolicy again", err, awserr.ResourceNotFound, "Policy p cannot be found.")
}

func TestAttachPolicy(t *testing.T) {
	e := newEnv(t)
	e.things.addGroup("fleet", "")
	e.things.addGroup("old-firmware", "")
	e.things.dynamic["old-firmware"] = true
	c := e.create(true)
	for i := range MaxPoliciesPerTarget + 1 {
		e.policy(fmt.Sprintf("p%02d", i), allowAll)
	}
	for i := range MaxPoliciesPerTarget {
		e.attach(fmt.Sprintf("p%02d", i), c.CertificateArn)
	}
	e.attach("p00", c.CertificateArn) // again: no error, no double entry
	missingCert := "arn:aws:iot:us-east-1:123456789012:cert/" + strings.Repeat("d", 64)
	for _, tc := range []struct {
		name, policy, target, code, msg string
	}{
		{"limit", "p10", c.CertificateArn, awserr.LimitExceeded, "the limit is 10"},
		{"no target", "p10", "", awserr.InvalidRequest, "Value null at 'target'"},
		{"missing policy", "nope", c.CertificateArn, awserr.ResourceNotFound, "Policy nope"},
		{"missing cert", "p10", missingCert, awserr.ResourceNotFound, "Certificate " + missingCert},
		{"other account", "p10", strings.Replace(c.CertificateArn, "123456789012", "999999999999", 1), awserr.ResourceNotFound, ""},
		{"missing group", "p10", e.s.ThingGroupArn("nope"), awserr.ResourceNotFound, "Thing group"},
		{"thing arn", "p10", "arn:aws:iot:us-east-1:123456789012:thing/x", awserr.InvalidRequest, "neither a certificate nor a thing group"},
		{"garbage", "p10", "garbage", awserr.InvalidRequest, "not a certificate ARN"},
		{"bad cert id", "p10", "arn:aws:iot:us-east-1:123456789012:cert/12", awserr.InvalidRequest, "certificate id"},
		{"dynamic group", "p10", e.s.ThingGroupArn("old-firmware"), awserr.InvalidRequest, "dynamic thing group old-firmware"},
		{"group", "p10", e.s.ThingGroupArn("fleet"), "", ""},
		{"cognito", "p10", "us-east-1:3f1c0a8e-0000-4000-8000-000000000001", "", ""},
	} {
		err := e.s.AttachPolicy(AttachPolicyRequest{PolicyName: tc.policy, Target: tc.target}, e.now)
		checkErr(t, "AttachPolicy "+tc.name, err, tc.code, tc.msg)
	}
	targets, _ := e.s.ListTargetsForPolicy(ListTargetsForPolicyRequest{PolicyName: "p10"})
	want := []string{e.s.ThingGroupArn("fleet"), "us-east-1:3f1c0a8e-0000-4000-8000-000000000001"}
	if !slices.Equal(targets.Targets, want) {
		t.Errorf("ListTargetsForPolicy = %v; want %v", targets.Targets, want)
	}
	lp, _ := e.s.ListPolicyPrincipals(ListPolicyPrincipalsRequest{PolicyName: "p10"})
	if !slices.Equal(lp.Principals, want[1:]) {
		t.Errorf("ListPolicyPrincipals = %v; want only the Cognito id", lp.Principals)
	}
	// Detach is idempotent, and tolerant of unknown policies.
	for _, p := range []string{"p00", "p00", "nope"} {
		if err := e.s.DetachPolicy(DetachPolicyRequest{PolicyName: p, Target: c.CertificateArn}, e.now); err != nil {
			t.Errorf("DetachPolicy(%s): %v", p, err)
		}
	}
	three := 3
	var got []string
	marker := ""
	for {
		resp, err := e.s.ListAttachedPolicies(ListAttachedPoliciesRequest{Target: strings.Replace(c.CertificateArn, c.CertificateId, strings.ToUpper(c.CertificateId), 1),
			PageSize: &three, Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range resp.Policies {
			got = append(got, p.PolicyName)
		}
		if marker = resp.NextMarker; marker == "" {
			break
		}
	}
	if len(got) != 9 || got[0] != "p01" || got[8] != "p09" {
		t.Errorf("ListAttachedPolicies walk = %v; want p01..p09", got)
	}
}

func TestListAttachedPoliciesRecursive(t *testing.T) {
	e := newEnv(t)
	e.things.addGroup("root", "")
	e.things.addGroup("child", "root")
	e.things.addThing("dev", "", nil, "child")
	c := e.create(true)
	e.attachThing("dev", c.CertificateArn)
	for _, p := range []string{"onRoot", "onChild", "onCert"} {
		e.policy(p, allowAll)
	}
	e.attach("onRoot", e.s.ThingGroupArn("root"))
	e.attach("onChild", e.s.ThingGroupArn("child"))
	e.attach("onCert", c.CertificateArn)
	names := func(req ListAttachedPoliciesRequest) string {
		resp, err := e.s.ListAttachedPolicies(req)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, p := range resp.Policies {
			n = append(n, p.PolicyName)
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		req  ListAttachedPoliciesRequest
		want string
	}{
		{ListAttachedPoliciesRequest{Target: e.s.ThingGroupArn("child")}, "onChild"},
		{ListAttachedPoliciesRequest{Target: e.s.ThingGroupArn("child"), Recursive: true}, "onChild,onRoot"},
		{ListAttachedPoliciesRequest{Target: c.CertificateArn}, "onCert"},
		{ListAttachedPoliciesRequest{Target: c.CertificateArn, Recursive: true}, "onCert,onChild,onRoot"},
	} {
		if got := names(tc.req); got != tc.want {
			t.Errorf("ListAttachedPolicies(%s, recursive=%t) = %s; want %s", tc.req.Target, tc.req.Recursive, got, tc.want)
		}
	}
	// Deleting the group drops its attachments.
	e.s.ThingGroupDeleted("child")
	if got := e.s.policyTargets["onChild"]; len(got) != 0 {
		t.Errorf("targets of onChild after ThingGroupDeleted = %v", got)
	}
}

func TestLegacyPrincipalPolicies(t *testing.T) {
	e := newEnv(t)
	e.policy("a", allowAll)
	e.policy("b", allowAll)
	c := e.create(true)
	for _, p := range []string{"b", "a"} {
		if err := e.s.AttachPrincipalPolicy(AttachPrincipalPolicyRequest{PolicyName: p, Principal: c.CertificateArn}, e.now); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := e.s.ListPrincipalPolicies(ListPrincipalPoliciesRequest{Principal: c.CertificateArn})
	if len(l.Policies) != 2 || l.Policies[0].PolicyName != "a" {
		t.Errorf("ListPrincipalPolicies = %+v", l)
	}
	err := e.s.DetachPrincipalPolicy(DetachPrincipalPolicyRequest{PolicyName: "zz", Principal: c.CertificateArn}, e.now)
	checkErr(t, "DetachPrincipalPolicy unknown", err, awserr.ResourceNotFound, "Policy zz")
	err = e.s.AttachPrincipalPolicy(AttachPrincipalPolicyRequest{PolicyName: "a"}, e.now)
	checkErr(t, "AttachPrincipalPolicy no principal", err, awserr.InvalidRequest, "Value null at 'principal'")
	if err := e.s.DetachPrincipalPolicy(DetachPrincipalPolicyRequest{PolicyName: "a", Principal: c.CertificateArn}, e.now); err != nil {
		t.Fatal(err)
	}
}

func TestListPolicies(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"c", "a", "b"} {
		e.policy(n, allowAll)
	}
	two := 2
	first, _ := e.s.ListPolicies(ListPoliciesRequest{PageSize: &two})
	second, _ := e.s.ListPolicies(ListPoliciesRequest{PageSize: &two, Marker: first.NextMarker})
	asc, _ := e.s.ListPolicies(ListPoliciesRequest{AscendingOrder: true})
	join := func(ps ...[]Policy) string {
		var n []string
		for _, p := range ps {
			for _, x := range p {
				n = append(n, x.PolicyName)
			}
		}
		return strings.Join(n, ",")
	}
	if got := join(first.Policies, second.Policies); got != "b,a,c" || second.NextMarker != "" {
		t.Errorf("ListPolicies newest first = %s (marker %q); want b,a,c", got, second.NextMarker)
	}
	if got := join(asc.Policies); got != "c,a,b" {
		t.Errorf("ListPolicies ascending = %s; want c,a,b", got)
	}
	_, err := e.s.ListPolicies(ListPoliciesRequest{Marker: first.NextMarker[:len(first.NextMarker)-4] + "AAAA"})
	checkErr(t, "ListPolicies foreign marker", err, awserr.InvalidRequest, "pagination token")
}
