package provision

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// The engine's Registry is exactly a subset of the registry's methods.
var _ Registry = (*registry.Registry)(nil)

// fakeRegistry is the in-memory registry the tests provision into: the
// real fleetd/registry (so validation and idempotence are AWS's), plus the
// identity.Things view the identity store asks, as the core would give.
type fakeRegistry struct {
	*registry.Registry
	calls int
}

func (f *fakeRegistry) Thing(name string) (identity.ThingInfo, bool) {
	v, ok := f.View(name)
	if !ok {
		return identity.ThingInfo{}, false
	}
	return identity.ThingInfo{TypeName: v.ThingTypeName, Attributes: v.Attributes.Map(), StaticGroups: v.GroupNames}, true
}

func (f *fakeRegistry) DynamicThingGroup(name string) bool {
	_, dynamic := f.DynamicGroup(name)
	return dynamic
}

func (f *fakeRegistry) ThingGroup(name string) ([]string, bool) {
	return nil, f.ThingGroupExists(name)
}

func (f *fakeRegistry) CreateThing(req registry.CreateThingRequest, now time.Time) (registry.CreateThingResponse, error) {
	f.calls++
	return f.Registry.CreateThing(req, now)
}

// recordingSink keeps every effect.
type recordingSink struct {
	published []publication
	events    []Event
	dirty     map[string]bool
	objects   map[string][]byte // "bucket/key" → content
}

type publication struct {
	topic   string
	payload []byte
}

func newSink() *recordingSink {
	return &recordingSink{dirty: map[string]bool{}, objects: map[string][]byte{}}
}

func (s *recordingSink) Publish(topic string, payload []byte) {
	s.published = append(s.published, publication{topic, payload})
}
func (s *recordingSink) Event(e Event)    { s.events = append(s.events, e) }
func (s *recordingSink) Dirty(key string) { s.dirty[key] = true }
func (s *recordingSink) AppendObject(bucket, key string, data []byte) {
	s.objects[bucket+"/"+key] = append(s.objects[bucket+"/"+key], data...)
}

func (s *recordingSink) eventsOf(kind EventKind) []Event {
	var out []Event
	for _, e := range s.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// fakeHooks records hook calls; tests answer them with HookResult.
type fakeHooks struct{ calls []HookCall }

func (h *fakeHooks) CallHook(c HookCall) { h.calls = append(h.calls, c) }

// env is an engine over a real identity store (fleetd's CA) and the fake
// registry.
// lateTemplates lets the identity store ask an engine created after it,
// as the core does.
type lateTemplates struct{ e *Engine }

func (l *lateTemplates) CheckJITPTemplate(name string) error { return l.e.CheckJITPTemplate(name) }

type env struct {
	t     testing.TB
	e     *Engine
	id    *identity.Store
	reg   *fakeRegistry
	sink  *recordingSink
	hooks *fakeHooks
	ca    *pki.CA
	now   time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{7})
	ca, err := pki.NewCA(t0.Add(-time.Hour), rng, pki.CAOptions{CommonName: "FleetLab Test CA"})
	if err != nil {
		t.Fatal(err)
	}
	reg := &fakeRegistry{Registry: registry.New(registry.Options{Seed: 1})}
	templates := &lateTemplates{}
	id, err := identity.New(identity.Options{CA: ca, Rand: rng, Things: reg, Templates: templates})
	if err != nil {
		t.Fatal(err)
	}
	sink, hooks := newSink(), &fakeHooks{}
	e := New(Options{Identity: id, Registry: reg, Sink: sink, Hooks: hooks})
	templates.e = e
	return &env{t: t, e: e, id: id, reg: reg, sink: sink, hooks: hooks, ca: ca, now: t0}
}

func (v *env) group(name string) {
	v.t.Helper()
	if _, err := v.reg.CreateThingGroup(registry.CreateThingGroupRequest{ThingGroupName: name}, v.now); err != nil {
		v.t.Fatal(err)
	}
}

