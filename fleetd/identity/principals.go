package identity

import (
	"slices"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
)

// Thing principal types (AttachThingPrincipal's thingPrincipalType, in
// newer models than fleetd's reference one).
const (
	ExclusiveThing    = "EXCLUSIVE_THING"
	NonExclusiveThing = "NON_EXCLUSIVE_THING"
)

type targetKind uint8

const (
	targetCertificate targetKind = iota + 1
	targetThingGroup
	targetCognito
)

// target is a resolved principal or policy target.
type target struct {
	kind      targetKind
	canonical string // certificate and thing group ARNs as this store spells them; Cognito ids as given
	name      string // certificate id (the stored certificate's own string when it exists) or thing group name
}

// key is the target's key in the attachment maps (Store.targetKey).
func (t target) key() string {
	if t.kind == targetCertificate {
		return t.name
	}
	return t.canonical
}

// resolveTarget parses a certificate ARN, a thing group ARN (allowGroup) or
// a Cognito identity id ("region:uuid", taken on trust). With mustExist an
// unknown certificate or thing group is ResourceNotFoundException, as is
// an ARN of another region or account.
func (s *Store) resolveTarget(field, v string, mustExist bool) (target, error) {
	return s.resolve(field, v, mustExist, true)
}

func (s *Store) resolvePrincipal(field, v string, mustExist bool) (target, error) {
	return s.resolve(field, v, mustExist, false)
}

