package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"
)

// Attribute names as AWS spells them in ${iot:Certificate.Subject.<Attr>}
// policy variables and AWS::IoT::Certificate::<Attr> JITP parameters. State
// is the policy variable's name, StateName the JITP parameter's; both are
// present in an attribute map.
var dnAttributes = []struct {
	oid   asn1.ObjectIdentifier
	names []string
}{
	{asn1.ObjectIdentifier{2, 5, 4, 3}, []string{"CommonName"}},
	{asn1.ObjectIdentifier{2, 5, 4, 4}, []string{"Surname"}},
	{asn1.ObjectIdentifier{2, 5, 4, 5}, []string{"SerialNumber"}},
	{asn1.ObjectIdentifier{2, 5, 4, 6}, []string{"Country"}},
	{asn1.ObjectIdentifier{2, 5, 4, 8}, []string{"State", "StateName"}},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, []string{"Organization"}},
	{asn1.ObjectIdentifier{2, 5, 4, 11}, []string{"OrganizationalUnit"}},
	{asn1.ObjectIdentifier{2, 5, 4, 12}, []string{"Title"}},
	{asn1.ObjectIdentifier{2, 5, 4, 42}, []string{"GivenName"}},
	{asn1.ObjectIdentifier{2, 5, 4, 43}, []string{"Initials"}},
	{asn1.ObjectIdentifier{2, 5, 4, 44}, []string{"GenerationQualifier"}},
	{asn1.ObjectIdentifier{2, 5, 4, 46}, []string{"DistinguishedNameQualifier"}},
	{asn1.ObjectIdentifier{2, 5, 4, 65}, []string{"Pseudonym"}},
}

// SubjectAttributes returns the certificate subject's attributes by AWS
// name, each with its values in certificate order, so index N of a list is
// AWS's ${iot:Certificate.Subject.<Attr>.N}. Attributes AWS does not name
// (Locality, Street, …) and non-string values are left out; an attribute
// the subject lacks is absent from the map.
func SubjectAttributes(cert *x509.Certificate) map[string][]string {
	return nameAttributes(cert.Subject)
}

// IssuerAttributes is SubjectAttributes for the issuer
// (${iot:Certificate.Issuer.<Attr>}).
func IssuerAttributes(cert *x509.Certificate) map[string][]string {
	return nameAttributes(cert.Issuer)
}

func nameAttributes(name pkix.Name) map[string][]string {
	attrs := map[string][]string{}
	for _, atv := range name.Names { // every attribute, in DER order
		s, ok := atv.Value.(string)
		if !ok {
			continue
		}
		for _, a := range dnAttributes {
			if a.oid.Equal(atv.Type) {
				for _, n := range a.names {
					attrs[n] = append(attrs[n], s)
				}
				break
			}
		}
	}
	return attrs
}

// Validity is CertificateDescription.validity; the adapter renders the
// times as AWS timestamps (epoch seconds).
type Validity struct {
	NotBefore time.Time
	NotAfter  time.Time
}

// ValidityOf returns a certificate's validity period.
func ValidityOf(cert *x509.Certificate) Validity {
	return Validity{NotBefore: cert.NotBefore, NotAfter: cert.NotAfter}
}
