package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestCertificateID(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	dev := issueDevice(t, ca, pkix.Name{})
	for _, der := range [][]byte{ca.Cert.Raw, dev.Cert.Raw, {}} {
		sum := sha256.Sum256(der)
		want := hex.EncodeToString(sum[:])
		got := CertificateID(der)
		if got != want || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(got) {
			t.Errorf("CertificateID = %q; want %q", got, want)
		}
	}
}

// TestCertificateIDMatchesOpenSSL compares with the fingerprint operators
// see: `openssl x509 -noout -fingerprint -sha256`.
func TestCertificateIDMatchesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dev := issueDevice(t, newTestCA(t, CAOptions{}), pkix.Name{CommonName: "thing-1"})
	cmd := exec.Command(openssl, "x509", "-noout", "-fingerprint", "-sha256")
	cmd.Stdin = strings.NewReader(string(dev.PEM))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	// "sha256 Fingerprint=AB:CD:…" (OpenSSL 3) or "SHA256 Fingerprint=…" (1.1).
	_, fp, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
	got := strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	if !ok || got != dev.ID {
		t.Errorf("openssl fingerprint %q; want %q", out, dev.ID)
	}
}

func TestParseCertificatePEMErrors(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	_, keyPEM, _ := ca.MarshalPEM()
	tests := []struct {
		name    string
		in      []byte
		wantMsg string // "" = parses
	}{
		{"valid", ca.CertPEM(), ""},
		{"valid with surrounding text", []byte("subject=…\n" + string(ca.CertPEM()) + "\n\n"), ""},
		{"empty", nil, "Certificate is not in valid PEM format"},
		{"garbage", []byte("not a certificate"), "Certificate is not in valid PEM format"},
		{"base64 without armour", []byte(strings.Join(strings.Split(string(ca.CertPEM()), "\n")[1:4], "\n")), "Certificate is not in valid PEM format"},
		{"truncated armour", ca.CertPEM()[:200], "Certificate is not in valid PEM format"},
		{"private key", keyPEM, `Certificate is not in valid PEM format: found a "PRIVATE KEY" block, expected CERTIFICATE`},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), "Certificate is not valid: "},
	}
	for _, tt := range tests {
		cert, err := ParseCertificatePEM(tt.in)
		if tt.wantMsg == "" {
			if err != nil || cert == nil {
				t.Errorf("ParseCertificatePEM(%s) = %v", tt.name, err)
			}
			continue
		}
		e, ok := awserr.As(err)
		if !ok || e.Code != awserr.CertificateValidation || e.Status != 400 || !strings.HasPrefix(e.Message, tt.wantMsg) {
			t.Errorf("ParseCertificatePEM(%s) = %v; want CertificateValidationException %q…", tt.name, err, tt.wantMsg)
		}
	}
}

func TestCheckValidity(t *testing.T) {
	dev := issueDevice(t, newTestCA(t, CAOptions{}), pkix.Name{})
	tests := []struct {
		now     time.Time
		wantMsg string
	}{
		{testNow, ""},
		{testNow.Add(-clockSkew), ""},
		{testNow.Add(-clockSkew - time.Second), "Certificate is not yet valid"},
		{dev.Cert.NotAfter, ""},
		{dev.Cert.NotAfter.Add(time.Second), "Certificate has expired"},
	}
	for _, tt := range tests {
		err := CheckValidity(dev.Cert, tt.now)
		if tt.wantMsg == "" && err != nil || tt.wantMsg != "" && (awsCode(err) != awserr.CertificateValidation || !strings.Contains(err.Error(), tt.wantMsg)) {
			t.Errorf("CheckValidity(%v) = %v; want %q", tt.now, err, tt.wantMsg)
		}
	}
	if got := ValidityOf(dev.Cert); !got.NotBefore.Equal(dev.Cert.NotBefore) || !got.NotAfter.Equal(dev.Cert.NotAfter) {
		t.Errorf("ValidityOf = %+v", got)
	}
}

