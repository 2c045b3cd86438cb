package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// Certificate statuses (CertificateStatus) and modes (CertificateMode).
const (
	StatusActive            = "ACTIVE"
	StatusInactive          = "INACTIVE"
	StatusRevoked           = "REVOKED"
	StatusPendingTransfer   = "PENDING_TRANSFER"
	StatusRegisterInactive  = "REGISTER_INACTIVE"
	StatusPendingActivation = "PENDING_ACTIVATION"

	ModeDefault = "DEFAULT"
	ModeSNIOnly = "SNI_ONLY"
)

var certificateStatuses = []string{StatusActive, StatusInactive, StatusRevoked, StatusPendingTransfer,
	StatusRegisterInactive, StatusPendingActivation}

var certificateModes = []string{ModeDefault, ModeSNIOnly}

// certificate is a device certificate known to the account. A fleet holds
// millions, so it is kept small: what is derivable or one of a few values
// is stored compactly and spelled out by answers and records. At 128
// bytes Store.certs holds it in place, not as one heap object each; it is
// a value there, so a change is made to a copy and stored back.
type certificate struct {
	// id and der share one allocation (idAndDER): one heap object rather
	// than two, and the DER is two thirds of the PEM it stands for.
	id  string // pki.CertificateID of der
	der string // the certificate; its PEM (pem) and parsed form (parsed)
	// are made on demand: a parsed x509.Certificate costs ~2.4 KB
	caID    string // registered CA that signed it; "" for fleetd's CA or none
	created instant
	// modified, version and generationID change with every status change.
	modified     instant
	generationID [sha256.Size]byte // hex in answers and records
	seq          uint64
	version      int32
	status       uint8 // index in certificateStatuses
	mode         uint8 // index in certificateModes
}

// idAndDER returns a certificate's id and a copy of its DER, the two in
// one allocation: the id first, then the DER.
func idAndDER(der []byte) (id, derCopy string) {
	sum := sha256.Sum256(der)
	var hexID [2 * sha256.Size]byte
	hex.Encode(hexID[:], sum[:])
	var b strings.Builder
	b.Grow(len(hexID) + len(der))
	b.Write(hexID[:])
	b.Write(der)
	both := b.String()
	return both[:len(hexID)], both[len(hexID):]
}

// pem returns the certificate as the store answers and records it: one
// PEM block of its DER (every certificate the store holds came in or out
// in that form, pemOf).
func (c *certificate) pem() string { return pemOfDER([]byte(c.der)) }

func (c *certificate) statusName() string { return certificateStatuses[c.status] }
func (c *certificate) modeName() string   { return certificateModes[c.mode] }
func (c *certificate) generation() string { return hex.EncodeToString(c.generationID[:]) }

// indexOf returns the index of v in names, a short list.
func indexOf(names []string, v string) (uint8, bool) {
	i := slices.Index(names, v)
	return uint8(i), i >= 0
}

// mustIndex is indexOf for the store's own constants.
func mustIndex(names []string, v string) uint8 {
	i, ok := indexOf(names, v)
	if !ok {
		panic("identity: unknown certificate status or mode " + v)
	}
	return i
}

// certRef is a certificate in creation order (Store.certOrder): its
// sequence number and its id, the key of Store.certs.
type certRef struct {
	seq uint64
	id  string
}

func refSeq(r certRef) uint64 { return r.seq }

// Shapes.

// Certificate is one ListCertificates item.
type Certificate struct {
	CertificateArn  string             `json:"certificateArn"`
	CertificateId   string             `json:"certificateId"`
	Status          string             `json:"status"`
	CertificateMode string             `json:"certificateMode"`
	CreationDate    registry.Timestamp `json:"creationDate"`
}

// CertificateValidity is a certificate's validity period.
type CertificateValidity struct {
	NotBefore registry.Timestamp `json:"notBefore"`
	NotAfter  registry.Timestamp `json:"notAfter"`
}

