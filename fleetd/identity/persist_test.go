package identity

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// richEnv builds a store holding one of everything.
func richEnv(t *testing.T) (*env, map[string]string) {
	e, cert := authEnv(t)
	ids := map[string]string{"auth": cert}
	ca := customerCA(t, "Round Trip CA")
	ids["ca"] = e.registerCA(ca, true)
	if err := e.s.UpdateCACertificate(UpdateCACertificateRequest{CertificateId: ids["ca"], NewAutoRegistrationStatus: AutoRegistrationEnable,
		RegistrationConfig: &RegistrationConfig{TemplateBody: `{"Resources":{}}`, RoleArn: "arn:aws:iam::123456789012:role/jitp"}}, e.now); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Second)
	reg, err := e.s.RegisterCertificate(RegisterCertificateRequest{CertificatePem: signedBy(t, ca, "reg"), Status: StatusRevoked}, e.now)
	if err != nil {
		t.Fatal(err)
	}
	ids["registered"] = reg.CertificateId
	ids["inactive"] = e.create(false).CertificateId
	if _, err := e.s.CreatePolicyVersion(CreatePolicyVersionRequest{PolicyName: "anyPub", PolicyDocument: allowAll}, e.now); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AttachThingPrincipal(AttachThingPrincipalRequest{ThingName: "dev-2", Principal: e.s.CertificateArn(ids["inactive"]),
		ThingPrincipalType: ExclusiveThing}, e.now); err != nil {
		t.Fatal(err)
	}
	e.attach("anyPub", "us-east-1:cognito-id")
	pending, _ := e.s.IssueForClaim(e.now, nil)
	used, _ := e.s.IssueForClaim(e.now.Add(time.Minute), nil)
	if _, err := e.s.ConsumeOwnershipToken(e.now, used.CertificateOwnershipToken); err != nil {
		t.Fatal(err)
	}
	ids["pending"], ids["pendingToken"] = pending.CertificateId, pending.CertificateOwnershipToken
	ids["used"], ids["usedToken"] = used.CertificateId, used.CertificateOwnershipToken
	return e, ids
}

// restored copies every record of s into a new store.
func restored(t *testing.T, e *env) *Store {
	t.Helper()
	s2, err := New(Options{CA: e.ca, Rand: rand.NewChaCha8([32]byte{2}), Things: e.things})
	if err != nil {
		t.Fatal(err)
	}
	keys := e.s.Keys()
	for i := len(keys) - 1; i >= 0; i-- { // any order will do
		v, ok := e.s.Record(keys[i])
		if !ok {
			t.Fatalf("Keys lists %s but Record has none", keys[i])
		}
		if err := s2.Restore(keys[i], v); err != nil {
			t.Fatalf("Restore(%s): %v", keys[i], err)
		}
	}
	if err := s2.FinishRestore(); err != nil {
		t.Fatal(err)
	}
	return s2
}

