package identity

import (
	"bytes"
	"container/heap"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// Record keys. Every entity is one record of compact JSON; attachments are
// one record per policy (its targets) and per thing (its principals).
// Private keys are never stored: the store never holds one.
const (
	metaKey              = "identity/meta"
	certPrefix           = "cert/"
	caPrefix             = "cacert/"
	policyPrefix         = "policy/"
	targetPoliciesPrefix = "attach/target/"
	thingPrincipalPrefix = "attach/thing/"
	claimPrefix          = "claim/"
)

func certKey(id string) string               { return certPrefix + id }
func caKey(id string) string                 { return caPrefix + id }
func policyKey(name string) string           { return policyPrefix + name }
func targetPoliciesKey(target string) string { return targetPoliciesPrefix + target }
func thingPrincipalsKey(thing string) string { return thingPrincipalPrefix + thing }
func claimKey(certID string) string          { return claimPrefix + certID }

// recordFormat versions the record layout.
const recordFormat = 1

type metaRecord struct {
	Format           int    `json:"format"`
	Seq              uint64 `json:"seq"`
	Generation       uint64 `json:"generation"`
	RegistrationCode string `json:"registrationCode,omitempty"`
}

type certRecord struct {
	ID           string    `json:"certificateId"`
	PEM          string    `json:"certificatePem"`
	CAID         string    `json:"caCertificateId,omitempty"`
	Status       string    `json:"status"`
	Mode         string    `json:"certificateMode"`
	Created      time.Time `json:"creationDate"`
	Modified     time.Time `json:"lastModifiedDate"`
	Version      int       `json:"customerVersion"`
	GenerationID string    `json:"generationId"`
	Seq          uint64    `json:"seq"`
}

type caRecord struct {
	ID           string              `json:"certificateId"`
	PEM          string              `json:"certificatePem"`
	Status       string              `json:"status"`
	AutoReg      string              `json:"autoRegistrationStatus"`
	Mode         string              `json:"certificateMode"`
	Config       *RegistrationConfig `json:"registrationConfig,omitempty"`
	Tags         []registry.Tag      `json:"tags,omitempty"`
	Created      time.Time           `json:"creationDate"`
	Modified     time.Time           `json:"lastModifiedDate"`
	Version      int                 `json:"customerVersion"`
	GenerationID string              `json:"generationId"`
	Seq          uint64              `json:"seq"`
}

type policyRecord struct {
	Name         string                `json:"policyName"`
	DefaultID    int                   `json:"defaultVersionId"`
	NextID       int                   `json:"nextVersionId"`
	Versions     []policyVersionRecord `json:"versions"`
	Tags         []registry.Tag        `json:"tags,omitempty"`
	Created      time.Time             `json:"creationDate"`
	Modified     time.Time             `json:"lastModifiedDate"`
	GenerationID string                `json:"generationId"`
	Seq          uint64                `json:"seq"`
}

type policyVersionRecord struct {
	ID       int       `json:"versionId"`
	Document string    `json:"policyDocument"`
	Created  time.Time `json:"createDate"`
}

// targetPoliciesRecord is one target's attached policies: small (at most
// MaxPoliciesPerTarget), so attaching a policy to one more certificate
// writes one small record, however many share the policy.
type targetPoliciesRecord struct {
	Target   string   `json:"target"`
	Policies []string `json:"policies"`
}

type thingPrincipalsRecord struct {
	Thing      string   `json:"thingName"`
	Principals []string `json:"principals"`
	Exclusive  []string `json:"exclusive,omitempty"`
}

type claimRecord struct {
	CertID  string    `json:"certificateId"`
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used,omitempty"`
}

// Record returns the current value of a record as compact JSON, or false
// when it does not exist (deleted, or never written).
func (s *Store) Record(key string) ([]byte, bool) {
	v, ok := s.recordValue(key)
	if !ok {
		return nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("identity: encoding %s: %v", key, err)) // plain data: cannot fail
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
}

func (s *Store) recordValue(key string) (any, bool) {
	switch {
	case key == metaKey:
		return metaRecord{Format: recordFormat, Seq: s.seq, Generation: s.generation, RegistrationCode: s.registrationCode}, true
	case strings.HasPrefix(key, certPrefix):
		c, ok := s.certs[key[len(certPrefix):]]
		if !ok {
			return nil, false
		}
		return certRecord{ID: c.id, PEM: c.pem(), CAID: c.caID, Status: c.statusName(), Mode: c.modeName(), Created: c.created.time(),
			Modified: c.modified.time(), Version: int(c.version), GenerationID: c.generation(), Seq: c.seq}, true
	case strings.HasPrefix(key, caPrefix):
		ca := s.cas[key[len(caPrefix):]]
		if ca == nil {
			return nil, false
		}
		return caRecord{ID: ca.id, PEM: ca.pem, Status: ca.status, AutoReg: ca.autoReg, Mode: ca.mode, Config: ca.config,
			Tags: ca.tags, Created: ca.created, Modified: ca.modified, Version: ca.version, GenerationID: ca.generationID,
			Seq: ca.seq}, true
	case strings.HasPrefix(key, policyPrefix):
		p := s.policies[key[len(policyPrefix):]]
		if p == nil {
			return nil, false
		}
		rec := policyRecord{Name: p.name, DefaultID: p.defaultID, NextID: p.nextID, Tags: p.tags, Created: p.created,
			Modified: p.modified, GenerationID: p.generationID, Seq: p.seq}
		for _, v := range p.versions {
			rec.Versions = append(rec.Versions, policyVersionRecord{ID: v.id, Document: v.document, Created: v.created})
		}
		return rec, true
	case strings.HasPrefix(key, targetPoliciesPrefix):
		target := key[len(targetPoliciesPrefix):]
		policies := s.targetPolicies[s.targetKey(target)]
		if policies.len() == 0 {
			return nil, false
		}
		return targetPoliciesRecord{Target: target, Policies: policies.slice()}, true
	case strings.HasPrefix(key, thingPrincipalPrefix):
		thing := key[len(thingPrincipalPrefix):]
		principals, ok := s.thingPrincipals[thing]
		if !ok {
			return nil, false
		}
		return thingPrincipalsRecord{Thing: thing, Principals: s.targetArns(principals),
			Exclusive: s.targetArns(s.exclusivePrincipals[thing])}, true
	case strings.HasPrefix(key, claimPrefix):
		cl, ok := s.claims[key[len(claimPrefix):]]
		if !ok {
			return nil, false
		}
		return claimRecord{CertID: cl.certID, Token: cl.token, Expires: cl.expires, Used: cl.used}, true
	}
	return nil, false
}

// Keys returns every record key that exists, sorted.
func (s *Store) Keys() []string {
	keys := []string{metaKey}
	for id := range s.certs {
		keys = append(keys, certKey(id))
	}
	for id := range s.cas {
		keys = append(keys, caKey(id))
	}
	for n := range s.policies {
		keys = append(keys, policyKey(n))
	}
	for t := range s.targetPolicies {
		keys = append(keys, targetPoliciesKey(s.targetArn(t)))
	}
	for t := range s.thingPrincipals {
		keys = append(keys, thingPrincipalsKey(t))
	}
	for id := range s.claims {
		keys = append(keys, claimKey(id))
	}
	slices.Sort(keys)
	return keys
}

// Restore loads one record into a store fresh from New, in any order.
// Call FinishRestore after the last one. Errors are store corruption, not
// client errors.
func (s *Store) Restore(key string, value []byte) error {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	bad := func(err error) error { return errorf("record %s: %w", key, err) }
	named := func(name, prefix string) error {
		if key != prefix+name {
			return bad(fmt.Errorf("holds %q", name))
		}
		return nil
	}
	switch {
	case key == metaKey:
		var m metaRecord
		if err := dec.Decode(&m); err != nil {
			return bad(err)
		}
		if m.Format != recordFormat {
			return bad(fmt.Errorf("format %d, want %d", m.Format, recordFormat))
		}
		s.seq, s.generation, s.registrationCode = m.Seq, m.Generation, m.RegistrationCode
	case strings.HasPrefix(key, certPrefix):
		var r certRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.ID, certPrefix); err != nil {
			return err
		}
		cert, err := pki.ParseCertificatePEM([]byte(r.PEM))
		if err != nil {
			return bad(err)
		}
		if pki.CertificateID(cert.Raw) != r.ID {
			return bad(errors.New("PEM does not match the certificate id"))
		}
		if pemOf(cert) != r.PEM {
			// The store keeps the DER and answers with its PEM, so only
			// the PEM it writes itself can be restored as it was.
			return bad(errors.New("PEM is not the certificate's one CERTIFICATE block"))
		}
		c, err := certificateOf(r, cert.Raw)
		if err != nil {
			return bad(err)
		}
		s.certs[c.id] = c
	case strings.HasPrefix(key, caPrefix):
		var r caRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.ID, caPrefix); err != nil {
			return err
		}
		cert, err := pki.ParseCACertificatePEM([]byte(r.PEM))
		if err != nil {
			return bad(err)
		}
		if pki.CertificateID(cert.Raw) != r.ID {
			return bad(errors.New("PEM does not match the certificate id"))
		}
		if _, ok := indexOf(certificateModes, r.Mode); !ok { // its certificates take it
			return bad(fmt.Errorf("unknown certificate mode %q", r.Mode))
		}
		s.cas[r.ID] = &caCertificate{id: r.ID, pem: r.PEM, cert: cert, status: r.Status, autoReg: r.AutoReg, mode: r.Mode,
			config: r.Config, tags: r.Tags, created: utc(r.Created), modified: utc(r.Modified), version: r.Version,
			generationID: r.GenerationID, seq: r.Seq}
	case strings.HasPrefix(key, targetPoliciesPrefix):
		var r targetPoliciesRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.Target, targetPoliciesPrefix); err != nil {
			return err
		}
		if len(r.Policies) == 0 || !sortedNames(r.Policies) {
			return bad(errors.New("policies empty, not sorted or with an empty name"))
		}
		s.targetPolicies[s.targetKey(r.Target)] = nameSetOf(r.Policies)
	case strings.HasPrefix(key, policyPrefix):
		var r policyRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.Name, policyPrefix); err != nil {
			return err
		}
		p := &policyEntry{name: r.Name, defaultID: r.DefaultID, nextID: r.NextID, tags: r.Tags, created: utc(r.Created),
			modified: utc(r.Modified), generationID: r.GenerationID, seq: r.Seq}
		for _, v := range r.Versions {
			parsed, err := parsePolicy(r.Name, v.ID, v.Document)
			if err != nil {
				return bad(fmt.Errorf("version %d: %w", v.ID, err))
			}
			p.versions = append(p.versions, &policyVersion{id: v.ID, document: v.Document, parsed: parsed, created: utc(v.Created)})
		}
		if !slices.IsSortedFunc(p.versions, func(a, b *policyVersion) int { return a.id - b.id }) || p.defaultVersion() == nil {
			return bad(errors.New("versions unsorted or default version " + strconv.Itoa(r.DefaultID) + " missing"))
		}
		s.policies[r.Name] = p
	case strings.HasPrefix(key, thingPrincipalPrefix):
		var r thingPrincipalsRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.Thing, thingPrincipalPrefix); err != nil {
			return err
		}
		if len(r.Principals) == 0 || !sortedNames(r.Principals) || !sortedNames(r.Exclusive) {
			return bad(errors.New("principals empty, not sorted or with an empty name"))
		}
		s.thingPrincipals[r.Thing] = nameSetOf(s.targetKeys(r.Principals))
		if len(r.Exclusive) > 0 {
			s.exclusivePrincipals[r.Thing] = nameSetOf(s.targetKeys(r.Exclusive))
		}
	case strings.HasPrefix(key, claimPrefix):
		var r claimRecord
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := named(r.CertID, claimPrefix); err != nil {
			return err
		}
		s.claims[r.CertID] = claim{certID: r.CertID, token: r.Token, expires: utc(r.Expires), used: r.Used}
	default:
		return bad(errors.New("unknown record key"))
	}
	return nil
}

