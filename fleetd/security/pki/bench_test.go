package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509/pkix"
	"testing"
)

// The benchmarks use crypto/rand.Reader, as the daemon does. They feed the
// target of 8k claim provisionings per second on 2 cores: one provisioning
// issues one certificate ($aws/certificates/create or create-from-csr).

func BenchmarkIssueDeviceCert(b *testing.B) {
	ca := newTestCA(b, CAOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IssueDeviceCert(ca, testNow, crand.Reader, pkix.Name{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

func BenchmarkSignCSR(b *testing.B) {
	ca := newTestCA(b, CAOptions{})
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	rsaKey, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		key  crypto.Signer
	}{{"ECDSA-P256", ecKey}, {"RSA-2048", rsaKey}} {
		csr := makeCSR(b, bb.key, pkix.Name{CommonName: "bench"})
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SignCSR(ca, csr, testNow, crand.Reader); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
		})
	}
}
