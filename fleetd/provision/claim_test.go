package provision

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// TestClaimFlow is spec §3.3 end to end: create keys with the claim
// certificate, RegisterThing, and the thing exists, in its group, with
// the certificate ACTIVE, the policy attached to it and the certificate
// attached to the thing.
// TestClaimFlowCBOR: the same flow on the …/cbor topics, as the device
// SDKs can speak it; answers come back in CBOR.
func TestClaimFlowCBOR(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, "$aws/certificates/create/cbor", []byte{0xa0}) // {}
	var issued identity.ClaimCertificate
	if err := cbor.Unmarshal(payload, &issued); err != nil || topic != "$aws/certificates/create/cbor/accepted" || issued.CertificateOwnershipToken == "" {
		t.Fatalf("create/cbor → %s %x (%v)", topic, payload, err)
	}
	req, _ := cbor.Marshal(map[string]any{"certificateOwnershipToken": issued.CertificateOwnershipToken,
		"parameters": map[string]string{"SerialNumber": "77"}})
	topic, payload = v.e.HandleMQTT(v.now, "client", claimCert, "$aws/provisioning-templates/factory/provision/cbor", req)
	var accepted registerAccepted
	if err := cbor.Unmarshal(payload, &accepted); err != nil || topic != "$aws/provisioning-templates/factory/provision/cbor/accepted" || accepted.ThingName != "dev-77" {
		t.Fatalf("provision/cbor → %s %x (%v) %+v", topic, payload, err, accepted)
	}
	topic, payload = v.e.HandleMQTT(v.now, "client", claimCert, "$aws/provisioning-templates/factory/provision/cbor", req)
	var r rejection
	if err := cbor.Unmarshal(payload, &r); err != nil || !strings.HasSuffix(topic, "/cbor/rejected") || r.ErrorCode != identity.InvalidOwnershipToken {
		t.Errorf("reused token over cbor → %s %+v (%v)", topic, r, err)
	}
}

func TestClaimFlow(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)

	issued := v.claim()
	if issued.PrivateKey == "" || issued.CertificateOwnershipToken == "" || !strings.Contains(issued.CertificatePem, "BEGIN CERTIFICATE") {
		t.Fatalf("create accepted = %+v; want certificate, key and token", issued)
	}
	if got := v.id.CertificateStatus(issued.CertificateId); got != identity.StatusPendingActivation {
		t.Fatalf("new certificate status = %s; want PENDING_ACTIVATION", got)
	}

	suffix, resp := v.provision("factory", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "123"})
	if suffix != "accepted" {
		t.Fatalf("RegisterThing → %s %v", suffix, resp)
	}
	want := map[string]any{"thingName": "dev-123",
		"deviceConfiguration": map[string]any{"region": "eu-west-1", "cn": "AWS IoT Certificate"}}
	if fmt.Sprint(resp) != fmt.Sprint(want) {
		t.Errorf("accepted = %v; want %v", resp, want)
	}

	d, err := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "dev-123"})
	if err != nil {
		t.Fatalf("thing: %v", err)
	}
	if d.Attributes["serial"] != "123" {
		t.Errorf("attributes = %v", d.Attributes)
	}
	if !v.reg.InThingGroup("dev-123", "fleet") {
		t.Errorf("dev-123 is not in group fleet")
	}
	if got := v.id.CertificateStatus(issued.CertificateId); got != identity.StatusActive {
		t.Errorf("certificate status = %s; want ACTIVE", got)
	}
	certArn := v.id.CertificateArn(issued.CertificateId)
	pols, err := v.id.ListAttachedPolicies(identity.ListAttachedPoliciesRequest{Target: certArn})
	if err != nil || len(pols.Policies) != 1 || len(pols.Policies[0].PolicyName) != 64 {
		t.Errorf("attached policies = %+v, %v; want the document's hash-named policy", pols, err)
	}
	if got := v.id.ThingPrincipals("dev-123"); !slices.Equal(got, []string{certArn}) {
		t.Errorf("thing principals = %v; want [%s]", got, certArn)
	}
	if dec, err := v.id.Allowed(issued.CertificateId, "dev-123", "iot:Connect", "arn:aws:iot:us-east-1:123456789012:client/dev-123"); err != nil || !dec.Allowed {
		t.Errorf("the new certificate cannot connect: %v %v", dec, err)
	}
	if n := len(v.sink.eventsOf(EventThingProvisioned)); n != 1 {
		t.Errorf("ThingProvisioned events = %d; want 1", n)
	}

	// The token is single use.
	suffix, resp = v.provision("factory", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "123"})
	if suffix != "rejected" || resp["errorCode"] != identity.InvalidOwnershipToken || !strings.Contains(fmt.Sprint(resp["errorMessage"]), "already been used") {
		t.Errorf("second RegisterThing = %s %v; want InvalidCertificateOwnershipToken already used", suffix, resp)
	}
}