func (v *env) billingGroup(name string) {
	v.t.Helper()
	if _, err := v.reg.CreateBillingGroup(registry.CreateBillingGroupRequest{BillingGroupName: name}, v.now); err != nil {
		v.t.Fatal(err)
	}
}

// createTemplate creates an enabled FLEET_PROVISIONING template.
func (v *env) createTemplate(name, body string, tags ...registry.Tag) {
	v.t.Helper()
	_, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: name, TemplateBody: body,
		Enabled: true, ProvisioningRoleArn: roleArn, Tags: tags})
	if err != nil {
		v.t.Fatal(err)
	}
}

// claim runs $aws/certificates/create/json and returns the answer.
func (v *env) claim() identity.ClaimCertificate {
	v.t.Helper()
	topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, "$aws/certificates/create/json", nil)
	if topic != "$aws/certificates/create/json/accepted" {
		v.t.Fatalf("create: %s %s", topic, payload)
	}
	var out identity.ClaimCertificate
	if err := json.Unmarshal(payload, &out); err != nil {
		v.t.Fatal(err)
	}
	return out
}

// provision publishes a RegisterThing and returns the response topic
// suffix ("accepted"/"rejected"/"" when pending) and the payload.
func (v *env) provision(tmpl, token string, params map[string]string) (string, map[string]any) {
	v.t.Helper()
	return v.provisionAs(claimCert, tmpl, token, params)
}

func (v *env) provisionAs(claimCertID, tmpl, token string, params map[string]string) (string, map[string]any) {
	v.t.Helper()
	req, _ := json.Marshal(registerPayload{CertificateOwnershipToken: token, Parameters: params})
	reqTopic := "$aws/provisioning-templates/" + tmpl + "/provision/json"
	topic, payload := v.e.HandleMQTT(v.now, "client", claimCertID, reqTopic, req)
	return decodeReply(v.t, reqTopic, topic, payload)
}

func decodeReply(t testing.TB, reqTopic, topic string, payload []byte) (string, map[string]any) {
	t.Helper()
	if topic == "" {
		return "", nil
	}
	suffix, ok := strings.CutPrefix(topic, reqTopic+"/")
	if !ok {
		t.Fatalf("response topic %q does not answer %q", topic, reqTopic)
	}
	var out map[string]any
	if err := json.Unmarshal(payload, &out); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return suffix, out
}

const (
	roleArn   = "arn:aws:iam::123456789012:role/Provisioning"
	claimCert = "c1a1m0000000000000000000000000000000000000000000000000000000000a"
)

const allowConnect = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}`

// fleetTemplate names the thing after the serial, puts it in group
// "fleet", creates a policy from a document and activates the claimed
// certificate.
const fleetTemplate = `{
  "Parameters": {
    "SerialNumber": {"Type": "String"},
    "Region": {"Type": "String", "Default": "eu-west-1"}
  },
  "Resources": {
    "thing": {
      "Type": "AWS::IoT::Thing",
      "Properties": {
        "ThingName": {"Fn::Join": ["", ["dev-", {"Ref": "SerialNumber"}]]},
        "AttributePayload": {"serial": {"Ref": "SerialNumber"}},
        "ThingGroups": ["fleet"]
      },
      "OverrideSettings": {"AttributePayload": "MERGE", "ThingGroups": "MERGE"}
    },
    "certificate": {
      "Type": "AWS::IoT::Certificate",
      "Properties": {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}
    },
    "policy": {
      "Type": "AWS::IoT::Policy",
      "Properties": {"PolicyDocument": ` + "\"" + `{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}` + "\"" + `}
    }
  },
  "DeviceConfiguration": {"region": {"Ref": "Region"}, "cn": {"Ref": "AWS::IoT::Certificate::CommonName"}}
}`

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

func newCSR(t testing.TB, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(crand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}
