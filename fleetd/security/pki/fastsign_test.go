package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
)

// TestSignDeviceMatchesCreateCertificate: the fast path's to-be-signed
// certificate is byte for byte what x509.CreateCertificate writes for the
// same template, serial and key, and its signature verifies with the CA.
func TestSignDeviceMatchesCreateCertificate(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	if !canSignFast(ca) {
		t.Fatal("fleetd's own CA must take the fast path")
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name    string
		subject pkix.Name
		usage   x509.KeyUsage
		pub     any
	}{
		{"default subject", pkix.Name{CommonName: DefaultDeviceCommonName}, x509.KeyUsageDigitalSignature, &ecKey.PublicKey},
		{"full subject", pkix.Name{CommonName: "meter-7", Country: []string{"DE", "AT"}, Organization: []string{"Acme"},
			OrganizationalUnit: []string{"Meters"}, Province: []string{"Bavaria"}, SerialNumber: "0042"}, x509.KeyUsageDigitalSignature, &ecKey.PublicKey},
		{"rsa key, key encipherment", pkix.Name{CommonName: "rsa"}, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, &rsaKey.PublicKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serial := bytes.Repeat([]byte{0x5a}, 16)
			tmpl := deviceTemplate(ca, tc.subject, testNow, tc.usage)
			fast, err := signDevice(ca, tmpl, tc.pub, bytes.NewReader(serial))
			if err != nil {
				t.Fatal(err)
			}
			tmpl.SerialNumber = new(big.Int).SetBytes(serial)
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, tc.pub, ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fast.Cert.RawTBSCertificate, slow.RawTBSCertificate) {
				t.Errorf("to-be-signed certificates differ:\nfast %x\nslow %x", fast.Cert.RawTBSCertificate, slow.RawTBSCertificate)
			}
			if err := fast.Cert.CheckSignatureFrom(ca.Cert); err != nil {
				t.Errorf("the fast path's signature: %v", err)
			}
			if fast.ID != CertificateID(fast.Cert.Raw) {
				t.Errorf("ID %s is not the certificate's", fast.ID)
			}
		})
	}
}