// certificateOf is the certificate of a record whose PEM was checked and
// holds der.
func certificateOf(r certRecord, der []byte) (certificate, error) {
	status, ok := indexOf(certificateStatuses, r.Status)
	if !ok {
		return certificate{}, fmt.Errorf("unknown status %q", r.Status)
	}
	mode, ok := indexOf(certificateModes, r.Mode)
	if !ok {
		return certificate{}, fmt.Errorf("unknown certificate mode %q", r.Mode)
	}
	if r.Version < math.MinInt32 || r.Version > math.MaxInt32 {
		return certificate{}, fmt.Errorf("customerVersion %d out of range", r.Version)
	}
	c := certificate{caID: r.CAID, status: status, mode: mode, created: instantOf(r.Created),
		modified: instantOf(r.Modified), version: int32(r.Version), seq: r.Seq}
	c.id, c.der = idAndDER(der)
	if len(r.GenerationID) != hex.EncodedLen(len(c.generationID)) || !decodesTo(c.generationID[:], r.GenerationID) {
		return certificate{}, fmt.Errorf("generationId %q is not %d lowercase hex bytes", r.GenerationID, len(c.generationID))
	}
	return c, nil
}

// decodesTo decodes lowercase hex into dst, exactly as long, and reports
// whether it could: an id the store wrote, it is re-encoded the same.
func decodesTo(dst []byte, h string) bool {
	_, err := hex.Decode(dst, []byte(h))
	return err == nil && hex.EncodeToString(dst) == h
}

