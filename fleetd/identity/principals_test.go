package identity

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestThingPrincipals(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"a", "b", "c"} {
		e.things.addThing(n, "", nil)
	}
	c1, c2 := e.create(true), e.create(true)
	missing := "arn:aws:iot:us-east-1:123456789012:cert/" + strings.Repeat("e", 64)
	for _, tc := range []struct {
		name string
		req  AttachThingPrincipalRequest
		code string
		msg  string
	}{
		{"no thing", AttachThingPrincipalRequest{Principal: c1.CertificateArn}, awserr.InvalidRequest, "Value null at 'thingName'"},
		{"bad thing", AttachThingPrincipalRequest{ThingName: "a b", Principal: c1.CertificateArn}, awserr.InvalidRequest, "[a-zA-Z0-9:_-]+"},
		{"no principal", AttachThingPrincipalRequest{ThingName: "a"}, awserr.InvalidRequest, "Value null at 'principal'"},
		{"bad type", AttachThingPrincipalRequest{ThingName: "a", Principal: c1.CertificateArn, ThingPrincipalType: "X"}, awserr.InvalidRequest, "EXCLUSIVE_THING"},
		{"missing thing", AttachThingPrincipalRequest{ThingName: "zz", Principal: c1.CertificateArn}, awserr.ResourceNotFound, "Thing zz cannot be found."},
		{"missing cert", AttachThingPrincipalRequest{ThingName: "a", Principal: missing}, awserr.ResourceNotFound, "Certificate " + missing},
		{"group principal", AttachThingPrincipalRequest{ThingName: "a", Principal: e.s.ThingGroupArn("g")}, awserr.InvalidRequest, "neither a certificate"},
		{"c1 to a", AttachThingPrincipalRequest{ThingName: "a", Principal: c1.CertificateArn}, "", ""},
		{"c1 to b", AttachThingPrincipalRequest{ThingName: "b", Principal: c1.CertificateArn}, "", ""},
		{"c1 to c exclusively", AttachThingPrincipalRequest{ThingName: "c", Principal: c1.CertificateArn, ThingPrincipalType: ExclusiveThing},
			awserr.InvalidRequest, "is attached to thing a; it cannot be attached exclusively to c"},
		{"c2 to c exclusively", AttachThingPrincipalRequest{ThingName: "c", Principal: c2.CertificateArn, ThingPrincipalType: ExclusiveThing}, "", ""},
		{"c2 to a", AttachThingPrincipalRequest{ThingName: "a", Principal: c2.CertificateArn}, awserr.InvalidRequest, "attached exclusively to thing c"},
		{"c2 to c again", AttachThingPrincipalRequest{ThingName: "c", Principal: c2.CertificateArn}, "", ""},
		{"c2 to a after non-exclusive", AttachThingPrincipalRequest{ThingName: "a", Principal: c2.CertificateArn}, "", ""},
		{"cognito", AttachThingPrincipalRequest{ThingName: "a", Principal: "us-east-1:abc"}, "", ""},
	} {
		err := e.s.AttachThingPrincipal(tc.req, e.now)
		checkErr(t, "AttachThingPrincipal "+tc.name, err, tc.code, tc.msg)
	}
	lp, err := e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "a"})
	want := []string{c1.CertificateArn, c2.CertificateArn, "us-east-1:abc"}
	slices.Sort(want)
	if err != nil || !slices.Equal(lp.Principals, want) {
		t.Errorf("ListThingPrincipals(a) = %v, %v; want %v", lp.Principals, err, want)
	}
	one := 1
	p1, _ := e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "a", MaxResults: &one})
	p2, _ := e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "a", MaxResults: &one, NextToken: p1.NextToken})
	if p1.Principals[0] != want[0] || p2.Principals[0] != want[1] || p2.NextToken == "" {
		t.Errorf("paged ListThingPrincipals = %v then %v", p1, p2)
	}
	lt, err := e.s.ListPrincipalThings(ListPrincipalThingsRequest{Principal: c1.CertificateArn})
	if err != nil || strings.Join(lt.Things, ",") != "a,b" {
		t.Errorf("ListPrincipalThings(c1) = %v, %v; want a,b", lt.Things, err)
	}
	_, err = e.s.ListPrincipalThings(ListPrincipalThingsRequest{Principal: missing})
	checkErr(t, "ListPrincipalThings missing cert", err, awserr.ResourceNotFound, "")
	_, err = e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "zz"})
	checkErr(t, "ListThingPrincipals missing thing", err, awserr.ResourceNotFound, "Thing zz")
	_, err = e.s.ListThingPrincipals(ListThingPrincipalsRequest{ThingName: "a", MaxResults: ptr(0)})
	checkErr(t, "ListThingPrincipals maxResults 0", err, awserr.InvalidRequest, "'maxResults'")

	checkErr(t, "CheckThingDeletable(a)", e.s.CheckThingDeletable("a"), awserr.InvalidRequest, "Cannot delete thing a: it has 3 attached principal(s)")
	for _, p := range []string{c1.CertificateArn, c1.CertificateArn} { // the second detach is a no-op
		if err := e.s.DetachThingPrincipal(DetachThingPrincipalRequest{ThingName: "b", Principal: p}, e.now); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.s.ThingPrincipals("b"); got != nil {
		t.Errorf("ThingPrincipals(b) = %v; want none", got)
	}
	if err := e.s.CheckThingDeletable("b"); err != nil {
		t.Errorf("CheckThingDeletable(b) = %v; want nil", err)
	}
	err = e.s.DetachThingPrincipal(DetachThingPrincipalRequest{ThingName: "zz", Principal: c1.CertificateArn}, e.now)
	checkErr(t, "DetachThingPrincipal missing thing", err, awserr.ResourceNotFound, "Thing zz")
}

