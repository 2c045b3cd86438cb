package provision

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"maps"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
)

// The fleet provisioning MQTT API (spec §3.3).
const (
	topicCertificatesPrefix = "$aws/certificates/"
	topicTemplatesPrefix    = "$aws/provisioning-templates/"
)

// Topic operations.
const (
	OpCreateCertificate        = "create"
	OpCreateCertificateFromCSR = "create-from-csr"
	OpRegisterThing            = "provision"
)

// Topic is a parsed fleet provisioning request topic.
type Topic struct {
	Op       string // OpCreateCertificate, OpCreateCertificateFromCSR, OpRegisterThing
	Template string // OpRegisterThing only
	Format   string // "json" or "cbor"
}

// ParseTopic reads $aws/certificates/create/{fmt},
// $aws/certificates/create-from-csr/{fmt} and
// $aws/provisioning-templates/{name}/provision/{fmt}. ok is false for any
// other topic, including the service's own …/accepted and …/rejected.
func ParseTopic(topic string) (Topic, bool) {
	if rest, ok := strings.CutPrefix(topic, topicCertificatesPrefix); ok {
		op, format, ok := strings.Cut(rest, "/")
		if ok && (op == OpCreateCertificate || op == OpCreateCertificateFromCSR) && validFormat(format) {
			return Topic{Op: op, Format: format}, true
		}
		return Topic{}, false
	}
	if rest, ok := strings.CutPrefix(topic, topicTemplatesPrefix); ok {
		name, rest, ok := strings.Cut(rest, "/")
		if !ok || name == "" {
			return Topic{}, false
		}
		format, ok := strings.CutPrefix(rest, OpRegisterThing+"/")
		if ok && validFormat(format) {
			return Topic{Op: OpRegisterThing, Template: name, Format: format}, true
		}
	}
	return Topic{}, false
}

func validFormat(f string) bool { return f == "json" || f == "cbor" }

// IsProvisioningTopic reports whether a topic is a request in the fleet
// provisioning space, so the gateway answers one the engine cannot parse
// with a rejection rather than passing it to subscribers.
func IsProvisioningTopic(topic string) bool {
	if !strings.HasPrefix(topic, topicCertificatesPrefix) && !strings.HasPrefix(topic, topicTemplatesPrefix) {
		return false
	}
	return !strings.HasSuffix(topic, "/accepted") && !strings.HasSuffix(topic, "/rejected")
}

