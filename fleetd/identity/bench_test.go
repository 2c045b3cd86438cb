package identity

import (
	"testing"

	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// BenchmarkCreateKeysAndCertificate measures key generation, signing and
// bookkeeping of one CreateKeysAndCertificate.
func BenchmarkCreateKeysAndCertificate(b *testing.B) {
	e := newEnv(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := e.s.CreateKeysAndCertificate(CreateKeysAndCertificateRequest{SetAsActive: true}, e.now); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkAllowed measures one authorization with a warm cache: a
// publish decided by a thing-variable policy of a thing group, behind an
// explicit Deny that does not match.
func BenchmarkAllowed(b *testing.B) {
	e, cert := authEnv(b)
	resource := arnPrefix + "topic/floor/3/temperature"
	if d, err := e.s.Allowed(cert, "dev-1", policy.ActionPublish, resource); err != nil || !d.Allowed {
		b.Fatalf("warm-up: %v, %v", d, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, _ := e.s.Allowed(cert, "dev-1", policy.ActionPublish, resource)
		if !d.Allowed {
			b.Fatal("denied")
		}
	}
}
