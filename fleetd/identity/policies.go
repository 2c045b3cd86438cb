package identity

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/policy"
)

// maxPolicyDocumentLen is the model's bound on policyDocument; the policy
// package's 2048-character quota applies after it.
const maxPolicyDocumentLen = 404600

// policyEntry is a named, versioned policy.
type policyEntry struct {
	name         string
	versions     []*policyVersion // ascending by id
	defaultID    int
	nextID       int // version ids are never reused
	tags         []registry.Tag
	created      time.Time
	modified     time.Time // last change of the default version
	generationID string
	seq          uint64
}

type policyVersion struct {
	id       int
	document string
	parsed   *policy.Document // Name is "<policy>@<version>" for Decisions
	created  time.Time
}

func polSeq(p *policyEntry) uint64 { return p.seq }

func (p *policyEntry) version(id int) *policyVersion {
	i, found := slices.BinarySearchFunc(p.versions, id, func(v *policyVersion, id int) int { return v.id - id })
	if !found {
		return nil
	}
	return p.versions[i]
}

func (p *policyEntry) defaultVersion() *policyVersion { return p.version(p.defaultID) }

// parsePolicy validates a policy document (MalformedPolicyException) and
// names it for Decisions.
func parsePolicy(name string, version int, doc string) (*policy.Document, error) {
	parsed, err := policy.Parse([]byte(doc))
	if err != nil {
		return nil, err
	}
	parsed.Name = name + "@" + strconv.Itoa(version)
	return parsed, nil
}

func (c *checker) policyDocument(doc string) {
	c.str("policyDocument", doc, 0, maxPolicyDocumentLen, nil, "")
}

// Policy is one item of ListPolicies and ListAttachedPolicies.
type Policy struct {
	PolicyName string `json:"policyName"`
	PolicyArn  string `json:"policyArn"`
}

// PolicyVersion is one ListPolicyVersions item.
type PolicyVersion struct {
	VersionId        string             `json:"versionId"`
	IsDefaultVersion bool               `json:"isDefaultVersion"`
	CreateDate       registry.Timestamp `json:"createDate"`
}

// CreatePolicyRequest is the input of CreatePolicy (POST /policies/{policyName}).
type CreatePolicyRequest struct {
	PolicyName     string         `json:"-" uri:"policyName"`
	PolicyDocument string         `json:"policyDocument"`
	Tags           []registry.Tag `json:"tags,omitempty"`
}

// CreatePolicyResponse is its output.
type CreatePolicyResponse struct {
	PolicyName      string `json:"policyName"`
	PolicyArn       string `json:"policyArn"`
	PolicyDocument  string `json:"policyDocument"`
	PolicyVersionId string `json:"policyVersionId"`
}

// CreatePolicy creates a policy whose version "1" is the default. A name
// in use is ResourceAlreadyExistsException, whatever the document.
func (s *Store) CreatePolicy(req CreatePolicyRequest, now time.Time) (CreatePolicyResponse, error) {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.policyDocument(req.PolicyDocument)
	c.tags(req.Tags)
	if err := c.Err(); err != nil {
		return CreatePolicyResponse{}, err
	}
	if _, ok := s.policies[req.PolicyName]; ok {
		return CreatePolicyResponse{}, awserr.AlreadyExists(req.PolicyName, s.PolicyArn(req.PolicyName),
			"Policy %s already exists.", req.PolicyName)
	}
	parsed, err := parsePolicy(req.PolicyName, 1, req.PolicyDocument)
	if err != nil {
		return CreatePolicyResponse{}, err
	}
	now = utc(now)
	p := &policyEntry{name: req.PolicyName, defaultID: 1, nextID: 2, tags: req.Tags, created: now, modified: now,
		seq:      s.nextSeq(),
		versions: []*policyVersion{{id: 1, document: req.PolicyDocument, parsed: parsed, created: now}}}
	p.generationID = s.nextGenerationID(policyKey(p.name))
	s.policies[p.name] = p
	s.polOrder = insertBySeq(s.polOrder, polSeq, p)
	s.dirty(policyKey(p.name))
	return CreatePolicyResponse{PolicyName: p.name, PolicyArn: s.PolicyArn(p.name), PolicyDocument: req.PolicyDocument,
		PolicyVersionId: "1"}, nil
}

// GetPolicyRequest is the input of GetPolicy (GET /policies/{policyName}).
type GetPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
}

