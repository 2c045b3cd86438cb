package pki

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// RegistrationCodeValidation is the code RegisterCACertificate answers when
// the verification certificate's common name is not the registration code.
// The awserr catalog lacks it; its status is 400.
const RegistrationCodeValidation = "RegistrationCodeValidationException"

// errNoPEM is the server-side (not AWS-shaped) error for a persisted file
// holding no PEM block.
var errNoPEM = errors.New("no PEM data found")

// CertificateID returns AWS's certificate id for a DER certificate: the
// lowercase hex SHA-256 of the DER bytes, 64 characters. It equals
// `openssl x509 -noout -fingerprint -sha256` without colons, lowercased.
func CertificateID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// ParseCertificatePEM parses the first PEM block of pemBytes as an X.509
// certificate. Client mistakes are CertificateValidationException:
// "Certificate is not in valid PEM format" when there is no CERTIFICATE
// block, "Certificate is not valid: …" when the DER does not parse.
func ParseCertificatePEM(pemBytes []byte) (*x509.Certificate, error) {
	return parseCertificatePEM("Certificate", pemBytes)
}

// ParseCACertificatePEM is ParseCertificatePEM for RegisterCACertificate:
// the certificate must also carry BasicConstraints CA:TRUE.
func ParseCACertificatePEM(pemBytes []byte) (*x509.Certificate, error) {
	cert, err := parseCertificatePEM("CA certificate", pemBytes)
	if err != nil {
		return nil, err
	}
	if err := checkIsCA(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

func parseCACertificateBlock(block *pem.Block) (*x509.Certificate, error) {
	cert, err := parseCertificateBlock("CA certificate", block)
	if err != nil {
		return nil, err
	}
	if err := checkIsCA(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

func checkIsCA(cert *x509.Certificate) error {
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return awserr.New(awserr.CertificateValidation, "CA certificate is not valid: it lacks the basic constraint CA:TRUE")
	}
	return nil
}

// parseCertificatePEM names the certificate (what) in its errors, so a
// RegisterCACertificate caller learns which of its two PEMs is wrong.
func parseCertificatePEM(what string, pemBytes []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, awserr.New(awserr.CertificateValidation, "%s is not in valid PEM format", what)
	}
	return parseCertificateBlock(what, block)
}

func parseCertificateBlock(what string, block *pem.Block) (*x509.Certificate, error) {
	if block.Type != "CERTIFICATE" {
		return nil, awserr.New(awserr.CertificateValidation,
			"%s is not in valid PEM format: found a %q block, expected CERTIFICATE", what, block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, awserr.New(awserr.CertificateValidation, "%s is not valid: %v", what, err)
	}
	return cert, nil
}

// CheckValidity reports, as a CertificateValidationException, a
// certificate that is not valid at now.
func CheckValidity(cert *x509.Certificate, now time.Time) error {
	switch {
	case now.Before(cert.NotBefore):
		return awserr.New(awserr.CertificateValidation, "Certificate is not yet valid: it is valid from %s",
			cert.NotBefore.UTC().Format(time.RFC3339))
	case now.After(cert.NotAfter):
		return awserr.New(awserr.CertificateValidation, "Certificate has expired: it was valid until %s",
			cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// FindIssuer returns the index of the CA in cas that issued cert: its
// subject equals cert's issuer and its key verifies cert's signature. The
// signature decides between CAs that share a subject (RegisterCertificate
// without caCertificatePem, JITR); when several match, because they are
// re-issues of one key, the first wins. None matching is a
// CertificateValidationException.
func FindIssuer(cert *x509.Certificate, cas []*x509.Certificate) (int, error) {
	for i, ca := range cas {
		if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
			continue
		}
		if cert.CheckSignatureFrom(ca) == nil {
			return i, nil
		}
	}
	return -1, awserr.New(awserr.CertificateValidation, "Certificate is not signed by any registered CA certificate")
}

// VerifyChain parses a device certificate and candidate CA certificates
// (PEM) and returns the index in caPEMs of the CA that signed it (see
// FindIssuer). It checks signatures only; validity at a time is
// CheckValidity's concern.
func VerifyChain(certPEM []byte, caPEMs [][]byte) (int, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return -1, err
	}
	cas := make([]*x509.Certificate, len(caPEMs))
	for i, p := range caPEMs {
		if cas[i], err = ParseCACertificatePEM(p); err != nil {
			return -1, fmt.Errorf("CA certificate %d: %w", i, err)
		}
	}
	return FindIssuer(cert, cas)
}

// VerifyRegistrationCode checks RegisterCACertificate's proof of possession
// in DEFAULT mode: the verification certificate must be signed by the CA
// certificate's key (CertificateValidationException otherwise) and its
// subject CommonName must equal the account's registration code
// (RegistrationCodeValidationException otherwise).
func VerifyRegistrationCode(verificationCertPEM, caCertPEM []byte, code string) error {
	ca, err := ParseCACertificatePEM(caCertPEM)
	if err != nil {
		return err
	}
	vc, err := parseCertificatePEM("Verification certificate", verificationCertPEM)
	if err != nil {
		return err
	}
	if err := vc.CheckSignatureFrom(ca); err != nil {
		return awserr.New(awserr.CertificateValidation, "Verification certificate is not signed by the CA certificate's key")
	}
	if vc.Subject.CommonName != code {
		return awserr.WithStatus(RegistrationCodeValidation, 400,
			"The verification certificate's common name %q is not the registration code", vc.Subject.CommonName)
	}
	return nil
}

// NewRegistrationCode returns a registration code as GetRegistrationCode
// does: 64 lowercase hex characters from 32 bytes of rand.
func NewRegistrationCode(rand io.Reader) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("pki: registration code: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