// answers renders the read operations' answers as JSON, the wire form.
func answers(t *testing.T, s *Store, ids map[string]string) []string {
	var out []string
	add := func(what string, v any, err error) {
		b, _ := json.Marshal(v)
		e := ""
		if err != nil {
			e = " error " + err.Error()
		}
		out = append(out, what+" "+string(b)+e)
	}
	two := 2
	for _, asc := range []bool{false, true} {
		marker := ""
		for {
			r, err := s.ListCertificates(ListCertificatesRequest{PageSize: &two, Marker: marker, AscendingOrder: asc})
			add("ListCertificates", r, err)
			for _, c := range r.Certificates {
				d, err := s.DescribeCertificate(DescribeCertificateRequest{CertificateId: c.CertificateId})
				add("DescribeCertificate", d, err)
				a, err := s.ListAttachedPolicies(ListAttachedPoliciesRequest{Target: c.CertificateArn, Recursive: true})
				add("ListAttachedPolicies", a, err)
				pt, err := s.ListPrincipalThings(ListPrincipalThingsRequest{Principal: c.CertificateArn})
				add("ListPrincipalThings", pt, err)
			}
			if marker = r.NextMarker; marker == "" || err != nil {
				break
			}
		}
		p, err := s.ListPolicies(ListPoliciesRequest{AscendingOrder: asc})
		add("ListPolicies", p, err)
		for _, x := range p.Policies {
			g, err := s.GetPolicy(GetPolicyRequest{PolicyName: x.PolicyName})
			add("GetPolicy", g, err)
			v, err := s.ListPolicyVersions(ListPolicyVersionsRequest{PolicyName: x.PolicyName})
			add("ListPolicyVersions", v, err)
			for _, pv := range v.PolicyVersions {
				gv, err := s.GetPolicyVersion(GetPolicyVersionRequest{PolicyName: x.PolicyName, PolicyVersionId: pv.VersionId})
				add("GetPolicyVersion", gv, err)
			}
			tg, err := s.ListTargetsForPolicy(ListTargetsForPolicyRequest{PolicyName: x.PolicyName})
			add("ListTargetsForPolicy", tg, err)
		}
		cas, err := s.ListCACertificates(ListCACertificatesRequest{AscendingOrder: asc})
		add("ListCACertificates", cas, err)
		for _, c := range cas.Certificates {
			d, err := s.DescribeCACertificate(DescribeCACertificateRequest{CertificateId: c.CertificateId})
			add("DescribeCACertificate", d, err)
			l, err := s.ListCertificatesByCA(ListCertificatesByCARequest{CaCertificateId: c.CertificateId})
			add("ListCertificatesByCA", l, err)
		}
	}
	for _, thing := range []string{"dev-1", "dev-2"} {
		tp, err := s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: thing})
		add("ListThingPrincipals", tp, err)
	}
	code, err := s.GetRegistrationCode(GetRegistrationCodeRequest{}, t0)
	add("GetRegistrationCode", code, err)
	a, err := s.Authorize(ids["auth"])
	add("Authorize", a.PolicyNames, err)
	d, err := s.Allowed(ids["auth"], "dev-1", policy.ActionPublish, arnPrefix+"topic/floor/3/x")
	add("Allowed", d, err)
	for _, tok := range []string{ids["pendingToken"], ids["usedToken"]} {
		id, err := s.CheckOwnershipToken(t0.Add(30*time.Minute), tok)
		add("CheckOwnershipToken", id, err)
	}
	at, ok := s.NextDeadline()
	add("NextDeadline", []any{at, ok}, nil)
	return out
}

func TestRecordRoundTrip(t *testing.T) {
	e, ids := richEnv(t)
	s2 := restored(t, e)
	if ch := s2.DrainChanges(); !ch.Empty() {
		t.Errorf("restore left changes: %+v", ch)
	}
	if a, b := strings.Join(e.s.Keys(), " "), strings.Join(s2.Keys(), " "); a != b {
		t.Errorf("Keys differ:\n%s\n%s", a, b)
	}
	for _, k := range e.s.Keys() {
		v1, _ := e.s.Record(k)
		v2, _ := s2.Record(k)
		if string(v1) != string(v2) {
			t.Errorf("Record(%s):\n%s\nrestored:\n%s", k, v1, v2)
		}
		if strings.Contains(string(v1), "PRIVATE KEY") {
			t.Errorf("Record(%s) holds a private key", k)
		}
	}
	want, got := answers(t, e.s, ids), answers(t, s2, ids)
	if len(want) != len(got) {
		t.Fatalf("%d answers, restored %d", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("answer %d:\n%s\nrestored:\n%s", i, want[i], got[i])
		}
	}
	// Further calls continue identically: generation ids and sequences.
	for _, s := range []*Store{e.s, s2} {
		if _, err := s.CreatePolicy(CreatePolicyRequest{PolicyName: "later", PolicyDocument: allowAll}, e.now); err != nil {
			t.Fatal(err)
		}
	}
	g1, _ := e.s.GetPolicy(GetPolicyRequest{PolicyName: "later"})
	g2, _ := s2.GetPolicy(GetPolicyRequest{PolicyName: "later"})
	if g1 != g2 {
		t.Errorf("GetPolicy after restore: %+v vs %+v", g1, g2)
	}
	// Expiry works on restored claims: both claim certificates are still
	// PENDING_ACTIVATION (a consumed token does not activate).
	if got := s2.Tick(t0.Add(2 * time.Hour)); len(got) != 2 || got[0] != ids["pending"] || got[1] != ids["used"] {
		t.Errorf("restored Tick = %v; want [%s %s]", got, ids["pending"], ids["used"])
	}
}