// GetPolicyResponse is its output: the default version's document.
type GetPolicyResponse struct {
	PolicyName       string             `json:"policyName"`
	PolicyArn        string             `json:"policyArn"`
	PolicyDocument   string             `json:"policyDocument"`
	DefaultVersionId string             `json:"defaultVersionId"`
	CreationDate     registry.Timestamp `json:"creationDate"`
	LastModifiedDate registry.Timestamp `json:"lastModifiedDate"`
	GenerationId     string             `json:"generationId"`
}

// GetPolicy returns a policy's default version.
func (s *Store) GetPolicy(req GetPolicyRequest) (GetPolicyResponse, error) {
	p, err := s.checkedPolicy(req.PolicyName)
	if err != nil {
		return GetPolicyResponse{}, err
	}
	return GetPolicyResponse{PolicyName: p.name, PolicyArn: s.PolicyArn(p.name), PolicyDocument: p.defaultVersion().document,
		DefaultVersionId: strconv.Itoa(p.defaultID), CreationDate: stamp(p.created), LastModifiedDate: stamp(p.modified),
		GenerationId: p.generationID}, nil
}

// ListPoliciesRequest is the input of ListPolicies (GET /policies).
type ListPoliciesRequest struct {
	Marker         string `json:"-" query:"marker"`
	PageSize       *int   `json:"-" query:"pageSize"`
	AscendingOrder bool   `json:"-" query:"isAscendingOrder"`
}

// ListPoliciesResponse is the output of ListPolicies and ListAttachedPolicies.
type ListPoliciesResponse struct {
	Policies   []Policy `json:"policies"`
	NextMarker string   `json:"nextMarker,omitempty"`
}

// ListPolicies lists policies in creation order, newest first unless
// isAscendingOrder (the model: "ascending creation order").
func (s *Store) ListPolicies(req ListPoliciesRequest) (ListPoliciesResponse, error) {
	var c checker
	c.intRange("pageSize", req.PageSize, 1, 250)
	c.marker("marker", req.Marker)
	if err := c.Err(); err != nil {
		return ListPoliciesResponse{}, err
	}
	items, next, err := pageBySeq("policies", s.polOrder, polSeq, req.Marker, pageSize(req.PageSize, DefaultPageSize),
		req.AscendingOrder, func(p *policyEntry) (Policy, bool) {
			return Policy{PolicyName: p.name, PolicyArn: s.PolicyArn(p.name)}, true
		})
	if err != nil {
		return ListPoliciesResponse{}, err
	}
	return ListPoliciesResponse{Policies: items, NextMarker: next}, nil
}

// DeletePolicyRequest is the input of DeletePolicy (DELETE /policies/{policyName}).
type DeletePolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
}

// DeletePolicy deletes a policy that is attached to nothing and has no
// version but its default (DeleteConflictException otherwise).
func (s *Store) DeletePolicy(req DeletePolicyRequest, now time.Time) error {
	p, err := s.checkedPolicy(req.PolicyName)
	if err != nil {
		return err
	}
	if targets := s.sortedTargets(p.name); len(targets) > 0 {
		return awserr.New(awserr.DeleteConflict, "Policy %s is attached to %d target(s), e.g. %s; detach it first.",
			p.name, len(targets), targets[0])
	}
	if len(p.versions) > 1 {
		return awserr.New(awserr.DeleteConflict,
			"Policy %s has %d versions; delete every version but the default with DeletePolicyVersion first.", p.name, len(p.versions))
	}
	delete(s.policies, p.name)
	s.polOrder = removeBySeq(s.polOrder, polSeq, p.seq)
	s.dirty(policyKey(p.name))
	return nil
}

// CreatePolicyVersionRequest is the input of CreatePolicyVersion
// (POST /policies/{policyName}/version).
type CreatePolicyVersionRequest struct {
	PolicyName     string `json:"-" uri:"policyName"`
	PolicyDocument string `json:"policyDocument"`
	SetAsDefault   bool   `json:"-" query:"setAsDefault"`
}

// CreatePolicyVersionResponse is its output.
type CreatePolicyVersionResponse struct {
	PolicyArn        string `json:"policyArn"`
	PolicyDocument   string `json:"policyDocument"`
	PolicyVersionId  string `json:"policyVersionId"`
	IsDefaultVersion bool   `json:"isDefaultVersion"`
}