// CertificateDescription is DescribeCertificate's certificateDescription.
// transferData and previousOwnedBy are absent: fleetd has one account.
type CertificateDescription struct {
	CertificateArn   string              `json:"certificateArn"`
	CertificateId    string              `json:"certificateId"`
	CaCertificateId  string              `json:"caCertificateId,omitempty"`
	Status           string              `json:"status"`
	CertificatePem   string              `json:"certificatePem"`
	OwnedBy          string              `json:"ownedBy"`
	CreationDate     registry.Timestamp  `json:"creationDate"`
	LastModifiedDate registry.Timestamp  `json:"lastModifiedDate"`
	CustomerVersion  int                 `json:"customerVersion"`
	GenerationId     string              `json:"generationId"`
	Validity         CertificateValidity `json:"validity"`
	CertificateMode  string              `json:"certificateMode"`
}

// CreateKeysAndCertificateRequest is the input of CreateKeysAndCertificate
// (POST /keys-and-certificate).
type CreateKeysAndCertificateRequest struct {
	SetAsActive bool `json:"-" query:"setAsActive"`
}

// CreateKeysAndCertificateResponse is its output. KeyPair is the only copy
// of the private key: the store never keeps it.
type CreateKeysAndCertificateResponse struct {
	CertificateArn string      `json:"certificateArn"`
	CertificateId  string      `json:"certificateId"`
	CertificatePem string      `json:"certificatePem"`
	KeyPair        pki.KeyPair `json:"keyPair"`
}

// CreateKeysAndCertificate generates a key pair (ECDSA P-256, see doc.go)
// and a certificate signed by fleetd's CA, ACTIVE with setAsActive and
// INACTIVE otherwise.
func (s *Store) CreateKeysAndCertificate(req CreateKeysAndCertificateRequest, now time.Time) (CreateKeysAndCertificateResponse, error) {
	issued, err := pki.IssueDeviceCert(s.opts.CA, now, s.opts.Rand, pkix.Name{})
	if err != nil {
		return CreateKeysAndCertificateResponse{}, errorf("CreateKeysAndCertificate: %w", err)
	}
	keys, err := issued.KeyPair()
	if err != nil {
		return CreateKeysAndCertificateResponse{}, errorf("CreateKeysAndCertificate: %w", err)
	}
	c := s.addCertificate(issued.Cert, "", activeOr(req.SetAsActive), ModeDefault, now)
	return CreateKeysAndCertificateResponse{CertificateArn: s.CertificateArn(c.id), CertificateId: c.id,
		CertificatePem: string(issued.PEM), KeyPair: keys}, nil
}

// CreateCertificateFromCsrRequest is the input of CreateCertificateFromCsr
// (POST /certificates).
type CreateCertificateFromCsrRequest struct {
	CertificateSigningRequest string `json:"certificateSigningRequest"`
	SetAsActive               bool   `json:"-" query:"setAsActive"`
}

// CreateCertificateFromCsrResponse is its output.
type CreateCertificateFromCsrResponse struct {
	CertificateArn string `json:"certificateArn"`
	CertificateId  string `json:"certificateId"`
	CertificatePem string `json:"certificatePem"`
}

// CreateCertificateFromCsr signs a CSR with fleetd's CA. The same CSR
// twice gives two certificates (new serial numbers), as on AWS.
func (s *Store) CreateCertificateFromCsr(req CreateCertificateFromCsrRequest, now time.Time) (CreateCertificateFromCsrResponse, error) {
	var c checker
	if c.required("certificateSigningRequest", req.CertificateSigningRequest) {
		c.str("certificateSigningRequest", req.CertificateSigningRequest, 1, 4096, nil, "")
	}
	if err := c.Err(); err != nil {
		return CreateCertificateFromCsrResponse{}, err
	}
	issued, err := pki.SignCSR(s.opts.CA, []byte(req.CertificateSigningRequest), now, s.opts.Rand)
	if err != nil {
		return CreateCertificateFromCsrResponse{}, clientOrWrapped("CreateCertificateFromCsr", err)
	}
	cert := s.addCertificate(issued.Cert, "", activeOr(req.SetAsActive), ModeDefault, now)
	return CreateCertificateFromCsrResponse{CertificateArn: s.CertificateArn(cert.id), CertificateId: cert.id,
		CertificatePem: string(issued.PEM)}, nil
}

