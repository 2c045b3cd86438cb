package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultCAYears is how long a generated CA is valid when CAOptions leaves
// Validity zero, in calendar years (now.AddDate).
const DefaultCAYears = 10

// clockSkew backdates every NotBefore so a device whose clock runs a little
// behind the emulator's still accepts a certificate issued a moment ago.
const clockSkew = 5 * time.Minute

// CAOptions configures NewCA. The zero value is the daemon's default.
type CAOptions struct {
	// CommonName defaults to "FleetLab Root CA <8 hex digits of the key's SHA-256>",
	// so successive CAs of one data dir are told apart in openssl output.
	CommonName string
	// Validity defaults to ten calendar years.
	Validity time.Duration
}

// CA is a certificate authority: a self-signed CA certificate and its key.
// The daemon generates one at first start (NewCA), persists MarshalPEM's
// output in its data dir and loads it back with LoadCA.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA generates a self-signed root: an ECDSA P-256 key, KeyUsage
// CertSign|CRLSign, BasicConstraints CA:TRUE. rand supplies the serial
// number (and the key when the runtime honours a custom reader, see doc.go).
func NewCA(now time.Time, rand io.Reader, opts CAOptions) (*CA, error) {
	if opts.Validity < 0 {
		return nil, fmt.Errorf("pki: CA validity %v is negative", opts.Validity)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, fmt.Errorf("pki: generating CA key: %w", err)
	}
	serial, err := newSerial(rand)
	if err != nil {
		return nil, fmt.Errorf("pki: CA serial: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding CA public key: %w", err)
	}
	keyHash := sha256.Sum256(pubDER)
	cn := opts.CommonName
	if cn == "" {
		cn = "FleetLab Root CA " + hex.EncodeToString(keyHash[:4])
	}
	notAfter := now.AddDate(DefaultCAYears, 0, 0)
	if opts.Validity > 0 {
		notAfter = now.Add(opts.Validity)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"FleetLab"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// RFC 5280 method 1 (SHA-1 of the key) is what x509 would derive; we
		// set it explicitly so issued certificates' AuthorityKeyId is stable
		// and tells apart CAs that share a subject.
		SubjectKeyId: keyHash[:20],
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pki: self-signing CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing generated CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// LoadCA parses what MarshalPEM wrote: the CA certificate and its PKCS#8
// private key ("PRIVATE KEY"; SEC1 "EC PRIVATE KEY" and PKCS#1 "RSA PRIVATE
// KEY" are accepted too, for a CA the operator brings). It checks that the
// certificate is a CA and that the key belongs to it.
func LoadCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCACertificatePEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: loading CA certificate: %w", err)
	}
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: loading CA key: %w", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("pki: loading CA: the private key does not match the certificate")
	}
	return &CA{Cert: cert, Key: key}, nil
}

// MarshalPEM returns the CA certificate ("CERTIFICATE") and its private key
// (PKCS#8, "PRIVATE KEY") for the caller to persist; the key file must be
// written with mode 0600.
func (ca *CA) MarshalPEM() (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: encoding CA key: %w", err)
	}
	return ca.CertPEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// CertPEM returns the CA certificate alone, the form devices trust and
// RegisterCACertificate takes.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// ID returns the CA certificate's AWS id (caCertificateId).
func (ca *CA) ID() string { return CertificateID(ca.Cert.Raw) }

// parsePrivateKeyPEM reads the first PEM block as a PKCS#8, SEC1 or PKCS#1
// private key.
func parsePrivateKeyPEM(keyPEM []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, want PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%T cannot sign", key)
	}
	return signer, nil
}
