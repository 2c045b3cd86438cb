package identity

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// Auto-registration statuses (AutoRegistrationStatus).
const (
	AutoRegistrationEnable  = "ENABLE"
	AutoRegistrationDisable = "DISABLE"
)

// MaxTags bounds the tags on one resource.
const MaxTags = registry.MaxTags

// caCertificate is a CA certificate registered by the customer.
type caCertificate struct {
	id           string
	pem          string
	cert         *x509.Certificate
	status       string // ACTIVE or INACTIVE
	autoReg      string // ENABLE or DISABLE
	mode         string
	config       *RegistrationConfig
	tags         []registry.Tag
	created      time.Time
	modified     time.Time
	version      int
	generationID string
	seq          uint64
}

func caSeq(c *caCertificate) uint64 { return c.seq }

// RegistrationConfig binds a JITP template to a CA certificate: inline
// (templateBody with roleArn) or by name (templateName).
type RegistrationConfig struct {
	TemplateBody string `json:"templateBody,omitempty"`
	RoleArn      string `json:"roleArn,omitempty"`
	TemplateName string `json:"templateName,omitempty"`
}

func (c *checker) registrationConfig(rc *RegistrationConfig) {
	if rc == nil {
		return
	}
	c.str("registrationConfig.templateBody", rc.TemplateBody, 0, 10240, nil, "")
	if rc.RoleArn != "" {
		c.str("registrationConfig.roleArn", rc.RoleArn, 20, 2048, nil, "")
	}
	if rc.TemplateName != "" {
		c.str("registrationConfig.templateName", rc.TemplateName, 1, 36, isTemplateNameRune, patTemplateName)
	}
}

// checkRegistrationConfig enforces "templateBody with roleArn, or
// templateName", which the model leaves to the documentation, and that a
// named template exists and is a JITP template.
func (s *Store) checkRegistrationConfig(rc *RegistrationConfig) error {
	if rc == nil {
		return nil
	}
	switch {
	case rc.TemplateName != "" && (rc.TemplateBody != "" || rc.RoleArn != ""):
		return invalid("registrationConfig takes either templateName or templateBody with roleArn, not both.")
	case rc.TemplateBody != "" && rc.RoleArn == "":
		return invalid("registrationConfig.templateBody needs registrationConfig.roleArn.")
	case rc.TemplateName != "" && s.opts.Templates != nil:
		return s.opts.Templates.CheckJITPTemplate(rc.TemplateName)
	}
	return nil
}