// RegisterCertificateRequest is the input of RegisterCertificate
// (POST /certificate/register).
type RegisterCertificateRequest struct {
	CertificatePem   string `json:"certificatePem"`
	CaCertificatePem string `json:"caCertificatePem,omitempty"`
	SetAsActive      *bool  `json:"-" query:"setAsActive"`
	Status           string `json:"status,omitempty"`
}

// RegisterCertificateResponse is the output of RegisterCertificate and
// RegisterCertificateWithoutCA.
type RegisterCertificateResponse struct {
	CertificateArn string `json:"certificateArn"`
	CertificateId  string `json:"certificateId"`
}

// RegisterCertificate registers a device certificate signed by a
// registered, ACTIVE CA certificate; the certificate takes the CA's mode.
// caCertificatePem names the CA when several registered CAs share subject
// and key (CertificateConflictException without it).
func (s *Store) RegisterCertificate(req RegisterCertificateRequest, now time.Time) (RegisterCertificateResponse, error) {
	var c checker
	if c.required("certificatePem", req.CertificatePem) {
		c.str("certificatePem", req.CertificatePem, 1, 65536, nil, "")
	}
	if req.CaCertificatePem != "" {
		c.str("caCertificatePem", req.CaCertificatePem, 1, 65536, nil, "")
	}
	c.enum("status", req.Status, certificateStatuses...)
	if err := c.Err(); err != nil {
		return RegisterCertificateResponse{}, err
	}
	status, err := registerStatus(req.SetAsActive, req.Status)
	if err != nil {
		return RegisterCertificateResponse{}, err
	}
	cert, err := pki.ParseCertificatePEM([]byte(req.CertificatePem))
	if err != nil {
		return RegisterCertificateResponse{}, err
	}
	if err := s.checkNew(cert); err != nil {
		return RegisterCertificateResponse{}, err
	}
	if err := pki.CheckValidity(cert, now); err != nil {
		return RegisterCertificateResponse{}, err
	}
	ca, err := s.signingCA(cert, req.CaCertificatePem)
	if err != nil {
		return RegisterCertificateResponse{}, err
	}
	if ca.status != StatusActive {
		return RegisterCertificateResponse{}, awserr.New(awserr.CertificateState,
			"CA certificate %s is %s; certificates can be registered only under an ACTIVE CA certificate.", ca.id, ca.status)
	}
	added := s.addCertificate(cert, ca.id, status, ca.mode, now)
	return RegisterCertificateResponse{CertificateArn: s.CertificateArn(added.id), CertificateId: added.id}, nil
}

// signingCA finds the registered CA certificate that signed cert: the one
// given as caPEM, or the only registered one whose subject and key verify.
func (s *Store) signingCA(cert *x509.Certificate, caPEM string) (*caCertificate, error) {
	if caPEM != "" {
		given, err := pki.ParseCACertificatePEM([]byte(caPEM))
		if err != nil {
			return nil, err
		}
		ca := s.cas[pki.CertificateID(given.Raw)]
		if ca == nil {
			return nil, awserr.New(awserr.CertificateValidation, "CA certificate %s is not registered.", pki.CertificateID(given.Raw))
		}
		if _, err := pki.FindIssuer(cert, []*x509.Certificate{ca.cert}); err != nil {
			return nil, awserr.New(awserr.CertificateValidation, "Certificate is not signed by CA certificate %s.", ca.id)
		}
		return ca, nil
	}
	var found []*caCertificate
	for _, ca := range s.caOrder {
		if _, err := pki.FindIssuer(cert, []*x509.Certificate{ca.cert}); err == nil {
			found = append(found, ca)
		}
	}
	switch len(found) {
	case 0:
		return nil, awserr.New(awserr.CertificateValidation, "Certificate is not signed by any registered CA certificate")
	case 1:
		return found[0], nil
	}
	return nil, awserr.New(awserr.CertificateConflict,
		"Unable to verify the CA certificate used to sign the device certificate: %d registered CA certificates share its subject and key; give caCertificatePem.", len(found))
}

