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
// certificate: the policy Set of its effective policies (spec §6.1: the
// default versions of the policies attached to it, then those of the
// static thing groups, ancestors included, of the things attached to it)
// and its certificate variables. The store caches it until a change
// affects it, then marks it Stale; the gateway re-authorizes a stale one.
type Authorizer struct {
	CertificateID string
	Policies      *policy.Set
	// PolicyNames are the effective policies as "name@version", in
	// evaluation order (the certificate's own by name, then the groups').
	PolicyNames []string

	principal   string // certificate ARN
	certificate *policy.Certificate
	contexts    map[string]*policy.Context
	stale       bool
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
	cert := s.certs[id]
	if cert == nil {
		return nil, awserr.New(awserr.Unauthorized, "Certificate %s is not registered.", certID)
	}
	if cert.status != StatusActive {
		return nil, awserr.New(awserr.Unauthorized, "Certificate %s is %s; only ACTIVE certificates may connect.", id, cert.status)
	}
	principal := s.CertificateArn(id)
	names := slices.Clone(s.targetPolicies[principal])
	for _, g := range s.groupsOfPrincipal(principal) {
		for _, n := range s.targetPolicies[s.ThingGroupArn(g)] {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	docs := make([]*policy.Document, 0, len(names))
	parsed, err := cert.parsed()
	if err != nil {
		return nil, err
	}
	a := &Authorizer{CertificateID: id, principal: principal, contexts: map[string]*policy.Context{},
		certificate: &policy.Certificate{ID: id, Subject: policy.SubjectAttributes(parsed.Subject),
			Issuer: policy.SubjectAttributes(parsed.Issuer)}}
	for _, n := range names {
		if p := s.policies[n]; p != nil {
			v := p.defaultVersion()
			docs = append(docs, v.parsed)
			a.PolicyNames = append(a.PolicyNames, v.parsed.Name)
		}
	}
	a.Policies = policy.Compile(docs...)
	s.auth[id] = a
	return a, nil
}

// Context returns the policy Context of a connection by clientID with
// this Authorizer's certificate: client id, certificate variables and the
// thing named by the client id (its name, type and attributes, resolved by
// the policy package only when the thing is attached to the certificate).
// The source address is left zero; ConnectionContext sets it. Contexts are
// cached per client id with the Authorizer.
func (s *Store) Context(a *Authorizer, clientID string) *policy.Context {
	if ctx := a.contexts[clientID]; ctx != nil {
		return ctx
	}
	ctx := &policy.Context{ClientID: clientID, Certificate: a.certificate}
	if clientID != "" {
		if info, ok := s.opts.Things.Thing(clientID); ok {
			_, attached := slices.BinarySearch(s.principalThings[a.principal], clientID)
			ctx.Thing = &policy.Thing{Name: clientID, TypeName: info.TypeName, Attributes: maps.Clone(info.Attributes),
				IsAttached: attached}
		}
	}
	if len(a.contexts) >= maxCachedContexts {
		clear(a.contexts)
	}
	a.contexts[clientID] = ctx
	return ctx
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
	req := policy.Request{Action: action, Resource: resourceARN, Context: *s.Context(a, clientID)}
	return a.Policies.Evaluate(&req), nil
}

// InvalidateThing drops the cached authorization of the certificates
// attached to a thing. The core calls it when the thing's attributes, type
// or static groups change.
func (s *Store) InvalidateThing(thing string) {
	if ta := s.thingPrincipals[thing]; ta != nil {
		for _, p := range ta.principals {
			s.invalidateTarget(p)
		}
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

// invalidateTarget drops what an attachment change of target affects: one
// certificate, or, for a thing group, everything (the store does not know
// group membership).
func (s *Store) invalidateTarget(target string) {
	if id, ok := strings.CutPrefix(target, s.arnPrefix()+"cert/"); ok {
		s.invalidateCertificate(id)
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