func TestVerifyRegistrationCode(t *testing.T) {
	ca := newTestCA(t, CAOptions{CommonName: "Customer Root"})
	other := newTestCA(t, CAOptions{CommonName: "Customer Root"}) // same name, another key
	code, err := NewRegistrationCode(seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	verification := issueDevice(t, ca, pkix.Name{CommonName: code}).PEM
	device := issueDevice(t, ca, pkix.Name{})

	tests := []struct {
		name                   string
		verification, caPEM    []byte
		code                   string
		wantCode, wantMsgStart string // wantCode "" = accepted
	}{
		{"accepted", verification, ca.CertPEM(), code, "", ""},
		{"wrong code", verification, ca.CertPEM(), strings.Repeat("0", 64), RegistrationCodeValidation, "The verification certificate's common name"},
		{"CN is not the code", device.PEM, ca.CertPEM(), code, RegistrationCodeValidation, `The verification certificate's common name "AWS IoT Certificate"`},
		{"signed by another key", issueDevice(t, other, pkix.Name{CommonName: code}).PEM, ca.CertPEM(), code, awserr.CertificateValidation, "Verification certificate is not signed"},
		{"tampered signature", corruptSignature(t, verification), ca.CertPEM(), code, awserr.CertificateValidation, "Verification certificate is not signed"},
		{"verification garbage", []byte("nope"), ca.CertPEM(), code, awserr.CertificateValidation, "Verification certificate is not in valid PEM format"},
		{"CA garbage", verification, []byte("nope"), code, awserr.CertificateValidation, "CA certificate is not in valid PEM format"},
		{"CA is not a CA", verification, device.PEM, code, awserr.CertificateValidation, "CA certificate is not valid"},
	}
	for _, tt := range tests {
		err := VerifyRegistrationCode(tt.verification, tt.caPEM, tt.code)
		if tt.wantCode == "" {
			if err != nil {
				t.Errorf("VerifyRegistrationCode(%s) = %v; want nil", tt.name, err)
			}
			continue
		}
		e, ok := awserr.As(err)
		if !ok || e.Code != tt.wantCode || e.Status != 400 || !strings.HasPrefix(e.Message, tt.wantMsgStart) {
			t.Errorf("VerifyRegistrationCode(%s) = %v; want %s (400) %q…", tt.name, err, tt.wantCode, tt.wantMsgStart)
		}
	}
}

func TestNewRegistrationCode(t *testing.T) {
	a, _ := NewRegistrationCode(seeded(5))
	b, _ := NewRegistrationCode(seeded(5))
	if a != b || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) {
		t.Errorf("NewRegistrationCode = %q, %q; want the same 64 hex digits", a, b)
	}
	if _, err := NewRegistrationCode(strings.NewReader("short")); err == nil {
		t.Error("NewRegistrationCode(short reader) succeeded")
	}
}