// CreatePolicyVersion adds a version (VersionsLimitExceededException at
// MaxPolicyVersions), the default with setAsDefault.
func (s *Store) CreatePolicyVersion(req CreatePolicyVersionRequest, now time.Time) (CreatePolicyVersionResponse, error) {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.policyDocument(req.PolicyDocument)
	if err := c.Err(); err != nil {
		return CreatePolicyVersionResponse{}, err
	}
	p, err := s.policy(req.PolicyName)
	if err != nil {
		return CreatePolicyVersionResponse{}, err
	}
	if len(p.versions) >= MaxPolicyVersions {
		return CreatePolicyVersionResponse{}, awserr.New(awserr.VersionsLimitExceeded,
			"The policy %s already has the maximum number of versions (%d).", p.name, MaxPolicyVersions)
	}
	parsed, err := parsePolicy(p.name, p.nextID, req.PolicyDocument)
	if err != nil {
		return CreatePolicyVersionResponse{}, err
	}
	now = utc(now)
	v := &policyVersion{id: p.nextID, document: req.PolicyDocument, parsed: parsed, created: now}
	p.nextID++
	p.versions = append(p.versions, v)
	if req.SetAsDefault {
		s.setDefault(p, v.id, now)
	}
	s.dirty(policyKey(p.name))
	return CreatePolicyVersionResponse{PolicyArn: s.PolicyArn(p.name), PolicyDocument: v.document,
		PolicyVersionId: strconv.Itoa(v.id), IsDefaultVersion: p.defaultID == v.id}, nil
}

func (s *Store) setDefault(p *policyEntry, id int, now time.Time) {
	p.defaultID = id
	p.modified = utc(now)
	p.generationID = s.nextGenerationID(policyKey(p.name))
	s.dirty(policyKey(p.name))
	s.invalidatePolicy(p.name)
}

// PolicyVersionRequest names one version of a policy: the input of
// GetPolicyVersion (GET), DeletePolicyVersion (DELETE) and
// SetDefaultPolicyVersion (PATCH), all on
// /policies/{policyName}/version/{policyVersionId}.
type PolicyVersionRequest struct {
	PolicyName      string `json:"-" uri:"policyName"`
	PolicyVersionId string `json:"-" uri:"policyVersionId"`
}

// GetPolicyVersionRequest is the input of GetPolicyVersion.
type GetPolicyVersionRequest = PolicyVersionRequest

// DeletePolicyVersionRequest is the input of DeletePolicyVersion.
type DeletePolicyVersionRequest = PolicyVersionRequest

// SetDefaultPolicyVersionRequest is the input of SetDefaultPolicyVersion.
type SetDefaultPolicyVersionRequest = PolicyVersionRequest

// GetPolicyVersionResponse is the output of GetPolicyVersion.
type GetPolicyVersionResponse struct {
	PolicyArn        string             `json:"policyArn"`
	PolicyName       string             `json:"policyName"`
	PolicyDocument   string             `json:"policyDocument"`
	PolicyVersionId  string             `json:"policyVersionId"`
	IsDefaultVersion bool               `json:"isDefaultVersion"`
	CreationDate     registry.Timestamp `json:"creationDate"`
	LastModifiedDate registry.Timestamp `json:"lastModifiedDate"`
	GenerationId     string             `json:"generationId"`
}

// GetPolicyVersion returns one version. Versions never change, so its
// lastModifiedDate is its creation date; generationId is the policy's.
func (s *Store) GetPolicyVersion(req GetPolicyVersionRequest) (GetPolicyVersionResponse, error) {
	p, v, err := s.policyVersion(req)
	if err != nil {
		return GetPolicyVersionResponse{}, err
	}
	return GetPolicyVersionResponse{PolicyArn: s.PolicyArn(p.name), PolicyName: p.name, PolicyDocument: v.document,
		PolicyVersionId: strconv.Itoa(v.id), IsDefaultVersion: v.id == p.defaultID, CreationDate: stamp(v.created),
		LastModifiedDate: stamp(v.created), GenerationId: p.generationID}, nil
}

// ListPolicyVersionsRequest is the input of ListPolicyVersions
// (GET /policies/{policyName}/version).
type ListPolicyVersionsRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
}

// ListPolicyVersionsResponse is its output.
type ListPolicyVersionsResponse struct {
	PolicyVersions []PolicyVersion `json:"policyVersions"`
}