func TestClaimFromCSR(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	req, _ := json.Marshal(map[string]string{"certificateSigningRequest": newCSR(t, "sensor-9")})
	topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, "$aws/certificates/create-from-csr/json", req)
	if topic != "$aws/certificates/create-from-csr/json/accepted" {
		t.Fatalf("create-from-csr → %s %s", topic, payload)
	}
	var issued identity.ClaimCertificate
	_ = json.Unmarshal(payload, &issued)
	if issued.PrivateKey != "" || strings.Contains(string(payload), "privateKey") {
		t.Errorf("create-from-csr answered a private key: %s", payload)
	}
	suffix, resp := v.provision("factory", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "9"})
	if suffix != "accepted" {
		t.Fatalf("RegisterThing → %s %v", suffix, resp)
	}
	// The certificate subject reaches the template.
	if cfg := resp["deviceConfiguration"].(map[string]any); cfg["cn"] != "sensor-9" {
		t.Errorf("deviceConfiguration = %v; want cn sensor-9", cfg)
	}
}

func TestClaimRejections(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: "off",
		TemplateBody: fleetTemplate, ProvisioningRoleArn: roleArn}); err != nil {
		t.Fatal(err)
	}
	jitp := `{"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"}},"Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}}}}`
	if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: "jitp",
		TemplateBody: jitp, ProvisioningRoleArn: roleArn, Type: TypeJITP, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	token := v.claim().CertificateOwnershipToken

	tests := []struct {
		name, template, token string
		params                map[string]string
		status                float64
		code, msg             string
	}{
		{"empty token", "factory", "", nil, 400, identity.InvalidOwnershipToken, "cannot be empty"},
		{"unknown token", "factory", "nope", nil, 400, identity.InvalidOwnershipToken, "not valid"},
		{"unknown template", "ghost", token, nil, 404, "ResourceNotFoundException", "ghost does not exist"},
		{"disabled template", "off", token, nil, 400, "InvalidRequestException", "disabled"},
		{"JITP template", "jitp", token, nil, 400, "InvalidRequestException", "of type JITP"},
		{"missing parameter", "factory", token, nil, 400, "ResourceRegistrationFailureException", "SerialNumber"},
		{"bad thing name", "factory", token, map[string]string{"SerialNumber": "a b"}, 400, "InvalidRequestException", "thingName"},
	}
	for _, tc := range tests {
		suffix, resp := v.provision(tc.template, tc.token, tc.params)
		if suffix != "rejected" || resp["statusCode"] != tc.status || resp["errorCode"] != tc.code ||
			!strings.Contains(fmt.Sprint(resp["errorMessage"]), tc.msg) {
			t.Errorf("%s: %s %v; want rejected %v %s containing %q", tc.name, suffix, resp, tc.status, tc.code, tc.msg)
		}
	}
	// A failed RegisterThing leaves the token usable.
	if suffix, resp := v.provision("factory", token, map[string]string{"SerialNumber": "1"}); suffix != "accepted" {
		t.Errorf("after failures: %s %v", suffix, resp)
	}

	// Topics and payloads.
	for _, tc := range []struct{ topic, payload, code string }{
		{"$aws/provisioning-templates/factory/provision/cbor", "\xff", CodeInvalidPayload},
		{"$aws/certificates/create/xml", "", "InvalidTopic"},
		{"$aws/provisioning-templates/factory/provision/json", "{", CodeInvalidPayload},
		{"$aws/provisioning-templates/factory/provision/json", `{"parameters":{"a":1}}`, CodeInvalidPayload},
		{"$aws/certificates/create-from-csr/json", `{}`, CodeInvalidPayload},
		{"$aws/certificates/create-from-csr/json", `{"certificateSigningRequest":"junk"}`, "InvalidRequestException"},
	} {
		topic, payload := v.e.HandleMQTT(v.now, "client", claimCert, tc.topic, []byte(tc.payload))
		var r rejection
		if strings.HasSuffix(tc.topic, "/cbor") {
			_ = cbor.Unmarshal(payload, &r)
		} else {
			_ = json.Unmarshal(payload, &r)
		}
		if topic != tc.topic+"/rejected" || r.ErrorCode != tc.code {
			t.Errorf("%s %q → %s %s; want rejected %s", tc.topic, tc.payload, topic, payload, tc.code)
		}
	}
}