func (s *Store) resolve(field, v string, mustExist, allowGroup bool) (target, error) {
	if !strings.HasPrefix(v, "arn:") {
		if region, id, ok := strings.Cut(v, ":"); ok && region != "" && id != "" {
			return target{kind: targetCognito, canonical: v, name: v}, nil
		}
		return target{}, invalid("%s %s is not a certificate ARN, a thing group ARN or a Cognito identity id.", field, v)
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[2] != "iot" {
		return target{}, invalid("%s %s is not an AWS IoT ARN.", field, v)
	}
	resource, name, _ := strings.Cut(parts[5], "/")
	foreign := parts[3] != s.opts.Region || parts[4] != s.opts.Account
	switch {
	case resource == "cert":
		var c checker
		c.certificateID(field+" certificate id", name)
		if err := c.Err(); err != nil {
			return target{}, err
		}
		id := normalizeCertificateID(name)
		cert, ok := s.certs[id]
		if mustExist && (foreign || !ok) {
			return target{}, notFound(kindCertificate, v)
		}
		if ok {
			id = cert.id // not a substring of the request: attachments keep it
		}
		return target{kind: targetCertificate, canonical: s.CertificateArn(id), name: id}, nil
	case resource == "thinggroup" && allowGroup:
		if mustExist {
			if _, ok := s.opts.Things.ThingGroup(name); foreign || !ok {
				return target{}, notFound(kindThingGroup, v)
			}
		}
		return target{kind: targetThingGroup, canonical: s.ThingGroupArn(name), name: name}, nil
	}
	return target{}, invalid("%s %s names neither a certificate nor a thing group.", field, v)
}

// AttachThingPrincipalRequest is the input of AttachThingPrincipal
// (PUT /things/{thingName}/principals).
type AttachThingPrincipalRequest struct {
	ThingName          string `json:"-" uri:"thingName"`
	Principal          string `json:"-" header:"x-amzn-principal"`
	ThingPrincipalType string `json:"-" query:"thingPrincipalType"`
}

// AttachThingPrincipal attaches a certificate (ARN) or Cognito identity to
// a thing. With EXCLUSIVE_THING the thing must be the principal's only
// one; a principal attached exclusively cannot join another thing
// (InvalidRequestException both). Attaching again succeeds and updates
// the type.
func (s *Store) AttachThingPrincipal(req AttachThingPrincipalRequest, now time.Time) error {
	var c checker
	c.thingName("thingName", req.ThingName)
	c.required("principal", req.Principal)
	c.enum("thingPrincipalType", req.ThingPrincipalType, ExclusiveThing, NonExclusiveThing)
	if err := c.Err(); err != nil {
		return err
	}
	if _, ok := s.opts.Things.Thing(req.ThingName); !ok {
		return notFound(kindThing, req.ThingName)
	}
	p, err := s.resolvePrincipal("principal", req.Principal, true)
	if err != nil {
		return err
	}
	exclusive := req.ThingPrincipalType == ExclusiveThing
	key := p.key()
	for other := range s.principalThings[key].all() {
		if other == req.ThingName {
			continue
		}
		if exclusive {
			return invalid("Principal %s is attached to thing %s; it cannot be attached exclusively to %s.",
				req.Principal, other, req.ThingName)
		}
		if s.exclusivePrincipals[other].contains(key, s.cmpTargetKeys) {
			return invalid("Principal %s is attached exclusively to thing %s.", req.Principal, other)
		}
	}
	principals := s.thingPrincipals[req.ThingName]
	changed := principals.insert(key, s.cmpTargetKeys)
	typeChanged := s.setExclusive(req.ThingName, key, exclusive)
	if changed {
		s.thingPrincipals[req.ThingName] = principals
		things := s.principalThings[key]
		things.insert(req.ThingName, strings.Compare)
		s.principalThings[key] = things
		s.invalidateTarget(key)
	}
	if changed || typeChanged {
		s.dirty(thingPrincipalsKey(req.ThingName))
	}
	return nil
}

// setExclusive records whether a principal (a target key) attached to a
// thing is attached as EXCLUSIVE_THING; it reports whether that changed.
func (s *Store) setExclusive(thing, principal string, exclusive bool) bool {
	set := s.exclusivePrincipals[thing]
	var changed bool
	if exclusive {
		changed = set.insert(principal, s.cmpTargetKeys)
	} else {
		changed = set.remove(principal, s.cmpTargetKeys)
	}
	if changed {
		setOrDelete(s.exclusivePrincipals, thing, set)
	}
	return changed
}

// DetachThingPrincipalRequest is the input of DetachThingPrincipal
// (DELETE /things/{thingName}/principals).
type DetachThingPrincipalRequest struct {
	ThingName string `json:"-" uri:"thingName"`
	Principal string `json:"-" header:"x-amzn-principal"`
}

// DetachThingPrincipal detaches a principal from a thing. The thing and a
// certificate principal must exist (ResourceNotFoundException); detaching
// one that is not attached succeeds.
func (s *Store) DetachThingPrincipal(req DetachThingPrincipalRequest, now time.Time) error {
	var c checker
	c.thingName("thingName", req.ThingName)
	c.required("principal", req.Principal)
	if err := c.Err(); err != nil {
		return err
	}
	if _, ok := s.opts.Things.Thing(req.ThingName); !ok {
		return notFound(kindThing, req.ThingName)
	}
	p, err := s.resolvePrincipal("principal", req.Principal, true)
	if err != nil {
		return err
	}
	s.detachThingPrincipal(req.ThingName, p.key())
	return nil
}

// detachThingPrincipal detaches the principal of a target key.
func (s *Store) detachThingPrincipal(thing, principal string) {
	principals := s.thingPrincipals[thing]
	if !principals.remove(principal, s.cmpTargetKeys) {
		return
	}
	setOrDelete(s.thingPrincipals, thing, principals)
	if principals.len() == 0 {
		delete(s.exclusivePrincipals, thing) // a thing without principals has no exclusive ones
	} else {
		s.setExclusive(thing, principal, false)
	}
	things := s.principalThings[principal]
	things.remove(thing, strings.Compare)
	setOrDelete(s.principalThings, principal, things)
	s.dirty(thingPrincipalsKey(thing))
	s.invalidateTarget(principal)
}

// ListThingPrincipalsRequest is the input of ListThingPrincipals
// (GET /things/{thingName}/principals).
type ListThingPrincipalsRequest struct {
	ThingName  string `json:"-" uri:"thingName"`
	NextToken  string `json:"-" query:"nextToken"`
	MaxResults *int   `json:"-" query:"maxResults"`
}

// ListThingPrincipalsResponse is its output.
type ListThingPrincipalsResponse struct {
	Principals []string `json:"principals"`
	NextToken  string   `json:"nextToken,omitempty"`
}

// ListThingPrincipals lists a thing's principals in byte-wise order: the
// principals of ListThingPrincipalsV2 without their types.
func (s *Store) ListThingPrincipals(req ListThingPrincipalsRequest) (ListThingPrincipalsResponse, error) {
	v2, err := s.ListThingPrincipalsV2(ListThingPrincipalsV2Request{ThingName: req.ThingName, NextToken: req.NextToken, MaxResults: req.MaxResults})
	if err != nil {
		return ListThingPrincipalsResponse{}, err
	}
	out := ListThingPrincipalsResponse{Principals: make([]string, len(v2.ThingPrincipalObjects)), NextToken: v2.NextToken}
	for i, o := range v2.ThingPrincipalObjects {
		out.Principals[i] = o.Principal
	}
	return out, nil
}

// ListPrincipalThingsRequest is the input of ListPrincipalThings
// (GET /principals/things).
type ListPrincipalThingsRequest struct {
	Principal  string `json:"-" header:"x-amzn-principal"`
	NextToken  string `json:"-" query:"nextToken"`
	MaxResults *int   `json:"-" query:"maxResults"`
}

// ListPrincipalThingsResponse is its output.
type ListPrincipalThingsResponse struct {
	Things    []string `json:"things"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListPrincipalThings lists the things a principal is attached to, by
// name: the things of ListPrincipalThingsV2 without their types.
func (s *Store) ListPrincipalThings(req ListPrincipalThingsRequest) (ListPrincipalThingsResponse, error) {
	v2, err := s.ListPrincipalThingsV2(ListPrincipalThingsV2Request{Principal: req.Principal, NextToken: req.NextToken, MaxResults: req.MaxResults})
	if err != nil {
		return ListPrincipalThingsResponse{}, err
	}
	out := ListPrincipalThingsResponse{Things: make([]string, len(v2.PrincipalThingObjects)), NextToken: v2.NextToken}
	for i, o := range v2.PrincipalThingObjects {
		out.Things[i] = o.ThingName
	}
	return out, nil
}

// ThingPrincipals returns the principals attached to a thing, sorted; the
// core refuses DeleteThing while there are any.
func (s *Store) ThingPrincipals(thing string) []string {
	return s.targetArns(s.thingPrincipals[thing])
}

// targetArns returns the canonical forms of a set of target keys, in
// order; nil for none.
func (s *Store) targetArns(keys nameSet) []string {
	if keys.len() == 0 {
		return nil
	}
	out := make([]string, 0, keys.len())
	for k := range keys.all() {
		out = append(out, s.targetArn(k))
	}
	return out
}

// CheckThingDeletable is the core's DeleteThing guard: InvalidRequest
// while principals are attached (spec §1.6.1, inferred).
func (s *Store) CheckThingDeletable(thing string) error {
	if ps := s.ThingPrincipals(thing); len(ps) > 0 {
		return awserr.New(awserr.InvalidRequest,
			"Cannot delete thing %s: it has %d attached principal(s), e.g. %s; detach them first.", thing, len(ps), ps[0])
	}
	return nil
}

// ThingGroupDeleted drops the policy attachments of a deleted thing group;
// the core calls it after DeleteThingGroup.
func (s *Store) ThingGroupDeleted(group string) {
	arn := s.ThingGroupArn(group)
	for _, p := range s.targetPolicies[arn].slice() {
		s.detach(p, arn)
	}
}

// groupsOfPrincipal returns the static thing groups (with ancestors) of
// every thing attached to a principal (a target key), sorted and
// deduplicated.
func (s *Store) groupsOfPrincipal(principal string) []string {
	var groups []string
	for t := range s.principalThings[principal].all() {
		if info, ok := s.opts.Things.Thing(t); ok {
			groups = append(groups, info.StaticGroups...)
		}
	}
	slices.Sort(groups)
	return slices.Compact(groups)
}

// ThingPrincipalObject is one ListThingPrincipalsV2 item.
type ThingPrincipalObject struct {
	Principal          string `json:"principal"`
	ThingPrincipalType string `json:"thingPrincipalType"`
}

// ListThingPrincipalsV2Request is the input of ListThingPrincipalsV2
// (GET /things/{thingName}/principals-v2).
type ListThingPrincipalsV2Request struct {
	ThingName          string `json:"-" uri:"thingName"`
	ThingPrincipalType string `json:"-" query:"thingPrincipalType"`
	NextToken          string `json:"-" query:"nextToken"`
	MaxResults         *int   `json:"-" query:"maxResults"`
}

// ListThingPrincipalsV2Response is its output.
type ListThingPrincipalsV2Response struct {
	ThingPrincipalObjects []ThingPrincipalObject `json:"thingPrincipalObjects"`
	NextToken             string                 `json:"nextToken,omitempty"`
}

// ListThingPrincipalsV2 lists a thing's principals with how each is
// attached, optionally only those of one type.
func (s *Store) ListThingPrincipalsV2(req ListThingPrincipalsV2Request) (ListThingPrincipalsV2Response, error) {
	var c checker
	c.thingName("thingName", req.ThingName)
	c.intRange("maxResults", req.MaxResults, 1, 250)
	if req.ThingPrincipalType != "" {
		c.enum("thingPrincipalType", req.ThingPrincipalType, ExclusiveThing, NonExclusiveThing)
	}
	if err := c.Err(); err != nil {
		return ListThingPrincipalsV2Response{}, err
	}
	if _, ok := s.opts.Things.Thing(req.ThingName); !ok {
		return ListThingPrincipalsV2Response{}, notFound(kindThing, req.ThingName)
	}
	var list []string
	for key := range s.thingPrincipals[req.ThingName].all() {
		if req.ThingPrincipalType == "" || s.principalType(req.ThingName, key) == req.ThingPrincipalType {
			list = append(list, s.targetArn(key))
		}
	}
	page, next, err := pageNames("thing-principals-v2/"+req.ThingName+"/"+req.ThingPrincipalType, list, req.NextToken,
		pageSize(req.MaxResults, DefaultMaxResults))
	if err != nil {
		return ListThingPrincipalsV2Response{}, err
	}
	out := ListThingPrincipalsV2Response{ThingPrincipalObjects: []ThingPrincipalObject{}, NextToken: next}
	for _, p := range page {
		out.ThingPrincipalObjects = append(out.ThingPrincipalObjects, ThingPrincipalObject{Principal: p, ThingPrincipalType: s.principalType(req.ThingName, s.targetKey(p))})
	}
	return out, nil
}

// PrincipalThingObject is one ListPrincipalThingsV2 item.
type PrincipalThingObject struct {
	ThingName          string `json:"thingName"`
	ThingPrincipalType string `json:"thingPrincipalType"`
}

// ListPrincipalThingsV2Request is the input of ListPrincipalThingsV2
// (GET /principals/things-v2).
type ListPrincipalThingsV2Request struct {
	Principal          string `json:"-" header:"x-amzn-principal"`
	ThingPrincipalType string `json:"-" query:"thingPrincipalType"`
	NextToken          string `json:"-" query:"nextToken"`
	MaxResults         *int   `json:"-" query:"maxResults"`
}

// ListPrincipalThingsV2Response is its output.
type ListPrincipalThingsV2Response struct {
	PrincipalThingObjects []PrincipalThingObject `json:"principalThingObjects"`
	NextToken             string                 `json:"nextToken,omitempty"`
}

// ListPrincipalThingsV2 lists the things a principal is attached to with
// how, optionally only those of one type.
func (s *Store) ListPrincipalThingsV2(req ListPrincipalThingsV2Request) (ListPrincipalThingsV2Response, error) {
	var c checker
	c.required("principal", req.Principal)
	c.intRange("maxResults", req.MaxResults, 1, 250)
	if req.ThingPrincipalType != "" {
		c.enum("thingPrincipalType", req.ThingPrincipalType, ExclusiveThing, NonExclusiveThing)
	}
	if err := c.Err(); err != nil {
		return ListPrincipalThingsV2Response{}, err
	}
	p, err := s.resolvePrincipal("principal", req.Principal, true)
	if err != nil {
		return ListPrincipalThingsV2Response{}, err
	}
	key := p.key()
	var list []string
	for t := range s.principalThings[key].all() {
		if req.ThingPrincipalType == "" || s.principalType(t, key) == req.ThingPrincipalType {
			list = append(list, t)
		}
	}
	page, next, err := pageNames("principal-things-v2/"+p.canonical+"/"+req.ThingPrincipalType, list, req.NextToken,
		pageSize(req.MaxResults, DefaultMaxResults))
	if err != nil {
		return ListPrincipalThingsV2Response{}, err
	}
	out := ListPrincipalThingsV2Response{PrincipalThingObjects: []PrincipalThingObject{}, NextToken: next}
	for _, t := range page {
		out.PrincipalThingObjects = append(out.PrincipalThingObjects, PrincipalThingObject{ThingName: t, ThingPrincipalType: s.principalType(t, key)})
	}
	return out, nil
}

// principalType is how a principal (a target key) is attached to a thing.
func (s *Store) principalType(thing, principal string) string {
	if s.exclusivePrincipals[thing].contains(principal, s.cmpTargetKeys) {
		return ExclusiveThing
	}
	return NonExclusiveThing
}