// RegisterCertificateWithoutCARequest is the input of
// RegisterCertificateWithoutCA (POST /certificate/register-no-ca).
type RegisterCertificateWithoutCARequest struct {
	CertificatePem string `json:"certificatePem"`
	Status         string `json:"status,omitempty"`
}

// RegisterCertificateWithoutCA registers a certificate whatever signed it;
// it is in SNI_ONLY mode and has no caCertificateId.
func (s *Store) RegisterCertificateWithoutCA(req RegisterCertificateWithoutCARequest, now time.Time) (RegisterCertificateResponse, error) {
	var c checker
	if c.required("certificatePem", req.CertificatePem) {
		c.str("certificatePem", req.CertificatePem, 1, 65536, nil, "")
	}
	c.enum("status", req.Status, certificateStatuses...)
	if err := c.Err(); err != nil {
		return RegisterCertificateResponse{}, err
	}
	status, err := registerStatus(nil, req.Status)
	if err != nil {
		return RegisterCertificateResponse{}, err
	}
	cert, err := pki.ParseCertificatePEM([]byte(req.CertificatePem))
	if err != nil {
		return RegisterCertificateResponse{}, err
	}
	if err := s.checkNew(cert); err != nil {
		return RegisterCertificateResponse{}, err
	}
	if err := pki.CheckValidity(cert, now); err != nil {
		return RegisterCertificateResponse{}, err
	}
	added := s.addCertificate(cert, "", status, ModeSNIOnly, now)
	return RegisterCertificateResponse{CertificateArn: s.CertificateArn(added.id), CertificateId: added.id}, nil
}

// registerStatus is the initial status of a registered certificate: status
// when given (ACTIVE, INACTIVE or REVOKED: the others are AWS's internal
// states), else ACTIVE with setAsActive=true, else INACTIVE.
func registerStatus(setAsActive *bool, status string) (string, error) {
	switch status {
	case "":
		if setAsActive != nil && *setAsActive {
			return StatusActive, nil
		}
		return StatusInactive, nil
	case StatusActive, StatusInactive, StatusRevoked:
		if setAsActive != nil && *setAsActive != (status == StatusActive) {
			return "", invalid("setAsActive=%t contradicts status %s.", *setAsActive, status)
		}
		return status, nil
	}
	return "", invalid("A certificate cannot be registered with status %s; use ACTIVE, INACTIVE or REVOKED.", status)
}

func activeOr(setAsActive bool) string {
	if setAsActive {
		return StatusActive
	}
	return StatusInactive
}

// checkNew refuses a certificate already registered.
func (s *Store) checkNew(cert *x509.Certificate) error {
	id := pki.CertificateID(cert.Raw)
	if _, ok := s.certs[id]; ok {
		return awserr.AlreadyExists(id, s.CertificateArn(id), "The certificate is already provisioned or registered")
	}
	return nil
}

func (s *Store) addCertificate(cert *x509.Certificate, caID, status, mode string, now time.Time) certificate {
	c := certificate{caID: caID, status: mustIndex(certificateStatuses, status), mode: mustIndex(certificateModes, mode),
		created: instantOf(now), modified: instantOf(now), version: 1, seq: s.nextSeq()}
	c.id, c.der = idAndDER(cert.Raw)
	c.generationID = s.nextGenerationSum(certKey(c.id))
	s.certs[c.id] = c
	s.certOrder = insertBySeq(s.certOrder, refSeq, certRef{seq: c.seq, id: c.id})
	s.dirty(certKey(c.id))
	return c
}

