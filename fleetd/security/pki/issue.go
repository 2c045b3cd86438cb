package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"
)

// awsDeviceNotAfter is the NotAfter AWS gives every certificate it issues
// (CreateKeysAndCertificate, fleet provisioning). fleetd uses it too, cut to
// the CA's own NotAfter. Read-only.
var awsDeviceNotAfter = time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)

// ServerCertValidity is how long an MQTT TLS server certificate is valid
// (cut to the CA's NotAfter); the daemon reissues it at start.
const ServerCertValidity = 365 * 24 * time.Hour

// DefaultDeviceCommonName is the subject AWS gives the certificates it
// generates; IssueDeviceCert uses it for an empty subject.
const DefaultDeviceCommonName = "AWS IoT Certificate"

// loopbackHosts are always in a server certificate: the daemon and its
// tests dial localhost.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// Issued is a certificate fleetd signed.
type Issued struct {
	Cert *x509.Certificate // parsed; Cert.Raw is the DER
	PEM  []byte            // "CERTIFICATE" block, the certificatePem AWS returns
	ID   string            // CertificateID(Cert.Raw)
	// Key is the private key fleetd generated with the certificate; nil for
	// SignCSR, where the device keeps its key.
	Key crypto.Signer
}

// KeyPair returns Key in the shape CreateKeysAndCertificate returns.
func (is *Issued) KeyPair() (KeyPair, error) {
	if is.Key == nil {
		return KeyPair{}, errors.New("pki: certificate was signed from a CSR; fleetd holds no private key")
	}
	return KeyPairPEM(is.Key)
}

// TLSCertificate returns the certificate and key for a tls.Config (the
// key is nil for a CSR-signed certificate).
func (is *Issued) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{is.Cert.Raw}, PrivateKey: is.Key, Leaf: is.Cert}
}