// ListPolicyVersions lists a policy's versions, newest first.
func (s *Store) ListPolicyVersions(req ListPolicyVersionsRequest) (ListPolicyVersionsResponse, error) {
	p, err := s.checkedPolicy(req.PolicyName)
	if err != nil {
		return ListPolicyVersionsResponse{}, err
	}
	out := make([]PolicyVersion, 0, len(p.versions))
	for i := len(p.versions) - 1; i >= 0; i-- {
		v := p.versions[i]
		out = append(out, PolicyVersion{VersionId: strconv.Itoa(v.id), IsDefaultVersion: v.id == p.defaultID,
			CreateDate: stamp(v.created)})
	}
	return ListPolicyVersionsResponse{PolicyVersions: out}, nil
}

// DeletePolicyVersion deletes a version other than the default
// (DeleteConflictException for the default: DeletePolicy deletes it).
func (s *Store) DeletePolicyVersion(req DeletePolicyVersionRequest, now time.Time) error {
	p, v, err := s.policyVersion(req)
	if err != nil {
		return err
	}
	if v.id == p.defaultID {
		return awserr.New(awserr.DeleteConflict,
			"Version %d is the default version of policy %s; it cannot be deleted (DeletePolicy deletes it).", v.id, p.name)
	}
	p.versions = slices.DeleteFunc(p.versions, func(x *policyVersion) bool { return x == v })
	s.dirty(policyKey(p.name))
	return nil
}

// SetDefaultPolicyVersion makes a version the operative one; it takes
// effect at once for every certificate the policy applies to.
func (s *Store) SetDefaultPolicyVersion(req SetDefaultPolicyVersionRequest, now time.Time) error {
	p, v, err := s.policyVersion(req)
	if err != nil {
		return err
	}
	if v.id != p.defaultID {
		s.setDefault(p, v.id, now)
	}
	return nil
}

func (s *Store) checkedPolicy(name string) (*policyEntry, error) {
	var c checker
	c.policyName("policyName", name)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return s.policy(name)
}

func (s *Store) policy(name string) (*policyEntry, error) {
	p := s.policies[name]
	if p == nil {
		return nil, notFound(kindPolicy, name)
	}
	return p, nil
}

func (s *Store) policyVersion(req PolicyVersionRequest) (*policyEntry, *policyVersion, error) {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.versionID("policyVersionId", req.PolicyVersionId)
	if err := c.Err(); err != nil {
		return nil, nil, err
	}
	p, err := s.policy(req.PolicyName)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.Atoi(req.PolicyVersionId)
	v := p.version(id)
	if err != nil || v == nil {
		return nil, nil, awserr.New(awserr.ResourceNotFound, "Policy %s has no version %s.", p.name, req.PolicyVersionId)
	}
	return p, v, nil
}

// Attachments.

// AttachPolicyRequest is the input of AttachPolicy
// (PUT /target-policies/{policyName}).
type AttachPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
	Target     string `json:"target"`
}

// AttachPolicy attaches a policy to a certificate ARN, a thing group ARN or
// a Cognito identity id; at most MaxPoliciesPerTarget per target
// (LimitExceededException). Attaching again succeeds.
func (s *Store) AttachPolicy(req AttachPolicyRequest, now time.Time) error {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.required("target", req.Target)
	if err := c.Err(); err != nil {
		return err
	}
	p, err := s.policy(req.PolicyName)
	if err != nil {
		return err
	}
	target, err := s.resolveTarget("target", req.Target, true)
	if err != nil {
		return err
	}
	if target.kind == targetThingGroup && s.opts.Things.DynamicThingGroup(target.name) {
		return invalid("Policies cannot be attached to dynamic thing group %s.", target.name)
	}
	return s.attach(p.name, target.key())
}

// attach attaches a policy to a target key.
func (s *Store) attach(policyName, target string) error {
	policies := s.targetPolicies[target]
	if policies.contains(policyName, strings.Compare) {
		return nil
	}
	if n := policies.len(); n >= MaxPoliciesPerTarget {
		return awserr.New(awserr.LimitExceeded, "%s already has %d policies attached; the limit is %d.",
			s.targetArn(target), n, MaxPoliciesPerTarget)
	}
	policies.insert(policyName, strings.Compare)
	s.targetPolicies[target] = policies
	s.addPolicyTarget(policyName, target)
	s.dirty(targetPoliciesKey(s.targetArn(target)))
	s.invalidateTarget(target)
	return nil
}

// DetachPolicyRequest is the input of DetachPolicy
// (POST /target-policies/{policyName}).
type DetachPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
	Target     string `json:"target"`
}

// DetachPolicy detaches a policy from a target. The model lists no
// ResourceNotFoundException: detaching what is not attached, or an unknown
// policy or target, succeeds.
func (s *Store) DetachPolicy(req DetachPolicyRequest, now time.Time) error {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.required("target", req.Target)
	if err := c.Err(); err != nil {
		return err
	}
	target, err := s.resolveTarget("target", req.Target, false)
	if err != nil {
		return err
	}
	s.detach(req.PolicyName, target.key())
	return nil
}

