package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
)

// FuzzSignCSR feeds arbitrary bytes to SignCSR: it must never panic, must
// answer client input with an AWS error, and whatever it signs must carry
// the CA's signature.
func FuzzSignCSR(f *testing.F) {
	ca := newTestCA(f, CAOptions{})
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	rsaKey, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ecCSR := makeCSR(f, ecKey, pkix.Name{CommonName: "fuzz", Organization: []string{"Acme"}})
	f.Add(ecCSR)
	f.Add(makeCSR(f, rsaKey, pkix.Name{CommonName: "fuzz-rsa"}))
	f.Add(corruptSignature(f, ecCSR))
	f.Add(ca.CertPEM())
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, csrPEM []byte) {
		is, err := SignCSR(ca, csrPEM, testNow, seeded(1))
		if err != nil {
			if awsCode(err) == "" {
				t.Fatalf("SignCSR error %v is not an AWS error", err)
			}
			return
		}
		if err := is.Cert.CheckSignatureFrom(ca.Cert); err != nil {
			t.Fatalf("signed certificate does not verify: %v", err)
		}
	})
}

// FuzzParseCertificatePEM: never panic; a parsed certificate has an id and
// its attributes can be read.
func FuzzParseCertificatePEM(f *testing.F) {
	ca := newTestCA(f, CAOptions{})
	dev := issueDevice(f, ca, pkix.Name{CommonName: "thing", Country: []string{"US"}})
	f.Add(ca.CertPEM())
	f.Add(dev.PEM)
	f.Add(corruptSignature(f, dev.PEM))
	f.Add(dev.PEM[:len(dev.PEM)/2])
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, in []byte) {
		cert, err := ParseCertificatePEM(in)
		if err != nil {
			if awsCode(err) == "" {
				t.Fatalf("ParseCertificatePEM error %v is not an AWS error", err)
			}
			return
		}
		if len(CertificateID(cert.Raw)) != 64 {
			t.Fatal("certificate id is not 64 hex digits")
		}
		SubjectAttributes(cert)
		IssuerAttributes(cert)
		_, _ = FindIssuer(cert, []*x509.Certificate{ca.Cert})
		_ = VerifyRegistrationCode(in, ca.CertPEM(), "code")
	})
}