// TestPrincipalListsV2 lists attachments with their types, filtered.
func TestPrincipalListsV2(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"a", "b"} {
		e.things.addThing(n, "", nil)
	}
	c1, c2 := e.create(true), e.create(true)
	for _, r := range []AttachThingPrincipalRequest{
		{ThingName: "a", Principal: c1.CertificateArn, ThingPrincipalType: ExclusiveThing},
		{ThingName: "a", Principal: c2.CertificateArn},
		{ThingName: "b", Principal: c2.CertificateArn},
	} {
		if err := e.s.AttachThingPrincipal(r, e.now); err != nil {
			t.Fatal(err)
		}
	}
	tp, err := e.s.ListThingPrincipalsV2(ListThingPrincipalsV2Request{ThingName: "a"})
	want := []ThingPrincipalObject{{c1.CertificateArn, ExclusiveThing}, {c2.CertificateArn, NonExclusiveThing}}
	slices.SortFunc(want, func(x, y ThingPrincipalObject) int { return strings.Compare(x.Principal, y.Principal) })
	if err != nil || !slices.Equal(tp.ThingPrincipalObjects, want) {
		t.Errorf("ListThingPrincipalsV2(a) = %+v, %v; want %+v", tp.ThingPrincipalObjects, err, want)
	}
	tp, _ = e.s.ListThingPrincipalsV2(ListThingPrincipalsV2Request{ThingName: "a", ThingPrincipalType: ExclusiveThing})
	if !slices.Equal(tp.ThingPrincipalObjects, []ThingPrincipalObject{{c1.CertificateArn, ExclusiveThing}}) {
		t.Errorf("exclusive only = %+v", tp.ThingPrincipalObjects)
	}
	pt, err := e.s.ListPrincipalThingsV2(ListPrincipalThingsV2Request{Principal: c2.CertificateArn})
	if err != nil || !slices.Equal(pt.PrincipalThingObjects, []PrincipalThingObject{{"a", NonExclusiveThing}, {"b", NonExclusiveThing}}) {
		t.Errorf("ListPrincipalThingsV2(c2) = %+v, %v", pt.PrincipalThingObjects, err)
	}
	_, err = e.s.ListThingPrincipalsV2(ListThingPrincipalsV2Request{ThingName: "a", ThingPrincipalType: "SOMETIMES"})
	checkErr(t, "bad thingPrincipalType", err, awserr.InvalidRequest, "thingPrincipalType")
}
