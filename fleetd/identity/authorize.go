package identity

import (
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// maxCachedContexts bounds the client-id contexts one Authorizer keeps: a
// shared claim certificate may connect under many client ids.
const maxCachedContexts = 64

// Authorizer is the compiled authorization state of one ACTIVE
// certificate: the policy Set of the policies attached to it and its
// certificate variables, and per client id the effective Set (spec §6.1):
// the certificate's policies, then, when the client id names a thing
// attached to the certificate, those of that thing's static groups,
// ancestors included. AWS applies thing-group policies only when the thing
// name matches the client id, so one certificate cannot borrow a group's
// permissions under another id. The store caches it until a change affects
// it, then marks it Stale; the gateway re-authorizes a stale one.
type Authorizer struct {
	CertificateID string
	// Policies are the certificate's own policies.
	Policies *policy.Set
	// PolicyNames are the certificate's own policies as "name@version",
	// sorted by name.
	PolicyNames []string

	principal   string // certificate id: its key in the attachment maps
	certificate *policy.Certificate
	clients     map[string]*clientAuth
	stale       bool
}

// clientAuth is what an Authorizer knows of one client id.
type clientAuth struct {
	ctx      *policy.Context
	policies *policy.Set // the certificate's and, for its attached thing, the thing's groups'
	names    []string
}

// Stale reports whether a change (attachments, default versions, status,
// thing or group membership) has made this Authorizer out of date.
func (a *Authorizer) Stale() bool { return a.stale }

// Authorize returns the cached Authorizer of a certificate, compiling it
// on first use. A certificate that is not registered or not ACTIVE is an
// UnauthorizedException saying so.
func (s *Store) Authorize(certID string) (*Authorizer, error) {
	id := normalizeCertificateID(certID)
	if a := s.auth[id]; a != nil {
		return a, nil
	}
	cert, ok := s.certs[id]
	if !ok {
		return nil, awserr.New(awserr.Unauthorized, "Certificate %s is not registered.", certID)
	}
	if cert.statusName() != StatusActive {
		return nil, awserr.New(awserr.Unauthorized, "Certificate %s is %s; only ACTIVE certificates may connect.", id, cert.statusName())
	}
	parsed, err := cert.parsed()
	if err != nil {
		return nil, err
	}
	a := &Authorizer{CertificateID: cert.id, principal: cert.id, clients: map[string]*clientAuth{},
		certificate: &policy.Certificate{ID: id, Subject: policy.SubjectAttributes(parsed.Subject),
			Issuer: policy.SubjectAttributes(parsed.Issuer)}}
	a.Policies, a.PolicyNames = s.compilePolicies(s.targetPolicies[cert.id].slice())
	s.auth[id] = a
	return a, nil
}

// compilePolicies compiles the default versions of the named policies, in
// order, skipping names that no longer exist.
func (s *Store) compilePolicies(names []string) (*policy.Set, []string) {
	docs := make([]*policy.Document, 0, len(names))
	var versions []string
	for _, n := range names {
		if p := s.policies[n]; p != nil {
			v := p.defaultVersion()
			docs = append(docs, v.parsed)
			versions = append(versions, v.parsed.Name)
		}
	}
	return policy.Compile(docs...), versions
}

// client returns what a knows of clientID, working it out on first use:
// the policy Context (client id, certificate variables and, when the
// client id names a thing, that thing's name, type, attributes and whether
// it is attached) and the effective policies.
func (s *Store) client(a *Authorizer, clientID string) *clientAuth {
	if c := a.clients[clientID]; c != nil {
		return c
	}
	c := &clientAuth{ctx: &policy.Context{ClientID: clientID, Certificate: a.certificate},
		policies: a.Policies, names: a.PolicyNames}
	if clientID != "" {
		if info, ok := s.opts.Things.Thing(clientID); ok {
			attached := s.principalThings[a.principal].contains(clientID, strings.Compare)
			c.ctx.Thing = &policy.Thing{Name: clientID, TypeName: info.TypeName, Attributes: maps.Clone(info.Attributes),
				IsAttached: attached}
			if attached {
				own := s.targetPolicies[a.principal]
				if names := s.withGroupPolicies(own.slice(), info.StaticGroups); len(names) > own.len() {
					c.policies, c.names = s.compilePolicies(names)
				}
			}
		}
	}
	if len(a.clients) >= maxCachedContexts {
		clear(a.clients)
	}
	a.clients[clientID] = c
	return c
}

// withGroupPolicies appends to names the policies of the static groups
// (ancestors included) that are not in it yet: the part of a
// certificate's effective policies its attached thing contributes when
// the client id is that thing's name.
func (s *Store) withGroupPolicies(names, groups []string) []string {
	for _, g := range groups {
		for n := range s.targetPolicies[s.ThingGroupArn(g)].all() {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// Context returns the policy Context of a connection by clientID with
// this Authorizer's certificate: client id, certificate variables and the
// thing named by the client id. The source address is left zero;
// ConnectionContext sets it. Contexts are cached per client id with the
// Authorizer.
func (s *Store) Context(a *Authorizer, clientID string) *policy.Context {
	return s.client(a, clientID).ctx
}

// EffectivePolicies returns the policies that apply to the certificate
// connected as clientID, as "name@version" in evaluation order: its own,
// then those of its attached thing's groups when the client id names it.
func (s *Store) EffectivePolicies(a *Authorizer, clientID string) []string {
	return s.client(a, clientID).names
}

// ConnectionContext authorizes a certificate and returns the Context of a
// connection from sourceIP under clientID, for the gateway to keep with
// the connection.
func (s *Store) ConnectionContext(certID, clientID string, sourceIP netip.Addr) (policy.Context, error) {
	a, err := s.Authorize(certID)
	if err != nil {
		return policy.Context{}, err
	}
	ctx := *s.Context(a, clientID)
	ctx.SourceIP = sourceIP
	return ctx, nil
}

// Allowed decides whether the certificate, connected as clientID, may
// perform action on resourceARN. With a warm cache it does not allocate.
func (s *Store) Allowed(certID, clientID, action, resourceARN string) (policy.Decision, error) {
	a, err := s.Authorize(certID)
	if err != nil {
		return policy.Decision{}, err
	}
	c := s.client(a, clientID)
	req := policy.Request{Action: action, Resource: resourceARN, Context: *c.ctx}
	return c.policies.Evaluate(&req), nil
}

// InvalidateThing drops the cached authorization of the certificates
// attached to a thing. The core calls it when the thing's attributes, type
// or static groups change.
func (s *Store) InvalidateThing(thing string) {
	for p := range s.thingPrincipals[thing].all() {
		s.invalidateTarget(p)
	}
}

// InvalidateAll drops every cached authorization. The core calls it when
// a static group hierarchy changes (a group's parent, or its deletion).
func (s *Store) InvalidateAll() {
	for id, a := range s.auth {
		a.stale = true
		delete(s.auth, id)
	}
}

func (s *Store) invalidateCertificate(id string) {
	if a := s.auth[id]; a != nil {
		a.stale = true
		delete(s.auth, id)
	}
}

// invalidateTarget drops what an attachment change of a target key
// affects: one certificate, or, for a thing group, everything (the store
// does not know group membership).
func (s *Store) invalidateTarget(target string) {
	if isCertKey(target) {
		s.invalidateCertificate(target)
	} else if strings.Contains(target, ":thinggroup/") {
		s.InvalidateAll()
	}
}

// invalidatePolicy drops the authorizations a policy's default version
// feeds.
func (s *Store) invalidatePolicy(name string) {
	for t := range s.policyTargets[name] {
		s.invalidateTarget(t)
	}
}
