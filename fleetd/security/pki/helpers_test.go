package pki

import (
	"crypto"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"io"
	mathrand "math/rand/v2"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// testNow is the fixed "now" of every test: nothing here reads the clock.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seeded returns a deterministic random stream.
func seeded(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return mathrand.NewChaCha8(s)
}

func newTestCA(tb testing.TB, opts CAOptions) *CA {
	tb.Helper()
	ca, err := NewCA(testNow, seeded(1), opts)
	if err != nil {
		tb.Fatalf("NewCA: %v", err)
	}
	return ca
}

func issueDevice(tb testing.TB, ca *CA, subject pkix.Name) *Issued {
	tb.Helper()
	is, err := IssueDeviceCert(ca, testNow, seeded(2), subject)
	if err != nil {
		tb.Fatalf("IssueDeviceCert: %v", err)
	}
	return is
}

// makeCSR returns a PEM CSR signed by key.
func makeCSR(tb testing.TB, key crypto.Signer, subject pkix.Name) []byte {
	tb.Helper()
	der, err := x509.CreateCertificateRequest(crand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		tb.Fatalf("CreateCertificateRequest: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// corruptSignature flips the last byte of a PEM object, which lies in its
// signature: the DER still parses, the signature no longer verifies.
func corruptSignature(tb testing.TB, pemBytes []byte) []byte {
	tb.Helper()
	block, _ := pem.Decode(pemBytes)
	der := append([]byte(nil), block.Bytes...)
	der[len(der)-1] ^= 0x01
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})
}

// awsCode returns the AWS error code of err, or "" for a non-AWS error.
func awsCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}