// sortedNames reports whether a record's list is sorted and free of
// empty names, which no request can create and a nameSet cannot hold.
func sortedNames(list []string) bool {
	return slices.IsSorted(list) && (len(list) == 0 || list[0] != "")
}

// targetKeys returns the keys of canonical targets, in order.
func (s *Store) targetKeys(canonical []string) []string {
	if canonical == nil {
		return nil
	}
	out := make([]string, len(canonical))
	for i, t := range canonical {
		out[i] = s.targetKey(t)
	}
	return out
}

// ownKey returns a certificate key as the certificate's own id string
// when it exists, else key.
func (s *Store) ownKey(key string) string {
	if c, ok := s.certs[key]; ok && isCertKey(key) {
		return c.id
	}
	return key
}

// ownPolicyName returns a policy name as the policy's own string when it
// exists, else name.
func (s *Store) ownPolicyName(name string) string {
	if p := s.policies[name]; p != nil {
		return p.name
	}
	return name
}

// FinishRestore rebuilds the indexes after the last Restore and checks that
// the records refer to each other consistently. The restore leaves no
// changes to drain.
func (s *Store) FinishRestore() error {
	var errs []error
	s.certOrder, s.caOrder, s.polOrder = s.certOrder[:0], s.caOrder[:0], s.polOrder[:0]
	for id, c := range s.certs {
		if ca := s.cas[c.caID]; ca != nil {
			c.caID = ca.id // one copy of the CA's id, not one per certificate record
			s.certs[id] = c
		}
		s.certOrder = append(s.certOrder, certRef{seq: c.seq, id: id})
	}
	for _, ca := range s.cas {
		s.caOrder = append(s.caOrder, ca)
	}
	for _, p := range s.policies {
		s.polOrder = append(s.polOrder, p)
	}
	slices.SortFunc(s.certOrder, func(a, b certRef) int { return cmpU(a.seq, b.seq) })
	slices.SortFunc(s.caOrder, func(a, b *caCertificate) int { return cmpU(a.seq, b.seq) })
	slices.SortFunc(s.polOrder, func(a, b *policyEntry) int { return cmpU(a.seq, b.seq) })

	// Certificate keys are substrings of the records' ARNs, and each
	// record spells its policies' names anew: share the certificates' own
	// ids and the policies' own names instead, so the records can be freed
	// and a fleet whose devices share a policy keeps one copy of its name.
	for target, names := range s.targetPolicies {
		names.replaceAll(s.ownPolicyName)
		key := s.ownKey(target)
		if key != target {
			delete(s.targetPolicies, target)
		}
		s.targetPolicies[key] = names
	}
	for _, m := range []map[string]nameSet{s.thingPrincipals, s.exclusivePrincipals} {
		for thing, principals := range m {
			principals.replaceAll(s.ownKey)
			m[thing] = principals
		}
	}
	clear(s.policyTargets)
	for target, names := range s.targetPolicies {
		for name := range names.all() {
			if s.policies[name] == nil {
				errs = append(errs, errorf("record %s: policy %s does not exist", targetPoliciesKey(s.targetArn(target)), name))
			}
			s.addPolicyTarget(name, target)
		}
	}
	clear(s.principalThings)
	for thing, principals := range s.thingPrincipals {
		for p := range principals.all() {
			things := s.principalThings[p]
			things.insert(thing, strings.Compare)
			s.principalThings[p] = things
		}
	}
	for t := range s.targetPolicies {
		if isCertKey(t) && !s.hasCertificate(t) || strings.HasPrefix(t, s.certArnPrefix) {
			errs = append(errs, errorf("policy target %s: certificate does not exist", s.targetArn(t)))
		}
	}
	for p := range s.principalThings {
		if isCertKey(p) && !s.hasCertificate(p) || strings.HasPrefix(p, s.certArnPrefix) {
			errs = append(errs, errorf("thing principal %s: certificate does not exist", s.targetArn(p)))
		}
	}
	clear(s.claimTokens)
	s.deadlines = s.deadlines[:0]
	claims := make(map[string]claim, len(s.claims))
	for id, cl := range s.claims {
		if cert, ok := s.certs[id]; !ok {
			errs = append(errs, errorf("record %s: certificate does not exist", claimKey(id)))
		} else {
			cl.certID = cert.id // one copy of the id, not one per record
		}
		claims[cl.certID] = cl
		s.claimTokens[cl.token] = cl.certID
		s.deadlines = append(s.deadlines, deadline{at: cl.expires, certID: cl.certID})
	}
	s.claims, s.claimsPeak = claims, len(claims)
	heap.Init(&s.deadlines)
	clear(s.changes)
	clear(s.deactivated)
	clear(s.auth)
	return errors.Join(errs...)
}