func TestRestoreCorruption(t *testing.T) {
	e, _ := richEnv(t)
	c0 := e.s.certs[e.s.certOrder[0].id]
	cert, _ := e.s.Record(certKey(c0.id))
	gen := c0.generation()
	for _, tc := range []struct {
		key, value, msg string
	}{
		{certKey(c0.id), strings.Replace(string(cert), `"status":"`, `"status":"X`, 1), "unknown status"},
		{certKey(c0.id), strings.Replace(string(cert), `"certificateMode":"`, `"certificateMode":"X`, 1), "unknown certificate mode"},
		{certKey(c0.id), strings.Replace(string(cert), gen, gen+"00", 1), "generationId"},
		{certKey(c0.id), strings.Replace(string(cert), gen, strings.ToUpper(gen), 1), "generationId"},
		{certKey(c0.id), strings.Replace(string(cert), `"customerVersion":`, `"customerVersion":9999999999`, 1), "out of range"},
		{certKey(c0.id), strings.Replace(string(cert), `-----END CERTIFICATE-----\n`, `-----END CERTIFICATE-----\n# comment\n`, 1), "one CERTIFICATE block"},
		{"weird/x", "{}", "unknown record key"},
		{metaKey, `{"format":9}`, "format 9"},
		{certKey(strings.Repeat("0", 64)), string(cert), "holds"},
		{policyKey("p"), `{"policyName":"p","defaultVersionId":2,"versions":[{"versionId":1,"policyDocument":"{}"}]}`, "version 1"},
		{policyKey("p"), `{"policyName":"p","extra":1}`, "unknown field"},
		{thingPrincipalsKey("t"), `{"thingName":"t","principals":["b","a"]}`, "not sorted"},
		{thingPrincipalsKey("t"), `{"thingName":"t","principals":[""]}`, "empty name"},
		{targetPoliciesKey("eu-west-1:x"), `{"target":"eu-west-1:x","policies":[""]}`, "empty name"},
	} {
		s2, _ := New(Options{CA: e.ca, Rand: rand.NewChaCha8([32]byte{}), Things: e.things})
		err := s2.Restore(tc.key, []byte(tc.value))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Restore(%s, %s) = %v; want an error containing %q", tc.key, tc.value, err, tc.msg)
		}
	}
	s2, _ := New(Options{CA: e.ca, Rand: rand.NewChaCha8([32]byte{}), Things: e.things})
	target := "arn:aws:iot:us-east-1:123456789012:cert/" + strings.Repeat("1", 64)
	if err := s2.Restore(targetPoliciesKey(target), []byte(`{"target":"`+target+`","policies":["gone"]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s2.FinishRestore(); err == nil || !strings.Contains(err.Error(), "policy gone does not exist") {
		t.Errorf("FinishRestore with dangling references = %v", err)
	}
}

// TestRestoreSharesStrings checks that a restored store keeps one copy of
// each certificate id, policy name and CA id, the entity's own, however
// many records spell it: a fleet holds one attachment of each per device.
func TestRestoreSharesStrings(t *testing.T) {
	e, _ := richEnv(t)
	s := restored(t, e)
	same := func(what, got, own string) {
		t.Helper()
		if unsafe.StringData(got) != unsafe.StringData(own) {
			t.Errorf("%s %q is a copy, not the entity's own string", what, got)
		}
	}
	var checked int
	for target, names := range s.targetPolicies {
		if c, ok := s.certs[target]; ok {
			same("policy target", target, c.id)
		}
		for name := range names.all() {
			same("attached policy", name, s.policies[name].name)
			checked++
		}
	}
	for _, m := range []map[string]nameSet{s.thingPrincipals, s.exclusivePrincipals} {
		for _, principals := range m {
			for key := range principals.all() {
				if c, ok := s.certs[key]; ok {
					same("thing principal", key, c.id)
					checked++
				}
			}
		}
	}
	for _, c := range s.certs {
		if ca := s.cas[c.caID]; ca != nil {
			same("certificate's CA", c.caID, ca.id)
			checked++
		}
	}
	for id, cl := range s.claims {
		same("claim", cl.certID, s.certs[id].id)
		checked++
	}
	if checked < 4 {
		t.Errorf("checked %d strings; the rich store should hold more", checked)
	}
}

func TestNewRequiresOptions(t *testing.T) {
	_, err := New(Options{})
	if err == nil || !strings.Contains(err.Error(), "Options.CA is required") || !strings.Contains(err.Error(), "Options.Things is required") {
		t.Errorf("New(Options{}) = %v; want every missing option named", err)
	}
}
