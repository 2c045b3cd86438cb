package identity

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestCompareConcat checks compareConcat against comparing the built
// strings, on short strings over a small alphabet so that prefixes and
// ties are common.
func TestCompareConcat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, rng.IntN(4))
		for i := range b {
			b[i] = "ab:"[rng.IntN(3)]
		}
		return string(b)
	}
	for range 20000 {
		a1, a2, b1, b2 := word(), word(), word(), word()
		if got, want := compareConcat(a1, a2, b1, b2), strings.Compare(a1+a2, b1+b2); got != want {
			t.Fatalf("compareConcat(%q, %q, %q, %q) = %d; want %d", a1, a2, b1, b2, got, want)
		}
	}
}

// TestTargetKeyOrder attaches certificates and Cognito identities sorting
// before and after the certificate ARNs to one thing: lists and records
// are in the byte-wise order of the canonical forms, and survive a
// restore.
func TestTargetKeyOrder(t *testing.T) {
	e := newEnv(t)
	e.things.addThing("a", "", nil)
	e.policy("p", allowAll)
	principals := []string{"ap-south-1:early", "us-east-1:late"} // before and after "arn:"
	for range 4 {
		principals = append(principals, e.create(true).CertificateArn)
	}
	for i, p := range principals {
		typ := NonExclusiveThing
		if i%2 == 0 {
			typ = ExclusiveThing
		}
		if err := e.s.AttachThingPrincipal(AttachThingPrincipalRequest{ThingName: "a", Principal: p, ThingPrincipalType: typ}, e.now); err != nil {
			t.Fatalf("AttachThingPrincipal(%s): %v", p, err)
		}
		e.attach("p", p)
	}
	want := slices.Sorted(slices.Values(principals))
	got, err := e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "a"})
	if err != nil || !slices.Equal(got.Principals, want) {
		t.Errorf("ListThingPrincipals = %v, %v; want %v", got.Principals, err, want)
	}
	targets, err := e.s.ListTargetsForPolicy(ListTargetsForPolicyRequest{PolicyName: "p"})
	if err != nil || !slices.Equal(targets.Targets, want) {
		t.Errorf("ListTargetsForPolicy = %v, %v; want %v", targets.Targets, err, want)
	}
	rec, _ := e.s.Record(thingPrincipalsKey("a"))
	s2 := restored(t, e)
	if rec2, _ := s2.Record(thingPrincipalsKey("a")); string(rec2) != string(rec) {
		t.Errorf("restored record = %s; want %s", rec2, rec)
	}
	for _, p := range principals {
		typ := NonExclusiveThing
		if slices.Index(principals, p)%2 == 0 {
			typ = ExclusiveThing
		}
		v2, err := s2.ListPrincipalThingsV2(ListPrincipalThingsV2Request{Principal: p})
		if err != nil || len(v2.PrincipalThingObjects) != 1 || v2.PrincipalThingObjects[0].ThingPrincipalType != typ {
			t.Errorf("restored ListPrincipalThingsV2(%s) = %+v, %v; want a as %s", p, v2, err, typ)
		}
	}
}
