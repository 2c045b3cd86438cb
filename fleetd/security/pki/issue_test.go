package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

func TestServerCertVerifies(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	srv, err := IssueServerCert(ca, []string{"mqtt.fleetlab.test", "10.1.2.3", "localhost"}, testNow, seeded(3))
	if err != nil {
		t.Fatalf("IssueServerCert: %v", err)
	}
	opts := x509.VerifyOptions{
		Roots:       NewPool(ca.Cert).CertPool(),
		CurrentTime: testNow,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	tests := []struct {
		host string
		ok   bool
	}{
		{"localhost", true},
		{"127.0.0.1", true},
		{"::1", true},
		{"mqtt.fleetlab.test", true},
		{"10.1.2.3", true},
		{"other.fleetlab.test", false},
		{"10.1.2.4", false},
	}
	for _, tt := range tests {
		opts.DNSName = tt.host
		_, err := srv.Cert.Verify(opts)
		if (err == nil) != tt.ok {
			t.Errorf("Verify(DNSName %q) = %v; want ok=%v", tt.host, err, tt.ok)
		}
	}
	if got, want := srv.Cert.DNSNames, []string{"mqtt.fleetlab.test", "localhost"}; !equalStrings(got, want) {
		t.Errorf("DNSNames = %q; want %q (deduplicated)", got, want)
	}
	if len(srv.Cert.IPAddresses) != 3 {
		t.Errorf("IPAddresses = %v; want 10.1.2.3, 127.0.0.1, ::1", srv.Cert.IPAddresses)
	}
	opts.DNSName, opts.CurrentTime = "localhost", testNow.Add(ServerCertValidity+time.Minute)
	if _, err := srv.Cert.Verify(opts); err == nil {
		t.Error("server certificate still verifies after ServerCertValidity")
	}
}

func equalStrings(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestServerCertRejectsBadHosts(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	for _, hosts := range [][]string{{""}, {"  "}, {"a b"}, {"http://x"}} {
		if _, err := IssueServerCert(ca, hosts, testNow, seeded(3)); err == nil {
			t.Errorf("IssueServerCert(%q) succeeded; want an error", hosts)
		}
	}
	srv, err := IssueServerCert(ca, nil, testNow, seeded(3))
	if err != nil || srv.Cert.Subject.CommonName != "localhost" {
		t.Errorf("IssueServerCert(nil) = %v, CN %q; want CN localhost", err, srv.Cert.Subject.CommonName)
	}
}

func TestDeviceCert(t *testing.T) {
	shortCA := newTestCA(t, CAOptions{})                                   // ends 2036, before AWS's 2049
	longCA := newTestCA(t, CAOptions{Validity: 40 * 365 * 24 * time.Hour}) // outlives 2049
	tests := []struct {
		name         string
		ca           *CA
		subject      pkix.Name
		wantCN       string
		wantNotAfter time.Time
	}{
		{"AWS default subject", longCA, pkix.Name{}, "AWS IoT Certificate", awsDeviceNotAfter},
		{"capped to CA", shortCA, pkix.Name{CommonName: "sensor-1"}, "sensor-1", shortCA.Cert.NotAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := issueDevice(t, tt.ca, tt.subject)
			c := dev.Cert
			if c.Subject.CommonName != tt.wantCN {
				t.Errorf("CommonName = %q; want %q", c.Subject.CommonName, tt.wantCN)
			}
			if !c.NotAfter.Equal(tt.wantNotAfter) || !c.NotBefore.Equal(testNow.Add(-clockSkew)) {
				t.Errorf("validity = %v..%v; want %v..%v", c.NotBefore, c.NotAfter, testNow.Add(-clockSkew), tt.wantNotAfter)
			}
			if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("ExtKeyUsage = %v; want [ClientAuth]", c.ExtKeyUsage)
			}
			if c.IsCA {
				t.Error("device certificate is a CA")
			}
			if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
				t.Errorf("serial %v is not a positive 128-bit number", c.SerialNumber)
			}
			if dev.ID != CertificateID(c.Raw) {
				t.Errorf("ID = %q; want CertificateID of the DER", dev.ID)
			}
			if _, err := c.Verify(x509.VerifyOptions{Roots: NewPool(tt.ca.Cert).CertPool(), CurrentTime: testNow,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("device certificate does not verify against its CA: %v", err)
			}
			checkKeyPairPEM(t, dev)
		})
	}
}

// checkKeyPairPEM checks the AWS KeyPair shapes and that they belong to the
// certificate.
func checkKeyPairPEM(t *testing.T, dev *Issued) {
	t.Helper()
	kp, err := dev.KeyPair()
	if err != nil {
		t.Fatalf("KeyPair: %v", err)
	}
	pubBlock, _ := pem.Decode([]byte(kp.PublicKey))
	if pubBlock == nil || pubBlock.Type != "PUBLIC KEY" {
		t.Fatalf("PublicKey is not a PUBLIC KEY PEM:\n%s", kp.PublicKey)
	}
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil || !pub.(*ecdsa.PublicKey).Equal(dev.Cert.PublicKey) {
		t.Errorf("PublicKey = %v, %v; want the certificate's key", pub, err)
	}
	privBlock, _ := pem.Decode([]byte(kp.PrivateKey))
	if privBlock == nil || privBlock.Type != "EC PRIVATE KEY" {
		t.Fatalf("PrivateKey is not an EC PRIVATE KEY PEM:\n%s", kp.PrivateKey)
	}
	if _, err := tls.X509KeyPair(dev.PEM, []byte(kp.PrivateKey)); err != nil {
		t.Errorf("tls.X509KeyPair(certificatePem, PrivateKey) = %v", err)
	}
}