func TestClaimTokenExpires(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	token := v.claim().CertificateOwnershipToken
	v.now = v.now.Add(time.Hour)
	suffix, resp := v.provision("factory", token, map[string]string{"SerialNumber": "1"})
	if suffix != "rejected" || !strings.Contains(fmt.Sprint(resp["errorMessage"]), "expired") {
		t.Errorf("after 1 h: %s %v; want expired token", suffix, resp)
	}
}

// TestLeakedClaim: a claim certificate allowed 3 registrations provisions
// 3 devices; the 4th is refused with an event, while another claim
// certificate still works.
func TestLeakedClaim(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate, registry.Tag{Key: TagMaxRegistrationsPerClaim, Value: "3"})
	for i := range 3 {
		token := v.claim().CertificateOwnershipToken
		if suffix, resp := v.provision("factory", token, map[string]string{"SerialNumber": fmt.Sprint(i)}); suffix != "accepted" {
			t.Fatalf("registration %d: %s %v", i+1, suffix, resp)
		}
	}
	issued := v.claim()
	suffix, resp := v.provision("factory", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "leak"})
	if suffix != "rejected" || resp["statusCode"] != 403.0 || resp["errorCode"] != CodeAccessDenied {
		t.Fatalf("4th registration: %s %v; want 403 ACCESS_DENIED", suffix, resp)
	}
	refused := v.sink.eventsOf(EventProvisioningRefused)
	if len(refused) != 1 || refused[0].Reason != ReasonMaxRegistrations || refused[0].ClaimCertificateID != claimCert ||
		refused[0].CertificateID != issued.CertificateId {
		t.Errorf("refusal events = %+v", refused)
	}
	if _, err := v.reg.DescribeThing(registry.DescribeThingRequest{ThingName: "dev-leak"}); err == nil {
		t.Errorf("the refused device got a thing")
	}
	if got := v.id.CertificateStatus(issued.CertificateId); got != identity.StatusPendingActivation {
		t.Errorf("refused certificate is %s; want PENDING_ACTIVATION (deleted at token expiry)", got)
	}
	if suffix, resp := v.provisionAs("other-claim", "factory", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "ok"}); suffix != "accepted" {
		t.Errorf("another claim certificate: %s %v", suffix, resp)
	}
}

func TestRateLimit(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate, registry.Tag{Key: TagRegistrationsPerMinute, Value: "2"})
	reg := func(serial string) (string, map[string]any) {
		return v.provision("factory", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": serial})
	}
	// Burst of 2, then one every 30 s.
	for _, step := range []struct {
		after time.Duration
		want  string
	}{{0, "accepted"}, {0, "accepted"}, {0, "rejected"}, {29 * time.Second, "rejected"}, {time.Second, "accepted"}, {0, "rejected"}, {time.Minute, "accepted"}, {0, "accepted"}, {0, "rejected"}} {
		v.now = v.now.Add(step.after)
		suffix, resp := reg(fmt.Sprintf("%d-%d", v.now.Unix(), len(v.sink.events)))
		if suffix != step.want {
			t.Fatalf("at +%v: %s %v; want %s", v.now.Sub(t0), suffix, resp, step.want)
		}
		if suffix == "rejected" && (resp["statusCode"] != 429.0 || resp["errorCode"] != CodeThrottled) {
			t.Errorf("throttle answer = %v", resp)
		}
	}
	if n := len(v.sink.eventsOf(EventProvisioningRefused)); n != 4 {
		t.Errorf("refusals = %d; want 4", n)
	}
}

