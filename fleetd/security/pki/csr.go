package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// minRSABits is AWS's floor for CSR keys.
const minRSABits = 2048

// parseCSRPEM parses and checks a PEM certificate signing request. Every
// failure is an InvalidRequestException, since the CSR is client input.
func parseCSRPEM(csrPEM []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(csrPEM)
	if block == nil {
		return nil, awserr.New(awserr.InvalidRequest, "Certificate signing request is not in valid PEM format")
	}
	if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, awserr.New(awserr.InvalidRequest,
			"Certificate signing request is not in valid PEM format: found a %q block, expected CERTIFICATE REQUEST", block.Type)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, awserr.New(awserr.InvalidRequest, "Certificate signing request is not valid: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, awserr.New(awserr.InvalidRequest, "Certificate signing request signature does not verify: %v", err)
	}
	switch pub := csr.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := pub.N.BitLen(); bits < minRSABits {
			return nil, awserr.New(awserr.InvalidRequest,
				"Certificate signing request has a %d-bit RSA key; at least %d bits are required", bits, minRSABits)
		}
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() {
			return nil, awserr.New(awserr.InvalidRequest,
				"Certificate signing request has an ECDSA key on %s; only P-256 and P-384 are supported", pub.Curve.Params().Name)
		}
	default:
		return nil, awserr.New(awserr.InvalidRequest,
			"Certificate signing request has a %s key; only RSA and ECDSA are supported", csr.PublicKeyAlgorithm)
	}
	return csr, nil
}