// Several registered CAs may share a subject (a re-keyed CA, or two
// customers' roots both named "Device Root"); the signature decides.
func TestVerifyChainSharedSubject(t *testing.T) {
	caA := newTestCA(t, CAOptions{CommonName: "Device Root"})
	caB := newTestCA(t, CAOptions{CommonName: "Device Root"})
	caC := newTestCA(t, CAOptions{CommonName: "Unrelated Root"})
	if caA.Cert.Subject.String() != caB.Cert.Subject.String() {
		t.Fatal("test CAs do not share a subject")
	}
	devA := issueDevice(t, caA, pkix.Name{CommonName: "a"})
	devB := issueDevice(t, caB, pkix.Name{CommonName: "b"})
	devC := issueDevice(t, caC, pkix.Name{CommonName: "c"})
	tests := []struct {
		name   string
		device []byte
		cas    [][]byte
		want   int // -1 = no issuer
	}{
		{"A among A,B", devA.PEM, [][]byte{caA.CertPEM(), caB.CertPEM()}, 0},
		{"A among B,A", devA.PEM, [][]byte{caB.CertPEM(), caA.CertPEM()}, 1},
		{"B among A,B", devB.PEM, [][]byte{caA.CertPEM(), caB.CertPEM()}, 1},
		{"B among A,C", devB.PEM, [][]byte{caA.CertPEM(), caC.CertPEM()}, -1},
		{"C among A,B,C", devC.PEM, [][]byte{caA.CertPEM(), caB.CertPEM(), caC.CertPEM()}, 2},
		{"tampered A", corruptSignature(t, devA.PEM), [][]byte{caA.CertPEM(), caB.CertPEM()}, -1},
		{"no CAs", devA.PEM, nil, -1},
	}
	for _, tt := range tests {
		got, err := VerifyChain(tt.device, tt.cas)
		if got != tt.want || (tt.want < 0) != (awsCode(err) == awserr.CertificateValidation) {
			t.Errorf("VerifyChain(%s) = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range [][][]byte{{[]byte("junk")}, {caA.CertPEM(), devB.PEM}} {
		if _, err := VerifyChain(devA.PEM, bad); awsCode(err) != awserr.CertificateValidation {
			t.Errorf("VerifyChain with a bad CA PEM = %v; want CertificateValidationException", err)
		}
	}
	if _, err := VerifyChain([]byte("junk"), [][]byte{caA.CertPEM()}); awsCode(err) != awserr.CertificateValidation {
		t.Errorf("VerifyChain(junk) = %v; want CertificateValidationException", err)
	}
}

// A rotation keeps the retired CA in the trust pool: devices it signed keep
// verifying until the operator removes it.
func TestPoolRotation(t *testing.T) {
	oldCA := newTestCA(t, CAOptions{})
	oldDevice := issueDevice(t, oldCA, pkix.Name{CommonName: "old"})
	newCA, err := NewCA(testNow.Add(24*time.Hour), seeded(7), CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newDevice := issueDevice(t, newCA, pkix.Name{CommonName: "new"})

	trust := NewPool(newCA.Cert, oldCA.Cert, newCA.Cert)
	if trust.Len() != 2 || trust.Add(oldCA.Cert) {
		t.Fatalf("pool has %d certificates; want 2, duplicates dropped", trust.Len())
	}
	reloaded, err := ParsePoolPEM(trust.MarshalPEM())
	if err != nil || reloaded.Len() != 2 {
		t.Fatalf("ParsePoolPEM(MarshalPEM()) = %v, %v", reloaded, err)
	}
	verifies := func(p *Pool, dev *Issued) bool {
		_, err := dev.Cert.Verify(x509.VerifyOptions{Roots: p.CertPool(), CurrentTime: testNow.Add(48 * time.Hour),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		return err == nil
	}
	for _, dev := range []*Issued{oldDevice, newDevice} {
		if !verifies(reloaded, dev) {
			t.Errorf("device %q does not verify against the rotated pool", dev.Cert.Subject.CommonName)
		}
	}
	if issuer, err := reloaded.Issuer(oldDevice.Cert); err != nil || CertificateID(issuer.Raw) != oldCA.ID() {
		t.Errorf("Issuer(old device) = %v; want the old CA", err)
	}
	if !reloaded.Remove(oldCA.ID()) || reloaded.Remove(oldCA.ID()) {
		t.Error("Remove(old CA) did not remove it exactly once")
	}
	if verifies(reloaded, oldDevice) || !verifies(reloaded, newDevice) {
		t.Error("after removing the old CA, only the new CA's devices should verify")
	}
	if _, err := reloaded.Issuer(oldDevice.Cert); awsCode(err) != awserr.CertificateValidation {
		t.Errorf("Issuer(old device) after removal = %v; want CertificateValidationException", err)
	}
	if got := reloaded.Certs(); len(got) != 1 || !got[0].Equal(newCA.Cert) {
		t.Errorf("Certs() = %d certificates; want the new CA", len(got))
	}
}

func TestParsePoolPEMRejects(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	dev := issueDevice(t, ca, pkix.Name{})
	for name, in := range map[string][]byte{
		"empty":          nil,
		"garbage":        []byte("garbage"),
		"non-CA inside":  append(ca.CertPEM(), dev.PEM...),
		"corrupt second": append(ca.CertPEM(), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")})...),
	} {
		if p, err := ParsePoolPEM(in); err == nil {
			t.Errorf("ParsePoolPEM(%s) = %d certificates; want an error", name, p.Len())
		}
	}
}