func TestAllowList(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate, registry.Tag{Key: TagAllowedSerials, Value: "A1, A2 A3"})
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"SerialNumber": "A2"}, "accepted"},
		{map[string]string{"SerialNumber": "B7"}, "rejected"},
		{nil, "rejected"},
	} {
		suffix, resp := v.provision("factory", v.claim().CertificateOwnershipToken, tc.params)
		if suffix != tc.want {
			t.Errorf("%v: %s %v; want %s", tc.params, suffix, resp, tc.want)
		}
	}
	for _, ev := range v.sink.eventsOf(EventProvisioningRefused) {
		if ev.Reason != ReasonAllowList {
			t.Errorf("refusal reason = %s; want AllowList", ev.Reason)
		}
	}
	// The daemon loads a longer list from a file.
	if err := v.e.SetSafeguards(v.now, "factory", Safeguards{AllowList: []string{"B7"}}); err != nil {
		t.Fatal(err)
	}
	if suffix, resp := v.provision("factory", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "B7"}); suffix != "accepted" {
		t.Errorf("after SetSafeguards: %s %v", suffix, resp)
	}
	if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: "typo", TemplateBody: fleetTemplate,
		ProvisioningRoleArn: roleArn, Tags: []registry.Tag{{Key: "fleetlab:maxRegistration", Value: "3"}}}); code(err) != "InvalidRequestException" {
		t.Errorf("unknown fleetlab tag: %v; want InvalidRequestException", err)
	}
}

func TestPreProvisioningHook(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	if _, err := v.e.CreateProvisioningTemplate(v.now, CreateProvisioningTemplateRequest{TemplateName: "hooked", TemplateBody: fleetTemplate,
		Enabled: true, ProvisioningRoleArn: roleArn,
		PreProvisioningHook: &ProvisioningHook{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:check"}}); err != nil {
		t.Fatal(err)
	}
	reqTopic := "$aws/provisioning-templates/hooked/provision/json"

	// Allowed, with an override of the serial.
	issued := v.claim()
	if suffix, _ := v.provision("hooked", issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "1"}); suffix != "" {
		t.Fatalf("with a hook RegisterThing answered at once: %s", suffix)
	}
	if len(v.hooks.calls) != 1 {
		t.Fatalf("hook calls = %d", len(v.hooks.calls))
	}
	call := v.hooks.calls[0]
	var in HookInput
	if err := json.Unmarshal(call.Payload, &in); err != nil || in.CertificateId != issued.CertificateId || in.ClaimCertificateId != claimCert ||
		in.Parameters["SerialNumber"] != "1" || !strings.HasSuffix(in.TemplateArn, ":provisioningtemplate/hooked") || in.CertificatePem == "" {
		t.Errorf("hook input = %+v, %v", in, err)
	}
	if call.Deadline != v.now.Add(5*time.Second) || call.PayloadVersion != DefaultHookPayloadVersion {
		t.Errorf("hook call = %+v", call)
	}
	if at, ok := v.e.NextDeadline(); !ok || !at.Equal(call.Deadline) {
		t.Errorf("NextDeadline = %v %v; want the hook deadline", at, ok)
	}
	v.now = v.now.Add(time.Second)
	replies := v.e.HookResult(v.now, call.ID, []byte(`{"allowProvisioning":true,"parameterOverrides":{"SerialNumber":"X9"}}`), nil)
	if len(replies) != 1 || replies[0].ClientID != "client" {
		t.Fatalf("replies = %+v", replies)
	}
	suffix, resp := decodeReply(t, reqTopic, replies[0].Topic, replies[0].Payload)
	if suffix != "accepted" || resp["thingName"] != "dev-X9" {
		t.Errorf("after the hook: %s %v; want dev-X9", suffix, resp)
	}
	if replies := v.e.HookResult(v.now, call.ID, nil, nil); replies != nil {
		t.Errorf("a second answer produced %v", replies)
	}

	// Denied, failed and timed out.
	for _, tc := range []struct {
		name     string
		answer   string
		err      error
		wait     time.Duration
		reason   string
		viaTick  bool
		contains string
	}{
		{"denied", `{"allowProvisioning":false}`, nil, 0, ReasonHookDenied, false, "did not allow"},
		{"missing flag", `{}`, nil, 0, ReasonHookDenied, false, "did not allow"},
		{"bad body", `nope`, nil, 0, ReasonHookFailed, false, "not valid"},
		{"call error", "", errors.New("connection refused"), 0, ReasonHookFailed, false, "connection refused"},
		{"timeout", "", nil, 5 * time.Second, ReasonHookFailed, true, "within 5s"},
	} {
		before := len(v.sink.events)
		v.provision("hooked", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "2"})
		call := v.hooks.calls[len(v.hooks.calls)-1]
		v.now = v.now.Add(tc.wait)
		var replies []Reply
		if tc.viaTick {
			replies = v.e.Tick(v.now)
		} else {
			replies = v.e.HookResult(v.now, call.ID, []byte(tc.answer), tc.err)
		}
		if len(replies) != 1 {
			t.Fatalf("%s: replies %+v", tc.name, replies)
		}
		suffix, resp := decodeReply(t, reqTopic, replies[0].Topic, replies[0].Payload)
		if suffix != "rejected" || resp["errorCode"] != CodeAccessDenied || resp["statusCode"] != 403.0 ||
			!strings.Contains(fmt.Sprint(resp["errorMessage"]), tc.contains) {
			t.Errorf("%s: %s %v", tc.name, suffix, resp)
		}
		evs := v.sink.events[before:]
		if len(evs) == 0 || evs[len(evs)-1].Reason != tc.reason {
			t.Errorf("%s: events %+v; want reason %s", tc.name, evs, tc.reason)
		}
	}
	if v.e.PendingHooks() != 0 {
		t.Errorf("pending hooks = %d", v.e.PendingHooks())
	}

	// Without a HookCaller the hook cannot run: ACCESS_DENIED at once.
	v.e.opts.Hooks = nil
	if suffix, resp := v.provision("hooked", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "3"}); suffix != "rejected" || resp["errorCode"] != CodeAccessDenied {
		t.Errorf("no hook caller: %s %v", suffix, resp)
	}
}