// CAsUsingTemplate returns the ids of the CA certificates whose
// registrationConfig names a provisioning template, sorted.
func (s *Store) CAsUsingTemplate(name string) []string {
	var ids []string
	for id, ca := range s.cas {
		if ca.config != nil && ca.config.TemplateName == name {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (c *checker) tags(tags []registry.Tag) {
	if len(tags) > MaxTags {
		c.Fail("[…]", "tags", "Member must have length less than or equal to 50")
	}
	for _, t := range tags {
		if c.required("tags.member.Key", t.Key) {
			c.str("tags.member.Key", t.Key, 1, 128, nil, "")
		}
		c.str("tags.member.Value", t.Value, 0, 256, nil, "")
	}
}

// CACertificate is one ListCACertificates item.
type CACertificate struct {
	CertificateArn string             `json:"certificateArn"`
	CertificateId  string             `json:"certificateId"`
	Status         string             `json:"status"`
	CreationDate   registry.Timestamp `json:"creationDate"`
}

// CACertificateDescription is DescribeCACertificate's certificateDescription.
type CACertificateDescription struct {
	CertificateArn         string              `json:"certificateArn"`
	CertificateId          string              `json:"certificateId"`
	Status                 string              `json:"status"`
	CertificatePem         string              `json:"certificatePem"`
	OwnedBy                string              `json:"ownedBy"`
	CreationDate           registry.Timestamp  `json:"creationDate"`
	AutoRegistrationStatus string              `json:"autoRegistrationStatus"`
	LastModifiedDate       registry.Timestamp  `json:"lastModifiedDate"`
	CustomerVersion        int                 `json:"customerVersion"`
	GenerationId           string              `json:"generationId"`
	Validity               CertificateValidity `json:"validity"`
	CertificateMode        string              `json:"certificateMode"`
}

// GetRegistrationCodeRequest is the input of GetRegistrationCode
// (GET /registrationcode).
type GetRegistrationCodeRequest struct{}

// GetRegistrationCodeResponse is its output.
type GetRegistrationCodeResponse struct {
	RegistrationCode string `json:"registrationCode"`
}

// GetRegistrationCode returns the account's registration code, made on
// first use and then stable, as AWS's is.
func (s *Store) GetRegistrationCode(req GetRegistrationCodeRequest, now time.Time) (GetRegistrationCodeResponse, error) {
	code, err := s.ensureRegistrationCode()
	if err != nil {
		return GetRegistrationCodeResponse{}, err
	}
	return GetRegistrationCodeResponse{RegistrationCode: code}, nil
}

// DeleteRegistrationCodeRequest is the input of DeleteRegistrationCode
// (DELETE /registrationcode).
type DeleteRegistrationCodeRequest struct{}

// DeleteRegistrationCode forgets the account's CA registration code; the
// next GetRegistrationCode makes a new one.
func (s *Store) DeleteRegistrationCode(req DeleteRegistrationCodeRequest, now time.Time) error {
	if s.registrationCode != "" {
		s.registrationCode = ""
		s.dirty(metaKey)
	}
	return nil
}

func (s *Store) ensureRegistrationCode() (string, error) {
	if s.registrationCode == "" {
		code, err := pki.NewRegistrationCode(s.opts.Rand)
		if err != nil {
			return "", errorf("GetRegistrationCode: %w", err)
		}
		s.registrationCode = code
		s.dirty(metaKey)
	}
	return s.registrationCode, nil
}

// RegisterCACertificateRequest is the input of RegisterCACertificate
// (POST /cacertificate).
type RegisterCACertificateRequest struct {
	CaCertificate           string              `json:"caCertificate"`
	VerificationCertificate string              `json:"verificationCertificate,omitempty"`
	SetAsActive             bool                `json:"-" query:"setAsActive"`
	AllowAutoRegistration   bool                `json:"-" query:"allowAutoRegistration"`
	RegistrationConfig      *RegistrationConfig `json:"registrationConfig,omitempty"`
	Tags                    []registry.Tag      `json:"tags,omitempty"`
	CertificateMode         string              `json:"certificateMode,omitempty"`
}

// RegisterCACertificateResponse is its output.
type RegisterCACertificateResponse struct {
	CertificateArn string `json:"certificateArn"`
	CertificateId  string `json:"certificateId"`
}

// RegisterCACertificate registers a customer CA. In DEFAULT mode (the
// default) verificationCertificate must be signed by the CA's key and carry
// the registration code as its common name; in SNI_ONLY mode it must be
// absent. At most MaxCAsPerSubject CAs may share a subject. fleetd's own CA
// cannot be registered: it is always trusted, like Amazon's.
func (s *Store) RegisterCACertificate(req RegisterCACertificateRequest, now time.Time) (RegisterCACertificateResponse, error) {
	var c checker
	if c.required("caCertificate", req.CaCertificate) {
		c.str("caCertificate", req.CaCertificate, 1, 65536, nil, "")
	}
	if req.VerificationCertificate != "" {
		c.str("verificationCertificate", req.VerificationCertificate, 1, 65536, nil, "")
	}
	c.enum("certificateMode", req.CertificateMode, ModeDefault, ModeSNIOnly)
	c.registrationConfig(req.RegistrationConfig)
	c.tags(req.Tags)
	if err := c.Err(); err != nil {
		return RegisterCACertificateResponse{}, err
	}
	if err := s.checkRegistrationConfig(req.RegistrationConfig); err != nil {
		return RegisterCACertificateResponse{}, err
	}
	mode := req.CertificateMode
	if mode == "" {
		mode = ModeDefault
	}
	switch {
	case mode == ModeDefault && req.VerificationCertificate == "":
		return RegisterCACertificateResponse{}, invalid("verificationCertificate is required in certificateMode DEFAULT.")
	case mode == ModeSNIOnly && req.VerificationCertificate != "":
		return RegisterCACertificateResponse{}, invalid("verificationCertificate must be empty in certificateMode SNI_ONLY.")
	}
	cert, err := pki.ParseCACertificatePEM([]byte(req.CaCertificate))
	if err != nil {
		return RegisterCACertificateResponse{}, err
	}
	id := pki.CertificateID(cert.Raw)
	if id == s.opts.CA.ID() {
		return RegisterCACertificateResponse{}, invalid("CA certificate %s is fleetd's own CA, which is always trusted.", id)
	}
	if _, ok := s.cas[id]; ok {
		return RegisterCACertificateResponse{}, awserr.AlreadyExists(id, s.CACertificateArn(id),
			"The CA certificate is already registered")
	}
	if err := pki.CheckValidity(cert, now); err != nil {
		return RegisterCACertificateResponse{}, err
	}
	if mode == ModeDefault {
		code, err := s.ensureRegistrationCode()
		if err != nil {
			return RegisterCACertificateResponse{}, err
		}
		if err := pki.VerifyRegistrationCode([]byte(req.VerificationCertificate), []byte(req.CaCertificate), code); err != nil {
			return RegisterCACertificateResponse{}, err
		}
	}
	sameSubject := 0
	for _, ca := range s.caOrder {
		if bytes.Equal(ca.cert.RawSubject, cert.RawSubject) {
			sameSubject++
		}
	}
	if sameSubject >= MaxCAsPerSubject {
		return RegisterCACertificateResponse{}, awserr.New(awserr.LimitExceeded,
			"%d CA certificates with this subject are already registered; the limit is %d.", sameSubject, MaxCAsPerSubject)
	}
	now = utc(now)
	ca := &caCertificate{id: id, pem: pemOf(cert), cert: cert, status: StatusInactive, autoReg: AutoRegistrationDisable,
		mode: mode, config: cloneConfig(req.RegistrationConfig), tags: req.Tags, created: now, modified: now, version: 1,
		seq: s.nextSeq()}
	if req.SetAsActive {
		ca.status = StatusActive
	}
	if req.AllowAutoRegistration {
		ca.autoReg = AutoRegistrationEnable
	}
	ca.generationID = s.nextGenerationID(caKey(id))
	s.cas[id] = ca
	s.caOrder = insertBySeq(s.caOrder, caSeq, ca)
	s.dirty(caKey(id))
	return RegisterCACertificateResponse{CertificateArn: s.CACertificateArn(id), CertificateId: id}, nil
}

func cloneConfig(rc *RegistrationConfig) *RegistrationConfig {
	if rc == nil || *rc == (RegistrationConfig{}) {
		return nil
	}
	c := *rc
	return &c
}

// UpdateCACertificateRequest is the input of UpdateCACertificate
// (PUT /cacertificate/{caCertificateId}).
type UpdateCACertificateRequest struct {
	CertificateId             string              `json:"-" uri:"caCertificateId"`
	NewStatus                 string              `json:"-" query:"newStatus"`
	NewAutoRegistrationStatus string              `json:"-" query:"newAutoRegistrationStatus"`
	RegistrationConfig        *RegistrationConfig `json:"registrationConfig,omitempty"`
	RemoveAutoRegistration    bool                `json:"removeAutoRegistration,omitempty"`
}

// UpdateCACertificate changes a CA certificate's status, auto-registration
// status and registration config. removeAutoRegistration drops the
// registration config (the JITP template); giving it with a
// registrationConfig is InvalidRequestException. Nothing to change still
// succeeds.
func (s *Store) UpdateCACertificate(req UpdateCACertificateRequest, now time.Time) error {
	var c checker
	c.certificateID("caCertificateId", req.CertificateId)
	c.enum("newStatus", req.NewStatus, StatusActive, StatusInactive)
	c.enum("newAutoRegistrationStatus", req.NewAutoRegistrationStatus, AutoRegistrationEnable, AutoRegistrationDisable)
	c.registrationConfig(req.RegistrationConfig)
	if err := c.Err(); err != nil {
		return err
	}
	if err := s.checkRegistrationConfig(req.RegistrationConfig); err != nil {
		return err
	}
	if req.RemoveAutoRegistration && req.RegistrationConfig != nil {
		return invalid("removeAutoRegistration and registrationConfig cannot be given together.")
	}
	ca, err := s.caCertificate(req.CertificateId)
	if err != nil {
		return err
	}
	changed := false
	if req.NewStatus != "" && req.NewStatus != ca.status {
		ca.status, changed = req.NewStatus, true
	}
	if req.NewAutoRegistrationStatus != "" && req.NewAutoRegistrationStatus != ca.autoReg {
		ca.autoReg, changed = req.NewAutoRegistrationStatus, true
	}
	if req.RegistrationConfig != nil {
		ca.config, changed = cloneConfig(req.RegistrationConfig), true
	}
	if req.RemoveAutoRegistration && ca.config != nil {
		ca.config, changed = nil, true
	}
	if changed {
		ca.modified = utc(now)
		ca.version++
		ca.generationID = s.nextGenerationID(caKey(ca.id))
		s.dirty(caKey(ca.id))
	}
	return nil
}

// DescribeCACertificateRequest is the input of DescribeCACertificate
// (GET /cacertificate/{caCertificateId}).
type DescribeCACertificateRequest struct {
	CertificateId string `json:"-" uri:"caCertificateId"`
}

// DescribeCACertificateResponse is its output.
type DescribeCACertificateResponse struct {
	CertificateDescription CACertificateDescription `json:"certificateDescription"`
	RegistrationConfig     *RegistrationConfig      `json:"registrationConfig,omitempty"`
}

// DescribeCACertificate describes a registered CA certificate.
func (s *Store) DescribeCACertificate(req DescribeCACertificateRequest) (DescribeCACertificateResponse, error) {
	var c checker
	c.certificateID("caCertificateId", req.CertificateId)
	if err := c.Err(); err != nil {
		return DescribeCACertificateResponse{}, err
	}
	ca, err := s.caCertificate(req.CertificateId)
	if err != nil {
		return DescribeCACertificateResponse{}, err
	}
	return DescribeCACertificateResponse{
		CertificateDescription: CACertificateDescription{
			CertificateArn: s.CACertificateArn(ca.id), CertificateId: ca.id, Status: ca.status, CertificatePem: ca.pem,
			OwnedBy: s.opts.Account, CreationDate: stamp(ca.created), AutoRegistrationStatus: ca.autoReg,
			LastModifiedDate: stamp(ca.modified), CustomerVersion: ca.version, GenerationId: ca.generationID,
			Validity: validity(ca.cert), CertificateMode: ca.mode,
		},
		RegistrationConfig: cloneConfig(ca.config),
	}, nil
}

// DeleteCACertificateRequest is the input of DeleteCACertificate
// (DELETE /cacertificate/{caCertificateId}).
type DeleteCACertificateRequest struct {
	CertificateId string `json:"-" uri:"caCertificateId"`
}

// DeleteCACertificate deletes an INACTIVE CA certificate
// (CertificateStateException while ACTIVE). Device certificates it signed
// stay registered and keep its id as their caCertificateId.
func (s *Store) DeleteCACertificate(req DeleteCACertificateRequest, now time.Time) error {
	var c checker
	c.certificateID("caCertificateId", req.CertificateId)
	if err := c.Err(); err != nil {
		return err
	}
	ca, err := s.caCertificate(req.CertificateId)
	if err != nil {
		return err
	}
	if ca.status == StatusActive {
		return awserr.New(awserr.CertificateState,
			"CA certificate %s is ACTIVE; set it INACTIVE with UpdateCACertificate before deleting it.", ca.id)
	}
	delete(s.cas, ca.id)
	s.caOrder = removeBySeq(s.caOrder, caSeq, ca.seq)
	s.dirty(caKey(ca.id))
	return nil
}

// ListCACertificatesRequest is the input of ListCACertificates
// (GET /cacertificates).
type ListCACertificatesRequest struct {
	PageSize       *int   `json:"-" query:"pageSize"`
	Marker         string `json:"-" query:"marker"`
	AscendingOrder bool   `json:"-" query:"isAscendingOrder"`
	TemplateName   string `json:"-" query:"templateName"`
}

// ListCACertificatesResponse is its output.
type ListCACertificatesResponse struct {
	Certificates []CACertificate `json:"certificates"`
	NextMarker   string          `json:"nextMarker,omitempty"`
}

// ListCACertificates lists registered CA certificates by creation date,
// newest first unless isAscendingOrder; templateName keeps those whose
// registration config names that template.
func (s *Store) ListCACertificates(req ListCACertificatesRequest) (ListCACertificatesResponse, error) {
	var c checker
	c.intRange("pageSize", req.PageSize, 1, 250)
	c.marker("marker", req.Marker)
	if req.TemplateName != "" {
		c.str("templateName", req.TemplateName, 1, 36, isTemplateNameRune, patTemplateName)
	}
	if err := c.Err(); err != nil {
		return ListCACertificatesResponse{}, err
	}
	list := "cacertificates/" + req.TemplateName
	items, next, err := pageBySeq(list, s.caOrder, caSeq, req.Marker, pageSize(req.PageSize, DefaultPageSize), req.AscendingOrder,
		func(ca *caCertificate) (CACertificate, bool) {
			if req.TemplateName != "" && (ca.config == nil || ca.config.TemplateName != req.TemplateName) {
				return CACertificate{}, false
			}
			return CACertificate{CertificateArn: s.CACertificateArn(ca.id), CertificateId: ca.id, Status: ca.status,
				CreationDate: stamp(ca.created)}, true
		})
	if err != nil {
		return ListCACertificatesResponse{}, err
	}
	return ListCACertificatesResponse{Certificates: items, NextMarker: next}, nil
}

func (s *Store) caCertificate(id string) (*caCertificate, error) {
	ca := s.cas[normalizeCertificateID(id)]
	if ca == nil {
		return nil, notFound(kindCACertificate, id)
	}
	return ca, nil
}

// CAForCertificate finds the registered CA certificate that signed a
// device certificate presented at connection time, for JITR and JITP: its
// id, auto-registration status and registration config. false: none.
func (s *Store) CAForCertificate(cert *x509.Certificate) (id string, autoRegistration bool, config *RegistrationConfig, ok bool) {
	for _, ca := range s.caOrder {
		if _, err := pki.FindIssuer(cert, []*x509.Certificate{ca.cert}); err == nil {
			return ca.id, ca.autoReg == AutoRegistrationEnable && ca.status == StatusActive, cloneConfig(ca.config), true
		}
	}
	return "", false, nil, false
}

// AutoRegisterCertificate registers a device certificate presented at
// connection time (JITR, spec §3.5): its signing CA must be registered,
// ACTIVE and ENABLE for auto-registration. The certificate is
// PENDING_ACTIVATION in the CA's mode; the caller publishes
// $aws/events/certificates/registered/{caCertificateId} and refuses this
// connection. A certificate already registered is
// ResourceAlreadyExistsException: the gateway checks CertificateStatus
// first.
func (s *Store) AutoRegisterCertificate(cert *x509.Certificate, now time.Time) (certID, caID string, err error) {
	if err := s.checkNew(cert); err != nil {
		return "", "", err
	}
	if err := pki.CheckValidity(cert, now); err != nil {
		return "", "", err
	}
	ca, err := s.signingCA(cert, "")
	if err != nil {
		return "", "", err
	}
	if ca.status != StatusActive || ca.autoReg != AutoRegistrationEnable {
		return "", "", awserr.New(awserr.CertificateState,
			"CA certificate %s is %s with auto-registration %s; JITR needs ACTIVE and ENABLE.", ca.id, ca.status, ca.autoReg)
	}
	c := s.addCertificate(cert, ca.id, StatusPendingActivation, ca.mode, now)
	return c.id, ca.id, nil
}

// pemOf encodes a certificate as one PEM block: the stored form, whatever
// else (chains, comments) the request held.
func pemOf(cert *x509.Certificate) string { return pemOfDER(cert.Raw) }

func pemOfDER(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
