package provision

import (
	"crypto/x509"
	"encoding/json"
	"strconv"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/provision/template"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// FirstConnect is what ProvisionOnFirstConnect did with a certificate.
type FirstConnect struct {
	CertificateID   string
	CACertificateID string // "" when no registered CA signed it
	// Status is the certificate's status after the call ("" when it is
	// not registered). The gateway lets the connection through only when
	// it is ACTIVE; AWS refuses the first connection of a JITR/JITP
	// certificate even then, and the gateway may do the same.
	Status string
	// AutoRegistered: this call registered the certificate (JITR).
	AutoRegistered bool
	// ThingName is the thing JITP provisioned ("" without JITP).
	ThingName string
}

// JITR event topic prefix (spec §3.5).
const jitrTopicPrefix = "$aws/events/certificates/registered/"

// jitrEvent is the payload of $aws/events/certificates/registered/{caId}.
type jitrEvent struct {
	CertificateId                    string `json:"certificateId"`
	CaCertificateId                  string `json:"caCertificateId"`
	Timestamp                        int64  `json:"timestamp"`
	CertificateStatus                string `json:"certificateStatus"`
	AwsAccountId                     string `json:"awsAccountId"`
	CertificateRegistrationTimestamp string `json:"certificateRegistrationTimestamp"`
}

// ProvisionOnFirstConnect handles a device certificate presented at TLS
// time that the gateway does not find ACTIVE (spec §3.5, §4.3):
//
//   - not registered, signed by a registered CA that is ACTIVE with
//     auto-registration ENABLE: registered PENDING_ACTIVATION (JITR), the
//     $aws/events/certificates/registered/{caCertificateId} event is
//     published, and when the CA has a registrationConfig (JITP) the
//     template is evaluated with the certificate's subject fields and
//     applied: thing, policies, attachment, status (ACTIVE by default);
//   - registered and PENDING_ACTIVATION: the event is published again, as
//     AWS does whenever such a certificate is presented;
//   - anything else: nothing changes and Status says what the gateway
//     should do.
//
// A certificate no registered CA signed, or whose CA does not allow
// auto-registration, is UnauthorizedException. A JITP failure (a subject
// field the template needs is missing, a registry error) is returned
// after the registration: the certificate stays PENDING_ACTIVATION.
func (e *Engine) ProvisionOnFirstConnect(now time.Time, cert *x509.Certificate, clientID string) (FirstConnect, error) {
	fc := FirstConnect{CertificateID: pki.CertificateID(cert.Raw)}
	caID, autoReg, config, signed := e.id.CAForCertificate(cert)
	if signed {
		fc.CACertificateID = caID
	}
	if fc.Status = e.id.CertificateStatus(fc.CertificateID); fc.Status != "" {
		if fc.Status == identity.StatusPendingActivation && signed {
			created := now
			if d, err := e.id.DescribeCertificate(identity.DescribeCertificateRequest{CertificateId: fc.CertificateID}); err == nil {
				created = d.CertificateDescription.CreationDate.Time
			}
			e.publishJITR(now, fc.CertificateID, caID, created)
		}
		return fc, nil
	}
	if !signed {
		return fc, awserr.New(awserr.Unauthorized, "Certificate %s is not registered and no registered CA certificate signed it.", shortID(fc.CertificateID))
	}
	if !autoReg {
		return fc, awserr.New(awserr.Unauthorized, "Certificate %s is not registered and CA certificate %s does not allow auto-registration.",
			shortID(fc.CertificateID), shortID(caID))
	}
	certID, caID, err := e.id.AutoRegisterCertificate(cert, now)
	if err != nil {
		return fc, err
	}
	fc.CertificateID, fc.CACertificateID, fc.Status, fc.AutoRegistered = certID, caID, identity.StatusPendingActivation, true
	e.sink.Event(Event{Time: now, Kind: EventCertificateAutoRegistered, CertificateID: certID, Detail: "CA " + caID})
	e.publishJITR(now, certID, caID, now)
	if config == nil || (config.TemplateName == "" && config.TemplateBody == "") {
		return fc, nil
	}
	thing, err := e.jitp(now, config, cert, certID)
	if err != nil {
		e.sink.Event(Event{Time: now, Kind: EventProvisioningFailed, Template: config.TemplateName, CertificateID: certID,
			Detail: "JITP: " + err.Error()})
		return fc, err
	}
	fc.ThingName, fc.Status = thing, e.id.CertificateStatus(certID)
	e.sink.Event(Event{Time: now, Kind: EventThingProvisioned, Template: config.TemplateName, CertificateID: certID,
		ThingName: thing, Detail: "JITP, client " + clientID})
	return fc, nil
}

// jitp evaluates the CA's template for the certificate and applies it.
func (e *Engine) jitp(now time.Time, config *identity.RegistrationConfig, cert *x509.Certificate, certID string) (string, error) {
	var parsed *template.Template
	if config.TemplateName != "" {
		t := e.templates[config.TemplateName]
		if t == nil {
			return "", templateNotFound(config.TemplateName)
		}
		if t.kind != TypeJITP {
			return "", awserr.New(awserr.InvalidRequest, "The provisioning template %s is of type %s, not %s.", t.name, t.kind, TypeJITP)
		}
		parsed = t.defaultVersion().parsed
	} else {
		var err error
		if parsed, err = parseBody(config.TemplateBody, TypeJITP); err != nil {
			return "", err
		}
	}
	res, err := parsed.Evaluate(e.baseParameters(nil, certID, cert))
	if err != nil {
		return "", err
	}
	p, err := e.apply(now, res, certID)
	if err != nil {
		return "", err
	}
	return p.ThingName, nil
}

func (e *Engine) publishJITR(now time.Time, certID, caID string, registered time.Time) {
	b, _ := json.Marshal(jitrEvent{CertificateId: certID, CaCertificateId: caID, Timestamp: now.Unix(),
		CertificateStatus: identity.StatusPendingActivation, AwsAccountId: e.opts.Account,
		CertificateRegistrationTimestamp: strconv.FormatInt(registered.UnixMilli(), 10)})
	e.sink.Publish(jitrTopicPrefix+caID, b)
}