func TestParseTopic(t *testing.T) {
	for _, tc := range []struct {
		topic string
		want  Topic
		ok    bool
	}{
		{"$aws/certificates/create/json", Topic{Op: OpCreateCertificate, Format: "json"}, true},
		{"$aws/certificates/create-from-csr/cbor", Topic{Op: OpCreateCertificateFromCSR, Format: "cbor"}, true},
		{"$aws/provisioning-templates/t-1/provision/json", Topic{Op: OpRegisterThing, Template: "t-1", Format: "json"}, true},
		{"$aws/provisioning-templates/t-1/provision/json/accepted", Topic{}, false},
		{"$aws/certificates/create/json/rejected", Topic{}, false},
		{"$aws/provisioning-templates//provision/json", Topic{}, false},
		{"$aws/things/x/jobs/get", Topic{}, false},
	} {
		got, ok := ParseTopic(tc.topic)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseTopic(%q) = %+v, %v; want %+v, %v", tc.topic, got, ok, tc.want, tc.ok)
		}
	}
	if !IsProvisioningTopic("$aws/certificates/nope") || IsProvisioningTopic("$aws/certificates/create/json/accepted") {
		t.Errorf("IsProvisioningTopic")
	}
}

// TestHookRace: while a hook runs, the template may be deleted or the
// token used; the answer is checked again when the hook returns.
func TestHookRace(t *testing.T) {
	v := newEnv(t)
	v.group("fleet")
	hooked := CreateProvisioningTemplateRequest{TemplateName: "hooked", TemplateBody: fleetTemplate, Enabled: true,
		ProvisioningRoleArn: roleArn, PreProvisioningHook: &ProvisioningHook{TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:f"}}
	if _, err := v.e.CreateProvisioningTemplate(v.now, hooked); err != nil {
		t.Fatal(err)
	}
	v.createTemplate("plain", fleetTemplate)
	reqTopic := "$aws/provisioning-templates/hooked/provision/json"
	allow := []byte(`{"allowProvisioning":true}`)

	// The token is used through another template meanwhile.
	token := v.claim().CertificateOwnershipToken
	v.provision("hooked", token, map[string]string{"SerialNumber": "1"})
	if s, r := v.provision("plain", token, map[string]string{"SerialNumber": "2"}); s != "accepted" {
		t.Fatalf("plain: %s %v", s, r)
	}
	replies := v.e.HookResult(v.now, v.hooks.calls[0].ID, allow, nil)
	if s, r := decodeReply(t, reqTopic, replies[0].Topic, replies[0].Payload); s != "rejected" || r["errorCode"] != identity.InvalidOwnershipToken {
		t.Errorf("used token after the hook: %s %v", s, r)
	}

	// The template is deleted meanwhile.
	v.provision("hooked", v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "3"})
	if err := v.e.DeleteProvisioningTemplate(v.now, DeleteProvisioningTemplateRequest{TemplateName: "hooked"}); err != nil {
		t.Fatal(err)
	}
	replies = v.e.HookResult(v.now, v.hooks.calls[1].ID, allow, nil)
	if s, r := decodeReply(t, reqTopic, replies[0].Topic, replies[0].Payload); s != "rejected" || r["errorCode"] != "ResourceNotFoundException" {
		t.Errorf("deleted template after the hook: %s %v", s, r)
	}
}

// FuzzHandleMQTT: any topic and payload get an answer on the request
// topic, never a panic.
func FuzzHandleMQTT(f *testing.F) {
	f.Add("$aws/provisioning-templates/factory/provision/json", []byte(`{"certificateOwnershipToken":"x","parameters":{"SerialNumber":"1"}}`))
	f.Add("$aws/certificates/create-from-csr/json", []byte(`{"certificateSigningRequest":"-----BEGIN CERTIFICATE REQUEST-----\n"}`))
	f.Add("$aws/certificates/create/cbor", []byte{0xa0})
	v := newEnv(f)
	v.group("fleet")
	v.createTemplate("factory", fleetTemplate)
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		if strings.HasPrefix(topic, "$aws/certificates/create/") {
			return // issuing keys is slow and covered elsewhere
		}
		got, _ := v.e.HandleMQTT(v.now, "c", claimCert, topic, payload)
		if got != topic+"/rejected" && got != topic+"/accepted" {
			t.Errorf("HandleMQTT(%q) answered on %q", topic, got)
		}
	})
}

