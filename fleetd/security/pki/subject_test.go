package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSubjectAttributes(t *testing.T) {
	ca := newTestCA(t, CAOptions{CommonName: "Issuer Root"})
	oid := func(n ...int) asn1.ObjectIdentifier { return append(asn1.ObjectIdentifier{2, 5, 4}, n...) }
	subject := pkix.Name{
		CommonName:   "thing-42",
		SerialNumber: "SN-0042",
		Province:     []string{"Washington"},
		Locality:     []string{"Seattle"}, // not an AWS attribute
		Organization: []string{"Acme"},
		// pkix.Name puts several values of one field into one RDN, a DER SET
		// whose members are sorted: the certificate holds Outdoor, Sensors.
		OrganizationalUnit: []string{"Sensors", "Outdoor"},
		// ExtraNames are one RDN each and keep their order: US, then DE.
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oid(6), Value: "US"},
			{Type: oid(6), Value: "DE"},
			{Type: oid(12), Value: "Thermometer"},
			{Type: oid(4), Value: "Doe"},
			{Type: oid(42), Value: "Jane"},
			{Type: oid(43), Value: "JD"},
			{Type: oid(65), Value: "jd"},
			{Type: oid(44), Value: "III"},
			{Type: oid(46), Value: "dnq-1"},
		},
	}
	dev := issueDevice(t, ca, subject)
	want := map[string][]string{
		"CommonName":                 {"thing-42"},
		"SerialNumber":               {"SN-0042"},
		"Country":                    {"US", "DE"},
		"State":                      {"Washington"},
		"StateName":                  {"Washington"},
		"Organization":               {"Acme"},
		"OrganizationalUnit":         {"Outdoor", "Sensors"},
		"Title":                      {"Thermometer"},
		"Surname":                    {"Doe"},
		"GivenName":                  {"Jane"},
		"Initials":                   {"JD"},
		"Pseudonym":                  {"jd"},
		"GenerationQualifier":        {"III"},
		"DistinguishedNameQualifier": {"dnq-1"},
	}
	if diff := cmp.Diff(want, SubjectAttributes(dev.Cert)); diff != "" {
		t.Errorf("SubjectAttributes mismatch (-want +got):\n%s", diff)
	}
	wantIssuer := map[string][]string{"CommonName": {"Issuer Root"}, "Organization": {"FleetLab"}}
	if diff := cmp.Diff(wantIssuer, IssuerAttributes(dev.Cert)); diff != "" {
		t.Errorf("IssuerAttributes mismatch (-want +got):\n%s", diff)
	}
	if got := SubjectAttributes(issueDevice(t, ca, pkix.Name{}).Cert); !cmp.Equal(got, map[string][]string{"CommonName": {"AWS IoT Certificate"}}) {
		t.Errorf("SubjectAttributes(default subject) = %v", got)
	}
}