// UpdateCertificateRequest is the input of UpdateCertificate
// (PUT /certificates/{certificateId}?newStatus=).
type UpdateCertificateRequest struct {
	CertificateId string `json:"-" uri:"certificateId"`
	NewStatus     string `json:"-" query:"newStatus"`
}

// UpdateCertificate sets a certificate's status. It is idempotent.
// PENDING_TRANSFER, PENDING_ACTIVATION and the deprecated
// REGISTER_INACTIVE cannot be set (InvalidRequestException); a REVOKED
// certificate stays REVOKED, and a certificate cannot become ACTIVE while
// its CA certificate is INACTIVE (CertificateStateException).
func (s *Store) UpdateCertificate(req UpdateCertificateRequest, now time.Time) error {
	var c checker
	c.certificateID("certificateId", req.CertificateId)
	if c.required("newStatus", req.NewStatus) {
		c.enum("newStatus", req.NewStatus, certificateStatuses...)
	}
	if err := c.Err(); err != nil {
		return err
	}
	cert, err := s.certificate(req.CertificateId)
	if err != nil {
		return err
	}
	switch req.NewStatus {
	case StatusPendingTransfer, StatusPendingActivation, StatusRegisterInactive:
		return invalid("The certificate status cannot be set to %s; use ACTIVE, INACTIVE or REVOKED.", req.NewStatus)
	}
	if cert.statusName() == req.NewStatus {
		return nil
	}
	switch cert.statusName() {
	case StatusRevoked:
		return awserr.New(awserr.CertificateState, "Certificate %s is REVOKED; a revoked certificate cannot change status.", cert.id)
	case StatusPendingTransfer:
		return awserr.New(awserr.CertificateState, "Certificate %s is PENDING_TRANSFER.", cert.id)
	}
	if req.NewStatus == StatusActive && cert.caID != "" {
		if ca := s.cas[cert.caID]; ca != nil && ca.status != StatusActive {
			return awserr.New(awserr.CertificateState, "Certificate %s cannot be activated: its CA certificate %s is %s.",
				cert.id, ca.id, ca.status)
		}
	}
	s.setStatus(cert, req.NewStatus, now)
	return nil
}

// setStatus changes a certificate's status and everything that follows.
func (s *Store) setStatus(cert certificate, status string, now time.Time) {
	if cert.statusName() == StatusActive {
		s.deactivated[cert.id] = struct{}{}
	}
	cert.status = mustIndex(certificateStatuses, status)
	cert.modified = instantOf(now)
	cert.version++
	cert.generationID = s.nextGenerationSum(certKey(cert.id))
	s.certs[cert.id] = cert
	s.dirty(certKey(cert.id))
	s.invalidateCertificate(cert.id)
}

// DescribeCertificateRequest is the input of DescribeCertificate
// (GET /certificates/{certificateId}).
type DescribeCertificateRequest struct {
	CertificateId string `json:"-" uri:"certificateId"`
}

// DescribeCertificateResponse is its output.
type DescribeCertificateResponse struct {
	CertificateDescription CertificateDescription `json:"certificateDescription"`
}

// DescribeCertificate describes a certificate.
func (s *Store) DescribeCertificate(req DescribeCertificateRequest) (DescribeCertificateResponse, error) {
	var c checker
	c.certificateID("certificateId", req.CertificateId)
	if err := c.Err(); err != nil {
		return DescribeCertificateResponse{}, err
	}
	cert, err := s.certificate(req.CertificateId)
	if err != nil {
		return DescribeCertificateResponse{}, err
	}
	return DescribeCertificateResponse{CertificateDescription: CertificateDescription{
		CertificateArn: s.CertificateArn(cert.id), CertificateId: cert.id, CaCertificateId: cert.caID,
		Status: cert.statusName(), CertificatePem: cert.pem(), OwnedBy: s.opts.Account,
		CreationDate: stamp(cert.created.time()), LastModifiedDate: stamp(cert.modified.time()), CustomerVersion: int(cert.version),
		GenerationId: cert.generation(), Validity: validityOf(&cert), CertificateMode: cert.modeName(),
	}}, nil
}

