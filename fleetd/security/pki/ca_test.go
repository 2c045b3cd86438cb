package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

func TestCAPEMRoundTrip(t *testing.T) {
	tests := []struct {
		name         string
		opts         CAOptions
		wantCNPrefix string
		wantNotAfter time.Time
	}{
		{"defaults", CAOptions{}, "FleetLab Root CA ", testNow.AddDate(10, 0, 0)},
		{"custom", CAOptions{CommonName: "Lab CA", Validity: 48 * time.Hour}, "Lab CA", testNow.Add(48 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newTestCA(t, tt.opts)
			certPEM, keyPEM, err := ca.MarshalPEM()
			if err != nil {
				t.Fatalf("MarshalPEM: %v", err)
			}
			if !strings.Contains(string(keyPEM), "-----BEGIN PRIVATE KEY-----") {
				t.Errorf("key PEM is not PKCS#8:\n%s", keyPEM)
			}
			loaded, err := LoadCA(certPEM, keyPEM)
			if err != nil {
				t.Fatalf("LoadCA: %v", err)
			}
			if !loaded.Cert.Equal(ca.Cert) {
				t.Error("LoadCA certificate differs from the generated one")
			}
			if !loaded.Key.(*ecdsa.PrivateKey).Equal(ca.Key) {
				t.Error("LoadCA key differs from the generated one")
			}
			if loaded.ID() != ca.ID() || len(ca.ID()) != 64 {
				t.Errorf("ID() = %q after load, %q before", loaded.ID(), ca.ID())
			}
			c := loaded.Cert
			if cn := c.Subject.CommonName; !strings.HasPrefix(cn, tt.wantCNPrefix) {
				t.Errorf("CommonName = %q; want prefix %q", cn, tt.wantCNPrefix)
			}
			if !c.IsCA || !c.BasicConstraintsValid {
				t.Error("CA certificate lacks BasicConstraints CA:TRUE")
			}
			if want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign; c.KeyUsage != want {
				t.Errorf("KeyUsage = %v; want %v", c.KeyUsage, want)
			}
			if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
				t.Errorf("public key = %T; want ECDSA P-256", c.PublicKey)
			}
			if !c.NotAfter.Equal(tt.wantNotAfter) || !c.NotBefore.Equal(testNow.Add(-clockSkew)) {
				t.Errorf("validity = %v..%v; want %v..%v", c.NotBefore, c.NotAfter, testNow.Add(-clockSkew), tt.wantNotAfter)
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Errorf("CA is not self-signed: %v", err)
			}
		})
	}
}

func TestNewCARejectsNegativeValidity(t *testing.T) {
	if _, err := NewCA(testNow, seeded(1), CAOptions{Validity: -time.Hour}); err == nil {
		t.Error("NewCA(Validity: -1h) succeeded; want an error")
	}
}

func TestLoadCARejects(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	other := newTestCA(t, CAOptions{CommonName: "other"})
	certPEM, keyPEM, _ := ca.MarshalPEM()
	_, otherKeyPEM, _ := other.MarshalPEM()
	device := issueDevice(t, ca, pkix.Name{})
	devKey, _ := device.KeyPair()
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)

	tests := []struct {
		name            string
		certPEM, keyPEM []byte
		wantErr         string
	}{
		{"key of another CA", certPEM, otherKeyPEM, "does not match"},
		{"device certificate", device.PEM, []byte(devKey.PrivateKey), "CA:TRUE"},
		{"garbage certificate", []byte("hello"), keyPEM, "not in valid PEM format"},
		{"garbage key", certPEM, []byte("hello"), "no PEM block"},
		{"public key as key", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), `"PUBLIC KEY"`},
		{"corrupt key", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), "loading CA key"},
	}
	for _, tt := range tests {
		_, err := LoadCA(tt.certPEM, tt.keyPEM)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("LoadCA(%s) = %v; want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
}

// A device CA's own key in SEC1 form ("EC PRIVATE KEY") loads too: an
// operator may bring a CA made with openssl.
func TestLoadCAAcceptsSEC1Key(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	kp, err := KeyPairPEM(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(ca.CertPEM(), []byte(kp.PrivateKey)); err != nil {
		t.Errorf("LoadCA(SEC1 key) = %v", err)
	}
}