func TestKeyPairPEMShapes(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	_, edKey, _ := ed25519.GenerateKey(crand.Reader)
	tests := []struct {
		key  crypto.Signer
		want string
	}{
		{rsaKey, "RSA PRIVATE KEY"},
		{ecKey, "EC PRIVATE KEY"},
		{edKey, "PRIVATE KEY"},
	}
	for _, tt := range tests {
		kp, err := KeyPairPEM(tt.key)
		if err != nil {
			t.Fatalf("KeyPairPEM(%T): %v", tt.key, err)
		}
		priv, _ := pem.Decode([]byte(kp.PrivateKey))
		pub, _ := pem.Decode([]byte(kp.PublicKey))
		if priv == nil || priv.Type != tt.want || pub == nil || pub.Type != "PUBLIC KEY" {
			t.Errorf("KeyPairPEM(%T) = %q / %q; want %s / PUBLIC KEY", tt.key, kp.PrivateKey[:32], kp.PublicKey[:26], tt.want)
		}
		back, err := parsePrivateKeyPEM([]byte(kp.PrivateKey))
		if err != nil || !back.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.key.Public()) {
			t.Errorf("KeyPairPEM(%T) private key does not parse back: %v", tt.key, err)
		}
	}
}

// TestMutualTLSOverPipe runs a real TLS 1.3 handshake: the MQTT server's
// certificate against the device's trust in the CA, and the device's client
// certificate against the server's trust pool.
func TestMutualTLSOverPipe(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	stranger := newTestCA(t, CAOptions{CommonName: ca.Cert.Subject.CommonName}) // same name, other key
	srv, err := IssueServerCert(ca, nil, testNow, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		device *Issued
		ok     bool
	}{
		{"device of the CA", issueDevice(t, ca, pkix.Name{CommonName: "thing-1"}), true},
		{"device of a same-named CA", issueDevice(t, stranger, pkix.Name{CommonName: "thing-1"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trust := NewPool(ca.Cert)
			serverConf := &tls.Config{
				Certificates: []tls.Certificate{srv.TLSCertificate()},
				ClientAuth:   tls.RequireAndVerifyClientCert,
				ClientCAs:    trust.CertPool(),
				Time:         func() time.Time { return testNow },
			}
			clientConf := &tls.Config{
				Certificates: []tls.Certificate{tt.device.TLSCertificate()},
				RootCAs:      trust.CertPool(),
				ServerName:   "localhost",
				Time:         func() time.Time { return testNow },
			}
			clientSide, serverSide := net.Pipe()
			defer clientSide.Close()
			defer serverSide.Close()
			server := tls.Server(serverSide, serverConf)
			serverDone := make(chan error, 1)
			go func() {
				err := server.Handshake()
				if err == nil {
					// The client learns of a rejected certificate only when
					// it reads; echo one byte so it has something to read.
					_, err = server.Write([]byte{'k'})
				}
				serverSide.Close()
				serverDone <- err
			}()
			client := tls.Client(clientSide, clientConf)
			clientErr := client.Handshake()
			if clientErr == nil {
				var b [1]byte
				_, clientErr = client.Read(b[:])
			}
			serverErr := <-serverDone
			if tt.ok {
				if clientErr != nil || serverErr != nil {
					t.Fatalf("handshake: client %v, server %v", clientErr, serverErr)
				}
				peers := server.ConnectionState().PeerCertificates
				if len(peers) != 1 || CertificateID(peers[0].Raw) != tt.device.ID {
					t.Errorf("server saw peer %v; want the device certificate", peers)
				}
				return
			}
			if serverErr == nil {
				t.Error("server accepted a client certificate from a CA it does not trust")
			}
		})
	}
}

func TestSignCSR(t *testing.T) {
	ca := newTestCA(t, CAOptions{})
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), crand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), crand.Reader)
	rsa2048, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, _ := ed25519.GenerateKey(crand.Reader)
	subject := pkix.Name{CommonName: "thing-7", Organization: []string{"Acme"}, Country: []string{"DE"}}
	ecCSR := makeCSR(t, p256, subject)
	rsaCSR := makeCSR(t, rsa2048, subject)

	tests := []struct {
		name      string
		csr       []byte
		key       crypto.Signer // nil when rejected
		wantUsage x509.KeyUsage
		wantErr   string // message prefix of the InvalidRequestException
	}{
		{"ECDSA P-256", ecCSR, p256, x509.KeyUsageDigitalSignature, ""},
		{"ECDSA P-384", makeCSR(t, p384, subject), p384, x509.KeyUsageDigitalSignature, ""},
		{"RSA 2048", rsaCSR, rsa2048, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ""},
		{"NEW CERTIFICATE REQUEST label", bytes.Replace(ecCSR, []byte("CERTIFICATE REQUEST"), []byte("NEW CERTIFICATE REQUEST"), 2), p256, x509.KeyUsageDigitalSignature, ""},
		{"ECDSA bad signature", corruptSignature(t, ecCSR), nil, 0, "Certificate signing request signature does not verify"},
		{"RSA bad signature", corruptSignature(t, rsaCSR), nil, 0, "Certificate signing request signature does not verify"},
		{"ECDSA P-521", makeCSR(t, p521, subject), nil, 0, "Certificate signing request has an ECDSA key on P-521"},
		{"Ed25519", makeCSR(t, ed, subject), nil, 0, "Certificate signing request has a Ed25519 key"},
		{"empty", nil, nil, 0, "Certificate signing request is not in valid PEM format"},
		{"not PEM", []byte("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"), nil, 0, "Certificate signing request is not in valid PEM format"},
		{"a certificate", ca.CertPEM(), nil, 0, `Certificate signing request is not in valid PEM format: found a "CERTIFICATE" block`},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("junk")}), nil, 0, "Certificate signing request is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is, err := SignCSR(ca, tt.csr, testNow, seeded(4))
			if tt.key == nil {
				if awsCode(err) != awserr.InvalidRequest || !strings.HasPrefix(mustAWS(t, err).Message, tt.wantErr) {
					t.Fatalf("SignCSR = %v; want InvalidRequestException %q…", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignCSR: %v", err)
			}
			c := is.Cert
			if !tt.key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
				t.Error("certificate does not carry the CSR's public key")
			}
			if c.Subject.String() != subject.String() {
				t.Errorf("Subject = %q; want %q", c.Subject, subject)
			}
			if c.KeyUsage != tt.wantUsage {
				t.Errorf("KeyUsage = %v; want %v", c.KeyUsage, tt.wantUsage)
			}
			if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("ExtKeyUsage = %v; want [ClientAuth]", c.ExtKeyUsage)
			}
			if err := c.CheckSignatureFrom(ca.Cert); err != nil {
				t.Errorf("certificate is not signed by the CA: %v", err)
			}
			if is.Key != nil {
				t.Error("Issued.Key is set for a CSR")
			}
			if _, err := is.KeyPair(); err == nil {
				t.Error("KeyPair() of a CSR-signed certificate succeeded")
			}
		})
	}
}