// IssueServerCert issues the MQTT (and HTTPS) TLS server certificate: a new
// P-256 key, ExtKeyUsage ServerAuth, SubjectAltNames for hosts (IP literals
// become IP SANs, anything else a DNS name) plus localhost, 127.0.0.1 and
// ::1, which it always covers.
func IssueServerCert(ca *CA, hosts []string, now time.Time, rand io.Reader) (*Issued, error) {
	if err := checkCA(ca); err != nil {
		return nil, fmt.Errorf("pki: issuing server certificate: %w", err)
	}
	var dnsNames []string
	var ips []net.IP
	for _, h := range append(slices.Clone(hosts), loopbackHosts...) {
		h = strings.TrimSpace(h)
		if h == "" || strings.ContainsAny(h, " /") {
			return nil, fmt.Errorf("pki: server certificate host %q is neither a DNS name nor an IP", h)
		}
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if !slices.Contains(dnsNames, h) {
			dnsNames = append(dnsNames, h)
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, fmt.Errorf("pki: generating server key: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: dnsNames[0], Organization: []string{"FleetLab"}},
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    capNotAfter(ca, now.Add(ServerCertValidity)),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    dnsNames,
		IPAddresses: ips,
	}
	is, err := issue(ca, tmpl, &key.PublicKey, rand)
	if err != nil {
		return nil, fmt.Errorf("pki: issuing server certificate: %w", err)
	}
	is.Key = key
	return is, nil
}

// IssueDeviceCert generates a device key pair and its client certificate,
// for CreateKeysAndCertificate and $aws/certificates/create. The key is
// ECDSA P-256 (AWS uses RSA 2048 here; FleetLab decided otherwise, see
// doc.go). An empty subject becomes CN=AWS IoT Certificate, as AWS names its
// certificates.
func IssueDeviceCert(ca *CA, now time.Time, rand io.Reader, subject pkix.Name) (*Issued, error) {
	return IssueDeviceCertUntil(ca, now, rand, subject, awsDeviceNotAfter)
}

// IssueDeviceCertUntil is IssueDeviceCert with a validity ending at
// notAfter (capped at the CA's): CreateProvisioningClaim's certificates
// last five minutes.
func IssueDeviceCertUntil(ca *CA, now time.Time, rand io.Reader, subject pkix.Name, notAfter time.Time) (*Issued, error) {
	if err := checkCA(ca); err != nil {
		return nil, fmt.Errorf("pki: issuing device certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, fmt.Errorf("pki: generating device key: %w", err)
	}
	if len(subject.ToRDNSequence()) == 0 {
		subject = pkix.Name{CommonName: DefaultDeviceCommonName}
	}
	tmpl := deviceTemplate(ca, subject, now, x509.KeyUsageDigitalSignature)
	tmpl.NotAfter = capNotAfter(ca, notAfter)
	is, err := signDeviceCert(ca, tmpl, &key.PublicKey, rand)
	if err != nil {
		return nil, fmt.Errorf("pki: issuing device certificate: %w", err)
	}
	is.Key = key
	return is, nil
}

// SignCSR issues a client certificate for a PEM certificate signing request
// (CreateCertificateFromCsr, $aws/certificates/create-from-csr). The CSR's
// signature must verify, its key must be RSA of at least 2048 bits or ECDSA
// on P-256 or P-384 (AWS's rule); the certificate carries the CSR's public
// key and subject and nothing else from it. CSR mistakes are
// InvalidRequestException.
func SignCSR(ca *CA, csrPEM []byte, now time.Time, rand io.Reader) (*Issued, error) {
	if err := checkCA(ca); err != nil {
		return nil, fmt.Errorf("pki: signing CSR: %w", err)
	}
	csr, err := parseCSRPEM(csrPEM)
	if err != nil {
		return nil, err
	}
	usage := x509.KeyUsageDigitalSignature
	if _, ok := csr.PublicKey.(*rsa.PublicKey); ok {
		usage |= x509.KeyUsageKeyEncipherment // RSA key transport in TLS 1.2
	}
	is, err := signDeviceCert(ca, deviceTemplate(ca, csr.Subject, now, usage), csr.PublicKey, rand)
	if err != nil {
		return nil, fmt.Errorf("pki: signing CSR: %w", err)
	}
	return is, nil
}

func deviceTemplate(ca *CA, subject pkix.Name, now time.Time, usage x509.KeyUsage) *x509.Certificate {
	return &x509.Certificate{
		Subject:     subject,
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    capNotAfter(ca, awsDeviceNotAfter),
		KeyUsage:    usage,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func checkCA(ca *CA) error {
	if ca == nil || ca.Cert == nil || ca.Key == nil {
		return errors.New("no CA")
	}
	return nil
}

// capNotAfter keeps a certificate from outliving the CA that signed it.
func capNotAfter(ca *CA, want time.Time) time.Time {
	if want.After(ca.Cert.NotAfter) {
		return ca.Cert.NotAfter
	}
	return want
}

// signDeviceCert signs a device certificate: on the fast path for fleetd's
// kind of CA (fastsign.go), with x509.CreateCertificate otherwise.
func signDeviceCert(ca *CA, tmpl *x509.Certificate, pub any, rand io.Reader) (*Issued, error) {
	if canSignFast(ca) {
		return signDevice(ca, tmpl, pub, rand)
	}
	return issue(ca, tmpl, pub, rand)
}

// issue completes tmpl with a random serial, signs it with the CA and
// parses the result back.
func issue(ca *CA, tmpl *x509.Certificate, pub any, rand io.Reader) (*Issued, error) {
	serial, err := newSerial(rand)
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate just signed: %w", err)
	}
	return &Issued{
		Cert: cert,
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		ID:   CertificateID(der),
	}, nil
}

// newSerial reads a 128-bit serial number (RFC 5280 allows up to 20
// octets; CA/Browser Forum asks for at least 64 random bits).
func newSerial(rand io.Reader) (*big.Int, error) {
	if rand == nil {
		return nil, errors.New("no random source")
	}
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("reading serial number: %w", err)
	}
	serial := new(big.Int).SetBytes(b[:])
	if serial.Sign() == 0 {
		return nil, errors.New("random source gave a zero serial number")
	}
	return serial, nil
}