func validity(cert *x509.Certificate) CertificateValidity {
	v := pki.ValidityOf(cert)
	return CertificateValidity{NotBefore: stamp(v.NotBefore.UTC()), NotAfter: stamp(v.NotAfter.UTC())}
}

// DeleteCertificateRequest is the input of DeleteCertificate
// (DELETE /certificates/{certificateId}?forceDelete=).
type DeleteCertificateRequest struct {
	CertificateId string `json:"-" uri:"certificateId"`
	ForceDelete   bool   `json:"-" query:"forceDelete"`
}

// DeleteCertificate deletes a certificate that is not ACTIVE
// (CertificateStateException) and not attached to a thing
// (DeleteConflictException). Attached policies are a DeleteConflict too,
// unless forceDelete, which detaches them.
func (s *Store) DeleteCertificate(req DeleteCertificateRequest, now time.Time) error {
	var c checker
	c.certificateID("certificateId", req.CertificateId)
	if err := c.Err(); err != nil {
		return err
	}
	cert, err := s.certificate(req.CertificateId)
	if err != nil {
		return err
	}
	if cert.statusName() == StatusActive {
		return awserr.New(awserr.CertificateState,
			"Certificate %s is ACTIVE; set it INACTIVE with UpdateCertificate before deleting it.", cert.id)
	}
	if things := s.principalThings[cert.id]; things.len() > 0 {
		return awserr.New(awserr.DeleteConflict, "Certificate %s is attached to %d thing(s), e.g. %s; detach it first.",
			cert.id, things.len(), things.at(0))
	}
	if pols := s.targetPolicies[cert.id]; pols.len() > 0 && !req.ForceDelete {
		return awserr.New(awserr.DeleteConflict,
			"Certificate %s has %d attached policies, e.g. %s; detach them or use forceDelete.", cert.id, pols.len(), pols.at(0))
	}
	s.deleteCertificate(cert)
	return nil
}

// deleteCertificate removes a certificate with its policy and thing
// attachments and its claim.
func (s *Store) deleteCertificate(cert certificate) {
	for _, p := range s.targetPolicies[cert.id].slice() {
		s.detach(p, cert.id)
	}
	for _, t := range s.principalThings[cert.id].slice() {
		s.detachThingPrincipal(t, cert.id)
	}
	if cl, ok := s.claims[cert.id]; ok {
		s.dropClaim(cl)
	}
	if cert.statusName() == StatusActive {
		s.deactivated[cert.id] = struct{}{}
	}
	delete(s.certs, cert.id)
	s.certOrder = removeBySeq(s.certOrder, refSeq, cert.seq)
	s.dirty(certKey(cert.id))
	s.invalidateCertificate(cert.id)
}

// ListCertificatesRequest is the input of ListCertificates (GET /certificates).
type ListCertificatesRequest struct {
	PageSize       *int   `json:"-" query:"pageSize"`
	Marker         string `json:"-" query:"marker"`
	AscendingOrder bool   `json:"-" query:"isAscendingOrder"`
}

// ListCertificatesResponse is the output of ListCertificates and
// ListCertificatesByCA.
type ListCertificatesResponse struct {
	Certificates []Certificate `json:"certificates"`
	NextMarker   string        `json:"nextMarker,omitempty"`
}

// ListCertificates lists certificates by creation date, newest first
// unless isAscendingOrder.
func (s *Store) ListCertificates(req ListCertificatesRequest) (ListCertificatesResponse, error) {
	return s.listCertificates("certificates", req.PageSize, req.Marker, req.AscendingOrder, "")
}

// ListCertificatesByCARequest is the input of ListCertificatesByCA
// (GET /certificates-by-ca/{caCertificateId}).
type ListCertificatesByCARequest struct {
	CaCertificateId string `json:"-" uri:"caCertificateId"`
	PageSize        *int   `json:"-" query:"pageSize"`
	Marker          string `json:"-" query:"marker"`
	AscendingOrder  bool   `json:"-" query:"isAscendingOrder"`
}