// detach detaches a policy from a target key.
func (s *Store) detach(policyName, target string) {
	policies := s.targetPolicies[target]
	if !policies.remove(policyName, strings.Compare) {
		return
	}
	setOrDelete(s.targetPolicies, target, policies)
	s.removePolicyTarget(policyName, target)
	s.dirty(targetPoliciesKey(s.targetArn(target)))
	s.invalidateTarget(target)
}

// setOrDelete stores a set, or deletes its key when the set is empty.
func setOrDelete(m map[string]nameSet, k string, v nameSet) {
	if v.len() == 0 {
		delete(m, k)
	} else {
		m[k] = v
	}
}

// ListAttachedPoliciesRequest is the input of ListAttachedPolicies
// (POST /attached-policies/{target}).
type ListAttachedPoliciesRequest struct {
	Target    string `json:"-" uri:"target"`
	Recursive bool   `json:"-" query:"recursive"`
	Marker    string `json:"-" query:"marker"`
	PageSize  *int   `json:"-" query:"pageSize"`
}

// ListAttachedPolicies lists the policies attached to a target, by name.
// recursive adds, for a thing group, the policies of its ancestors and, for
// a certificate, those of the static thing groups of its things: the
// policies that apply to it.
func (s *Store) ListAttachedPolicies(req ListAttachedPoliciesRequest) (ListPoliciesResponse, error) {
	var c checker
	c.required("target", req.Target)
	c.intRange("pageSize", req.PageSize, 1, 250)
	c.marker("marker", req.Marker)
	if err := c.Err(); err != nil {
		return ListPoliciesResponse{}, err
	}
	target, err := s.resolveTarget("target", req.Target, true)
	if err != nil {
		return ListPoliciesResponse{}, err
	}
	names := s.targetPolicies[target.key()].slice()
	if req.Recursive {
		var groups []string
		switch target.kind {
		case targetThingGroup:
			groups, _ = s.opts.Things.ThingGroup(target.name)
		case targetCertificate:
			groups = s.groupsOfPrincipal(target.key())
		}
		for _, g := range groups {
			names = s.targetPolicies[s.ThingGroupArn(g)].appendTo(names)
		}
		slices.Sort(names)
		names = slices.Compact(names)
	}
	page, next, err := pageNames("attached-policies/"+target.canonical+"/"+strconv.FormatBool(req.Recursive), names,
		req.Marker, pageSize(req.PageSize, DefaultPageSize))
	if err != nil {
		return ListPoliciesResponse{}, err
	}
	out := make([]Policy, len(page))
	for i, n := range page {
		out[i] = Policy{PolicyName: n, PolicyArn: s.PolicyArn(n)}
	}
	return ListPoliciesResponse{Policies: out, NextMarker: next}, nil
}

// ListTargetsForPolicyRequest is the input of ListTargetsForPolicy
// (POST /policy-targets/{policyName}).
type ListTargetsForPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
	Marker     string `json:"-" query:"marker"`
	PageSize   *int   `json:"-" query:"pageSize"`
}

// ListTargetsForPolicyResponse is its output.
type ListTargetsForPolicyResponse struct {
	Targets    []string `json:"targets"`
	NextMarker string   `json:"nextMarker,omitempty"`
}

// ListTargetsForPolicy lists a policy's targets in byte-wise order.
func (s *Store) ListTargetsForPolicy(req ListTargetsForPolicyRequest) (ListTargetsForPolicyResponse, error) {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.intRange("pageSize", req.PageSize, 1, 250)
	c.marker("marker", req.Marker)
	if err := c.Err(); err != nil {
		return ListTargetsForPolicyResponse{}, err
	}
	p, err := s.policy(req.PolicyName)
	if err != nil {
		return ListTargetsForPolicyResponse{}, err
	}
	page, next, err := pageNames("policy-targets/"+p.name, s.sortedTargets(p.name), req.Marker,
		pageSize(req.PageSize, DefaultPageSize))
	if err != nil {
		return ListTargetsForPolicyResponse{}, err
	}
	return ListTargetsForPolicyResponse{Targets: page, NextMarker: next}, nil
}

// Legacy principal-policy operations (deprecated in the model, still used
// by older scripts and SDKs). The principal travels in a header.