func mustAWS(t *testing.T, err error) *awserr.Error {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("error %v is not an *awserr.Error", err)
	}
	return e
}

func TestSerialNumbers(t *testing.T) {
	a, _ := newSerial(seeded(9))
	b, _ := newSerial(seeded(9))
	c, _ := newSerial(seeded(10))
	if a.Cmp(b) != 0 || a.Cmp(c) == 0 {
		t.Errorf("serials %v, %v, %v: want the same seed to repeat and another to differ", a, b, c)
	}
	tests := []struct {
		name string
		rand *bytes.Reader
	}{
		{"short", bytes.NewReader(make([]byte, 8))},
		{"zero", bytes.NewReader(make([]byte, 16))},
	}
	for _, tt := range tests {
		if s, err := newSerial(tt.rand); err == nil {
			t.Errorf("newSerial(%s reader) = %v; want an error", tt.name, s)
		}
	}
	if _, err := IssueDeviceCert(newTestCA(t, CAOptions{}), testNow, bytes.NewReader(nil), pkix.Name{}); err == nil {
		t.Errorf("IssueDeviceCert(empty rand) = %v; want an error", err)
	}
}

// With the process-wide test randomness fixed as well (Go 1.26 key
// generation and ECDSA signing ignore a custom reader), issuance is
// reproducible byte for byte.
func TestIssuanceIsReproducibleUnderGlobalRandom(t *testing.T) {
	issueOnce := func() []byte {
		cryptotest.SetGlobalRandom(t, 42)
		ca, err := NewCA(testNow, seeded(1), CAOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dev, err := IssueDeviceCert(ca, testNow, seeded(2), pkix.Name{CommonName: "d"})
		if err != nil {
			t.Fatal(err)
		}
		return dev.Cert.Raw
	}
	if !bytes.Equal(issueOnce(), issueOnce()) {
		t.Error("same seeds gave different certificates")
	}
}

func TestIssueWithoutCA(t *testing.T) {
	csr := makeCSR(t, must(ecdsa.GenerateKey(elliptic.P256(), crand.Reader)), pkix.Name{CommonName: "x"})
	for _, ca := range []*CA{nil, {}} {
		if _, err := IssueServerCert(ca, nil, testNow, seeded(1)); err == nil {
			t.Error("IssueServerCert without a CA succeeded")
		}
		if _, err := IssueDeviceCert(ca, testNow, seeded(1), pkix.Name{}); err == nil {
			t.Error("IssueDeviceCert without a CA succeeded")
		}
		if _, err := SignCSR(ca, csr, testNow, seeded(1)); err == nil {
			t.Error("SignCSR without a CA succeeded")
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