// ListCertificatesByCA lists the certificates a registered CA signed (an
// unknown CA has none).
func (s *Store) ListCertificatesByCA(req ListCertificatesByCARequest) (ListCertificatesResponse, error) {
	var c checker
	c.certificateID("caCertificateId", req.CaCertificateId)
	if err := c.Err(); err != nil {
		return ListCertificatesResponse{}, err
	}
	caID := normalizeCertificateID(req.CaCertificateId)
	return s.listCertificates("certificates-by-ca/"+caID, req.PageSize, req.Marker, req.AscendingOrder, caID)
}

func (s *Store) listCertificates(list string, size *int, marker string, ascending bool, caID string) (ListCertificatesResponse, error) {
	var c checker
	c.intRange("pageSize", size, 1, 250)
	c.marker("marker", marker)
	if err := c.Err(); err != nil {
		return ListCertificatesResponse{}, err
	}
	items, next, err := pageBySeq(list, s.certOrder, refSeq, marker, pageSize(size, DefaultPageSize), ascending,
		func(r certRef) (Certificate, bool) {
			cert := s.certs[r.id]
			if caID != "" && cert.caID != caID {
				return Certificate{}, false
			}
			return Certificate{CertificateArn: s.CertificateArn(cert.id), CertificateId: cert.id, Status: cert.statusName(),
				CertificateMode: cert.modeName(), CreationDate: stamp(cert.created.time())}, true
		})
	if err != nil {
		return ListCertificatesResponse{}, err
	}
	return ListCertificatesResponse{Certificates: items, NextMarker: next}, nil
}

// certificate returns the certificate of a checked id.
func (s *Store) certificate(id string) (certificate, error) {
	cert, ok := s.certs[normalizeCertificateID(id)]
	if !ok {
		return certificate{}, notFound(kindCertificate, id)
	}
	return cert, nil
}

// hasCertificate reports whether a certificate id is registered.
func (s *Store) hasCertificate(id string) bool {
	_, ok := s.certs[id]
	return ok
}

// ParsedCertificate returns a registered certificate, parsed: what
// provisioning reads of the certificate it provisions (its subject),
// without building a whole description.
func (s *Store) ParsedCertificate(id string) (*x509.Certificate, error) {
	c, err := s.certificate(id)
	if err != nil {
		return nil, err
	}
	return c.parsed()
}

// CertificateExists returns ParsedCertificate's error for an id that is
// not registered, and nil for one that is, without parsing.
func (s *Store) CertificateExists(id string) error {
	_, err := s.certificate(id)
	return err
}

// CertificatePEM returns a registered certificate's PEM, as
// DescribeCertificate gives it.
func (s *Store) CertificatePEM(id string) (string, error) {
	c, err := s.certificate(id)
	if err != nil {
		return "", err
	}
	return c.pem(), nil
}

// CertificateStatus returns a certificate's status, for the gateway's TLS
// handshake and JITR ("" when it is not registered).
func (s *Store) CertificateStatus(id string) string {
	if c, ok := s.certs[normalizeCertificateID(id)]; ok {
		return c.statusName()
	}
	return ""
}

// clientOrWrapped passes AWS errors through and wraps the others.
func clientOrWrapped(op string, err error) error {
	if _, ok := awserr.As(err); ok {
		return err
	}
	return errorf("%s: %w", op, err)
}

// parsed returns the parsed certificate. It was checked when it was
// stored, so an error means a corrupt store.
func (c *certificate) parsed() (*x509.Certificate, error) {
	cert, err := x509.ParseCertificate([]byte(c.der))
	if err != nil {
		return nil, errorf("stored certificate %s does not parse: %w", c.id, err)
	}
	return cert, nil
}

// validityOf is a stored certificate's validity; zero if it cannot be
// parsed (a corrupt store, caught at restore).
func validityOf(c *certificate) CertificateValidity {
	cert, err := c.parsed()
	if err != nil {
		return CertificateValidity{}
	}
	return validity(cert)
}