// AttachPrincipalPolicyRequest is the input of AttachPrincipalPolicy
// (PUT /principal-policies/{policyName}).
type AttachPrincipalPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
	Principal  string `json:"-" header:"x-amzn-iot-principal"`
}

// AttachPrincipalPolicy is AttachPolicy with a certificate or Cognito
// principal.
func (s *Store) AttachPrincipalPolicy(req AttachPrincipalPolicyRequest, now time.Time) error {
	if err := s.checkPrincipalHeader(req.Principal); err != nil {
		return err
	}
	return s.AttachPolicy(AttachPolicyRequest{PolicyName: req.PolicyName, Target: req.Principal}, now)
}

// DetachPrincipalPolicyRequest is the input of DetachPrincipalPolicy
// (DELETE /principal-policies/{policyName}).
type DetachPrincipalPolicyRequest struct {
	PolicyName string `json:"-" uri:"policyName"`
	Principal  string `json:"-" header:"x-amzn-iot-principal"`
}

// DetachPrincipalPolicy is DetachPolicy for a principal; unlike it, an
// unknown policy is ResourceNotFoundException (the model lists it).
func (s *Store) DetachPrincipalPolicy(req DetachPrincipalPolicyRequest, now time.Time) error {
	if err := s.checkPrincipalHeader(req.Principal); err != nil {
		return err
	}
	if _, err := s.checkedPolicy(req.PolicyName); err != nil {
		return err
	}
	return s.DetachPolicy(DetachPolicyRequest{PolicyName: req.PolicyName, Target: req.Principal}, now)
}

// ListPrincipalPoliciesRequest is the input of ListPrincipalPolicies
// (GET /principal-policies).
type ListPrincipalPoliciesRequest struct {
	Principal      string `json:"-" header:"x-amzn-iot-principal"`
	Marker         string `json:"-" query:"marker"`
	PageSize       *int   `json:"-" query:"pageSize"`
	AscendingOrder bool   `json:"-" query:"isAscendingOrder"`
}

// ListPrincipalPolicies lists the policies attached to a principal in
// byte-wise name order (isAscendingOrder is accepted and has no effect:
// attachments have no creation order worth keeping).
func (s *Store) ListPrincipalPolicies(req ListPrincipalPoliciesRequest) (ListPoliciesResponse, error) {
	if err := s.checkPrincipalHeader(req.Principal); err != nil {
		return ListPoliciesResponse{}, err
	}
	return s.ListAttachedPolicies(ListAttachedPoliciesRequest{Target: req.Principal, Marker: req.Marker, PageSize: req.PageSize})
}

// ListPolicyPrincipalsRequest is the input of ListPolicyPrincipals
// (GET /policy-principals).
type ListPolicyPrincipalsRequest struct {
	PolicyName     string `json:"-" header:"x-amzn-iot-policy"`
	Marker         string `json:"-" query:"marker"`
	PageSize       *int   `json:"-" query:"pageSize"`
	AscendingOrder bool   `json:"-" query:"isAscendingOrder"`
}

// ListPolicyPrincipalsResponse is its output.
type ListPolicyPrincipalsResponse struct {
	Principals []string `json:"principals"`
	NextMarker string   `json:"nextMarker,omitempty"`
}

// ListPolicyPrincipals lists the principals (not thing groups) a policy is
// attached to, in byte-wise order.
func (s *Store) ListPolicyPrincipals(req ListPolicyPrincipalsRequest) (ListPolicyPrincipalsResponse, error) {
	var c checker
	c.policyName("policyName", req.PolicyName)
	c.intRange("pageSize", req.PageSize, 1, 250)
	c.marker("marker", req.Marker)
	if err := c.Err(); err != nil {
		return ListPolicyPrincipalsResponse{}, err
	}
	p, err := s.policy(req.PolicyName)
	if err != nil {
		return ListPolicyPrincipalsResponse{}, err
	}
	var principals []string
	for _, t := range s.sortedTargets(p.name) {
		if !strings.Contains(t, ":thinggroup/") {
			principals = append(principals, t)
		}
	}
	page, next, err := pageNames("policy-principals/"+p.name, principals, req.Marker, pageSize(req.PageSize, DefaultPageSize))
	if err != nil {
		return ListPolicyPrincipalsResponse{}, err
	}
	return ListPolicyPrincipalsResponse{Principals: page, NextMarker: next}, nil
}

func (s *Store) checkPrincipalHeader(principal string) error {
	var c checker
	c.required("principal", principal)
	return c.Err()
}
