package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeThings is an in-memory Things: things with their static groups
// (ancestors included, as the core reports them) and groups with their
// ancestors.
type fakeThings struct {
	things  map[string]ThingInfo
	groups  map[string][]string
	dynamic map[string]bool
}

func newFakeThings() *fakeThings {
	return &fakeThings{things: map[string]ThingInfo{}, groups: map[string][]string{}, dynamic: map[string]bool{}}
}

func (f *fakeThings) Thing(name string) (ThingInfo, bool) {
	info, ok := f.things[name]
	return info, ok
}

func (f *fakeThings) DynamicThingGroup(name string) bool { return f.dynamic[name] }

func (f *fakeThings) ThingGroup(name string) ([]string, bool) {
	anc, ok := f.groups[name]
	return anc, ok
}

// addGroup adds a group under parent ("" for a root).
func (f *fakeThings) addGroup(name, parent string) {
	var anc []string
	if parent != "" {
		anc = append([]string{parent}, f.groups[parent]...)
	}
	f.groups[name] = anc
}

// addThing adds a thing in the given direct static groups.
func (f *fakeThings) addThing(name, typeName string, attrs map[string]string, groups ...string) {
	var all []string
	for _, g := range groups {
		all = append(all, g)
		all = append(all, f.groups[g]...)
	}
	slices.Sort(all)
	f.things[name] = ThingInfo{TypeName: typeName, Attributes: attrs, StaticGroups: slices.Compact(all)}
}

// env is a store with fleetd's CA, a seeded reader and fake things.
type env struct {
	t      testing.TB
	s      *Store
	ca     *pki.CA
	things *fakeThings
	now    time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{1})
	ca, err := pki.NewCA(t0.Add(-time.Hour), rng, pki.CAOptions{CommonName: "FleetLab Test CA"})
	if err != nil {
		t.Fatal(err)
	}
	things := newFakeThings()
	s, err := New(Options{CA: ca, Rand: rng, Things: things})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, s: s, ca: ca, things: things, now: t0}
}

// create makes a certificate with CreateKeysAndCertificate.
func (e *env) create(active bool) CreateKeysAndCertificateResponse {
	e.t.Helper()
	resp, err := e.s.CreateKeysAndCertificate(CreateKeysAndCertificateRequest{SetAsActive: active}, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func (e *env) policy(name, doc string) {
	e.t.Helper()
	if _, err := e.s.CreatePolicy(CreatePolicyRequest{PolicyName: name, PolicyDocument: doc}, e.now); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) attach(policyName, target string) {
	e.t.Helper()
	if err := e.s.AttachPolicy(AttachPolicyRequest{PolicyName: policyName, Target: target}, e.now); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) attachThing(thing, principal string) {
	e.t.Helper()
	if err := e.s.AttachThingPrincipal(AttachThingPrincipalRequest{ThingName: thing, Principal: principal}, e.now); err != nil {
		e.t.Fatal(err)
	}
}

// customerCA makes a CA outside fleetd, as a customer would bring.
func customerCA(t testing.TB, cn string) *pki.CA {
	t.Helper()
	ca, err := pki.NewCA(t0.Add(-time.Hour), crand.Reader, pki.CAOptions{CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// signedBy issues a device certificate from ca and returns its PEM.
func signedBy(t testing.TB, ca *pki.CA, cn string) string {
	t.Helper()
	is, err := pki.IssueDeviceCert(ca, t0, crand.Reader, pkix.Name{CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	return string(is.PEM)
}

// registerCA registers ca in DEFAULT mode with a valid verification
// certificate.
func (e *env) registerCA(ca *pki.CA, active bool) string {
	e.t.Helper()
	code, err := e.s.GetRegistrationCode(GetRegistrationCodeRequest{}, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.s.RegisterCACertificate(RegisterCACertificateRequest{
		CaCertificate: string(ca.CertPEM()), VerificationCertificate: signedBy(e.t, ca, code.RegistrationCode),
		SetAsActive: active,
	}, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.CertificateId
}

func newCSR(t testing.TB, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(crand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// code returns the AWS code of err, "" for nil and "<plain>" otherwise.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "<plain>"
}

// checkErr compares an error's code and, when msg is set, a fragment of
// its message.
func checkErr(t *testing.T, what string, err error, wantCode, msg string) {
	t.Helper()
	if got := code(err); got != wantCode {
		t.Errorf("%s: error %v; want code %q", what, err, wantCode)
		return
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: error %q; want it to contain %q", what, err.Error(), msg)
	}
}

func ptr[T any](v T) *T { return &v }

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}`