// rejection is the MQTT error payload of spec §3.3.
type rejection struct {
	StatusCode   int    `json:"statusCode"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

func rejectedPayload(format string, err error) []byte {
	r := rejection{StatusCode: 500, ErrorCode: awserr.InternalFailure, ErrorMessage: err.Error()}
	if ae, ok := awserr.As(err); ok {
		r = rejection{StatusCode: ae.Status, ErrorCode: ae.Code, ErrorMessage: ae.Message}
	}
	return encodePayload(format, r)
}

func reject(topic string, err error) (string, []byte) {
	return topic + "/rejected", rejectedPayload(formatOf(topic), err)
}

func accept(topic string, v any) (string, []byte) {
	return topic + "/accepted", encodePayload(formatOf(topic), v)
}

// formatOf returns the payload format a request topic asks for: cbor for
// …/cbor, json otherwise.
func formatOf(topic string) string {
	if t, ok := ParseTopic(topic); ok {
		return t.Format
	}
	return "json"
}

// encodePayload encodes a response in the request's format; CBOR maps use
// the JSON member names, as the device SDKs' CBOR codecs expect.
func encodePayload(format string, v any) []byte {
	if format == "cbor" {
		b, _ := cbor.Marshal(v)
		return b
	}
	b, _ := json.Marshal(v)
	return b
}

// CodeInvalidPayload answers a request payload that is not the JSON the
// API takes.
const CodeInvalidPayload = "InvalidPayload"

func invalidPayload(format string, args ...any) error {
	return awserr.WithStatus(CodeInvalidPayload, 400, format, args...)
}

// HandleMQTT answers a device's request on a fleet provisioning topic:
// the response topic (request topic + /accepted or /rejected) and payload
// go to the requesting client only. claimCertID is the certificate the
// client connected with (the claim certificate). An empty response topic
// means the answer comes later, from HookResult or Tick: the template's
// pre-provisioning hook is running.
//
// Payloads are JSON or CBOR as the topic says; answers follow the request.
func (e *Engine) HandleMQTT(now time.Time, clientID, claimCertID, topic string, payload []byte) (string, []byte) {
	t, ok := ParseTopic(topic)
	if !ok {
		return reject(topic, awserr.WithStatus("InvalidTopic", 400, "%s is not a fleet provisioning request topic.", topic))
	}
	switch t.Op {
	case OpCreateCertificate:
		issued, err := e.id.IssueForClaim(now, nil)
		if err != nil {
			return reject(topic, err)
		}
		return accept(topic, issued)
	case OpCreateCertificateFromCSR:
		var req struct {
			CertificateSigningRequest string `json:"certificateSigningRequest"`
		}
		if err := decodeStrict(t.Format, payload, &req); err != nil {
			return reject(topic, err)
		}
		if req.CertificateSigningRequest == "" {
			return reject(topic, invalidPayload("certificateSigningRequest is required."))
		}
		issued, err := e.id.IssueForClaim(now, []byte(req.CertificateSigningRequest))
		if err != nil {
			return reject(topic, err)
		}
		issued.PrivateKey = ""
		return accept(topic, issued)
	}
	var req registerPayload
	if err := decodeStrict(t.Format, payload, &req); err != nil {
		return reject(topic, err)
	}
	return e.registerByClaim(now, claimAttempt{clientID: clientID, claimCertID: claimCertID, topic: topic,
		template: t.Template, token: req.CertificateOwnershipToken, params: req.Parameters})
}

// registerPayload is the RegisterThing request.
type registerPayload struct {
	CertificateOwnershipToken string            `json:"certificateOwnershipToken"`
	Parameters                map[string]string `json:"parameters,omitempty"`
}

// registerAccepted is the RegisterThing response.
type registerAccepted struct {
	DeviceConfiguration map[string]string `json:"deviceConfiguration"`
	ThingName           string            `json:"thingName"`
}

// decodeStrict decodes one JSON or CBOR object; an empty payload is an
// empty object, as the SDKs send for create.
func decodeStrict(format string, payload []byte, v any) error {
	if format == "cbor" {
		if len(payload) == 0 {
			return nil
		}
		if err := cbor.Unmarshal(payload, v); err != nil {
			return invalidPayload("The payload is not valid CBOR for this request: %v", err)
		}
		return nil
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(v); err != nil {
		return invalidPayload("The payload is not valid JSON for this request: %v", err)
	}
	if dec.More() {
		return invalidPayload("The payload holds more than one JSON value.")
	}
	return nil
}

// claimAttempt is one RegisterThing by claim, kept while its hook runs.
type claimAttempt struct {
	clientID    string
	claimCertID string
	topic       string
	template    string
	token       string
	params      map[string]string
}

// registerByClaim runs spec §3.3's RegisterThing up to the hook: the
// ownership token, the template, the safeguards. Without a hook it
// finishes at once.
func (e *Engine) registerByClaim(now time.Time, a claimAttempt) (string, []byte) {
	certID, err := e.id.CheckOwnershipToken(now, a.token)
	if err != nil {
		return reject(a.topic, err)
	}
	t, err := e.claimTemplate(a.template)
	if err != nil {
		return reject(a.topic, err)
	}
	if r := e.checkSafeguards(now, t, a.claimCertID, a.params); r != nil {
		e.refused(now, t, a.claimCertID, certID, r)
		return reject(a.topic, r)
	}
	if t.hook != nil {
		if err := e.startHook(now, t, certID, a); err != nil {
			return reject(a.topic, err)
		}
		return "", nil
	}
	return e.finishClaim(now, a, nil)
}

// claimTemplate is the template a RegisterThing names: it must exist, be
// enabled and be of type FLEET_PROVISIONING (spec §3.3).
func (e *Engine) claimTemplate(name string) (*provTemplate, error) {
	t := e.templates[name]
	switch {
	case t == nil:
		return nil, templateNotFound(name)
	case t.kind != TypeFleetProvisioning:
		return nil, awserr.New(awserr.InvalidRequest, "The provisioning template %s is of type %s, not %s.", name, t.kind, TypeFleetProvisioning)
	case !t.enabled:
		return nil, awserr.New(awserr.InvalidRequest, "The provisioning template %s is disabled.", name)
	}
	return t, nil
}

// finishClaim runs RegisterThing from parameter overrides on: it checks
// the token, template and safeguards again (a hook takes time; another
// registration may have used the token or the last allowance), evaluates
// the template, applies it, then uses up the token and counts the
// registration.
func (e *Engine) finishClaim(now time.Time, a claimAttempt, overrides map[string]string) (string, []byte) {
	certID, err := e.id.CheckOwnershipToken(now, a.token)
	if err != nil {
		return reject(a.topic, err)
	}
	t, err := e.claimTemplate(a.template)
	if err != nil {
		return reject(a.topic, err)
	}
	if overrides != nil {
		if r := e.checkSafeguards(now, t, a.claimCertID, a.params); r != nil {
			e.refused(now, t, a.claimCertID, certID, r)
			return reject(a.topic, r)
		}
	}
	thing, config, err := e.provisionClaimed(now, t, certID, a.params, overrides)
	if err != nil {
		e.sink.Event(Event{Time: now, Kind: EventProvisioningFailed, Template: t.name, ClaimCertificateID: a.claimCertID,
			CertificateID: certID, Detail: err.Error()})
		return reject(a.topic, err)
	}
	if _, err := e.id.ConsumeOwnershipToken(now, a.token); err != nil {
		return reject(a.topic, err)
	}
	e.countRegistration(now, t, a.claimCertID)
	e.sink.Event(Event{Time: now, Kind: EventThingProvisioned, Template: t.name, ClaimCertificateID: a.claimCertID,
		CertificateID: certID, ThingName: thing, Detail: "fleet provisioning by claim"})
	if config == nil {
		config = map[string]string{}
	}
	return accept(a.topic, registerAccepted{DeviceConfiguration: config, ThingName: thing})
}

// provisionClaimed evaluates the template's default version for the new
// certificate (steps 3 and 4) and applies it (5 and 6).
func (e *Engine) provisionClaimed(now time.Time, t *provTemplate, certID string, params, overrides map[string]string) (string, map[string]string, error) {
	parsed := t.defaultVersion().parsed
	// Parsing the certificate for its subject costs more than the rest of
	// the registration: only for a template that reads the subject.
	var cert *x509.Certificate
	var err error
	if readsCertificateSubject(parsed) {
		cert, err = e.certificateOf(certID)
	} else {
		err = e.certificateExists(certID)
	}
	if err != nil {
		return "", nil, err
	}
	all := e.baseParameters(params, certID, cert)
	maps.Copy(all, overrides)
	res, err := parsed.Evaluate(all)
	if err != nil {
		return "", nil, err
	}
	if c := res.Certificate; c != nil && c.Source == template.SourceCertificateID && !strings.EqualFold(c.Value, certID) {
		return "", nil, awserr.New(awserr.InvalidRequest, "The template's certificate must be the one being provisioned.")
	}
	if e.id.CertificateStatus(certID) != identity.StatusPendingActivation {
		return "", nil, awserr.WithStatus(identity.InvalidOwnershipToken, 400, "Certificate %s is no longer pending activation.", shortID(certID))
	}
	p, err := e.apply(now, res, certID)
	if err != nil {
		return "", nil, err
	}
	return p.ThingName, res.DeviceConfiguration, nil
}

// CreateProvisioningClaimRequest is the input of CreateProvisioningClaim
// (POST /provisioning-templates/{templateName}/provisioning-claim).
type CreateProvisioningClaimRequest struct {
	TemplateName string `json:"-" uri:"templateName"`
}

// CreateProvisioningClaim issues a temporary claim certificate for
// provisioning by trusted user: the template must be an enabled fleet
// provisioning template; the certificate may connect for five minutes and
// use only that template's fleet provisioning topics.
func (e *Engine) CreateProvisioningClaim(now time.Time, req CreateProvisioningClaimRequest) (identity.ProvisioningClaim, error) {
	if _, err := e.template(req.TemplateName); err != nil {
		return identity.ProvisioningClaim{}, err
	}
	if _, err := e.claimTemplate(req.TemplateName); err != nil {
		return identity.ProvisioningClaim{}, err
	}
	return e.id.IssueProvisioningClaim(now, req.TemplateName)
}