// TestClaimWithoutSubject: a template that does not read the certificate's
// subject provisions without parsing it, and a claimed certificate deleted
// before RegisterThing (its token goes with it) is refused alike whether or
// not the template reads the subject.
func TestClaimWithoutSubject(t *testing.T) {
	plain := strings.Replace(fleetTemplate, `, "cn": {"Ref": "AWS::IoT::Certificate::CommonName"}`, "", 1)
	if plain == fleetTemplate {
		t.Fatal("the test's template still reads the subject")
	}
	var refusals []string
	for _, tc := range []struct{ name, body string }{{"subject", fleetTemplate}, {"plain", plain}} {
		v := newEnv(t)
		v.group("fleet")
		v.createTemplate(tc.name, tc.body)
		suffix, resp := v.provision(tc.name, v.claim().CertificateOwnershipToken, map[string]string{"SerialNumber": "1"})
		if suffix != "accepted" || resp["thingName"] != "dev-1" {
			t.Errorf("%s: RegisterThing → %s %v; want dev-1 accepted", tc.name, suffix, resp)
		}
		issued := v.claim()
		if err := v.id.DeleteCertificate(identity.DeleteCertificateRequest{CertificateId: issued.CertificateId}, v.now); err != nil {
			t.Fatal(err)
		}
		suffix, resp = v.provision(tc.name, issued.CertificateOwnershipToken, map[string]string{"SerialNumber": "2"})
		refusals = append(refusals, fmt.Sprint(suffix, " ", resp["errorCode"], " ", resp["statusCode"]))
	}
	if refusals[0] != refusals[1] || !strings.HasPrefix(refusals[0], "rejected") {
		t.Errorf("deleted certificate: %q with the subject, %q without; want the same rejection", refusals[0], refusals[1])
	}
}
