package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"time"
)

// Device certificates are the one thing fleetd signs in bulk (a claim per
// device), and x509.CreateCertificate verifies every signature it makes
// with the CA's public key — half the cost of issuing one. signDevice
// builds the same DER for a device certificate signed by an ECDSA CA and
// signs it once; x509.ParseCertificate then checks its structure. Tests
// hold its output field for field equal to CreateCertificate's and check
// the signature and a TLS handshake.

var (
	oidECDSAWithSHA256     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKeyUsage            = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidAuthorityKeyID      = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtKeyUsageClient   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	ecdsaSHA256AlgorithmID = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
)

type tbsCertificate struct {
	Version            int `asn1:"optional,explicit,default:0,tag:0"`
	SerialNumber       *big.Int
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Issuer             asn1.RawValue
	Validity           certValidity
	Subject            asn1.RawValue
	PublicKey          asn1.RawValue
	Extensions         []pkix.Extension `asn1:"omitempty,optional,explicit,tag:3"`
}

type certValidity struct {
	NotBefore, NotAfter time.Time
}

type signedCertificate struct {
	TBSCertificate     asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	SignatureValue     asn1.BitString
}

type authorityKeyID struct {
	ID []byte `asn1:"optional,tag:0"`
}

// canSignFast reports whether signDevice can sign for this CA: an ECDSA
// key on P-256 with SHA-256, as fleetd's own CA is.
func canSignFast(ca *CA) bool {
	k, ok := ca.Key.(*ecdsa.PrivateKey)
	return ok && k.Curve.Params().BitSize == 256 && ca.Cert.SignatureAlgorithm == x509.ECDSAWithSHA256
}

// signDevice issues a client certificate from a device template (subject,
// validity, key usage, ClientAuth) for pub, signed by ca.
func signDevice(ca *CA, tmpl *x509.Certificate, pub any, rand io.Reader) (*Issued, error) {
	serial, err := newSerial(rand)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key: %w", err)
	}
	subject, err := asn1.Marshal(tmpl.Subject.ToRDNSequence())
	if err != nil {
		return nil, fmt.Errorf("encoding the subject: %w", err)
	}
	exts, err := deviceExtensions(ca, tmpl)
	if err != nil {
		return nil, err
	}
	tbs, err := asn1.Marshal(tbsCertificate{
		Version: 2, SerialNumber: serial, SignatureAlgorithm: ecdsaSHA256AlgorithmID,
		Issuer:   asn1.RawValue{FullBytes: ca.Cert.RawSubject},
		Validity: certValidity{NotBefore: tmpl.NotBefore.UTC(), NotAfter: tmpl.NotAfter.UTC()},
		Subject:  asn1.RawValue{FullBytes: subject}, PublicKey: asn1.RawValue{FullBytes: spki},
		Extensions: exts,
	})
	if err != nil {
		return nil, fmt.Errorf("encoding the certificate: %w", err)
	}
	digest := sha256.Sum256(tbs)
	sig, err := ca.Key.Sign(rand, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	der, err := asn1.Marshal(signedCertificate{TBSCertificate: asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: ecdsaSHA256AlgorithmID, SignatureValue: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, fmt.Errorf("encoding the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate just signed: %w", err)
	}
	return &Issued{Cert: cert, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ID: CertificateID(der)}, nil
}

// deviceExtensions are the extensions x509.CreateCertificate writes for a
// device template: key usage (critical), ClientAuth, and the CA's key id.
func deviceExtensions(ca *CA, tmpl *x509.Certificate) ([]pkix.Extension, error) {
	var exts []pkix.Extension
	if tmpl.KeyUsage != 0 {
		var a [2]byte
		a[0] = reverseBits(byte(tmpl.KeyUsage))
		a[1] = reverseBits(byte(tmpl.KeyUsage >> 8))
		b := a[:1]
		if a[1] != 0 {
			b = a[:2]
		}
		v, err := asn1.Marshal(asn1.BitString{Bytes: b, BitLength: bitLength(b)})
		if err != nil {
			return nil, err
		}
		exts = append(exts, pkix.Extension{Id: oidKeyUsage, Critical: true, Value: v})
	}
	v, err := asn1.Marshal([]asn1.ObjectIdentifier{oidExtKeyUsageClient})
	if err != nil {
		return nil, err
	}
	exts = append(exts, pkix.Extension{Id: oidExtKeyUsage, Value: v})
	if len(ca.Cert.SubjectKeyId) > 0 {
		v, err := asn1.Marshal(authorityKeyID{ID: ca.Cert.SubjectKeyId})
		if err != nil {
			return nil, err
		}
		exts = append(exts, pkix.Extension{Id: oidAuthorityKeyID, Value: v})
	}
	return exts, nil
}

func reverseBits(b byte) byte {
	var r byte
	for range 8 {
		r = r<<1 | b&1
		b >>= 1
	}
	return r
}

// bitLength is the length of a bit string without its trailing zeros.
func bitLength(b []byte) int {
	n := len(b) * 8
	for i := range b {
		x := b[len(b)-1-i]
		for bit := range 8 {
			if (x>>bit)&1 != 0 {
				return n
			}
			n--
		}
	}
	return 0
}
