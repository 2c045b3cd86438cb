package identity

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/registry"
	"github.com/fleetlab/fleetlab/fleetd/security/pki"
)

// Limits and defaults (spec §6.1 quotas, model documentation).
const (
	DefaultRegion  = registry.DefaultRegion
	DefaultAccount = registry.DefaultAccount

	// MaxPoliciesPerTarget is AWS's quota of policies attached to one
	// principal or thing group.
	MaxPoliciesPerTarget = 10
	// MaxPolicyVersions is the number of versions a policy may hold.
	MaxPolicyVersions = 5
	// MaxCAsPerSubject bounds registered CA certificates sharing a subject.
	MaxCAsPerSubject = 10
	// DefaultPageSize is the page size of the marker/pageSize lists when
	// pageSize is absent (model: "a default page size of 25").
	DefaultPageSize = 25
	// DefaultMaxResults is the page size of the nextToken/maxResults lists
	// (ListThingPrincipals, ListPrincipalThings), as in the registry.
	DefaultMaxResults = registry.DefaultMaxResults
	// OwnershipTokenLifetime is how long a claim certificate's ownership
	// token is valid (spec §3.3).
	OwnershipTokenLifetime = time.Hour
)

// Options configure a Store. CA, Rand and Things are required.
type Options struct {
	// CA is fleetd's own certificate authority: it signs the certificates
	// of CreateKeysAndCertificate, CreateCertificateFromCsr and the claim
	// flow. It plays the part of Amazon's CA and is not a registered CA.
	CA *pki.CA
	// Rand feeds serial numbers, registration codes and ownership tokens.
	Rand    io.Reader
	Region  string
	Account string
	// Things answers the store's questions about the registry.
	Things Things
	// Templates, when set, checks the provisioning templates CA
	// certificates name.
	Templates Templates
}

// Templates is provisioning as the identity store sees it.
type Templates interface {
	// CheckJITPTemplate returns ResourceNotFoundException when no
	// provisioning template has the name and InvalidRequestException when
	// it is not a JITP template.
	CheckJITPTemplate(name string) error
}

// Things is the registry as the identity store sees it; the core implements
// it over fleetd/registry. Answers must reflect the registry at the time of
// the call.
type Things interface {
	// Thing returns a thing's type, attributes and static thing groups
	// (direct groups and all their ancestors), or false when it does not
	// exist.
	Thing(name string) (ThingInfo, bool)
	// ThingGroup reports whether a thing group exists and returns its
	// static ancestors, parent first (none for a root or dynamic group).
	ThingGroup(name string) (ancestors []string, ok bool)
	// DynamicThingGroup reports whether a thing group exists and is
	// dynamic: AWS attaches no policies to those.
	DynamicThingGroup(name string) bool
}

// ThingInfo is what authorization needs to know about a thing.
type ThingInfo struct {
	TypeName     string
	Attributes   map[string]string
	StaticGroups []string // direct static groups and their ancestors
}

// Store holds certificates, CA certificates, policies and the attachments
// between them, things and thing groups. It is not safe for concurrent use;
// the core serialises calls.
type Store struct {
	opts Options

	certs     map[string]certificate // values, kept in the map itself: a fleet holds millions
	certOrder []certRef              // by seq, i.e. creation order
	cas       map[string]*caCertificate
	caOrder   []*caCertificate
	policies  map[string]*policyEntry
	polOrder  []*policyEntry

	// Attachments are keyed by target key (targetKey): a certificate's id,
	// shared with its record, rather than its ARN, which is built only
	// when an answer or a record needs it.
	//
	// targetPolicies: target → its sorted policies, at most
	// MaxPoliciesPerTarget: what is persisted. policyTargets is its
	// inverse, a set per policy, so that attaching one policy to a million
	// certificates costs O(1) each.
	policyTargets  map[string]map[string]struct{}
	targetPolicies map[string]nameSet
	// thingPrincipals: thing → its principals, as target keys in the
	// byte-wise order of their canonical forms (cmpTargetKeys);
	// exclusivePrincipals: thing → those of them attached as
	// EXCLUSIVE_THING, kept apart because few things have any;
	// principalThings: principal → thing names, byte-wise.
	thingPrincipals     map[string]nameSet
	exclusivePrincipals map[string]nameSet
	principalThings     map[string]nameSet
	certArnPrefix       string // "arn:aws:iot:<region>:<account>:cert/"

	claims      map[string]claim  // by certificate id
	claimTokens map[string]string // token → certificate id
	claimsPeak  int               // most claims since the maps were last made (shrinkClaims)
	deadlines   deadlineHeap      // claim expiries, a min-heap; stale entries skipped

	registrationCode string
	seq              uint64 // creation order of certificates, CAs and policies
	generation       uint64 // feeds generationIds

	changes     map[string]struct{}
	deactivated map[string]struct{}
	auth        map[string]*Authorizer
}

// New returns an empty store.
func New(opts Options) (*Store, error) {
	var errs []error
	if opts.CA == nil {
		errs = append(errs, errors.New("identity: Options.CA is required"))
	}
	if opts.Rand == nil {
		errs = append(errs, errors.New("identity: Options.Rand is required"))
	}
	if opts.Things == nil {
		errs = append(errs, errors.New("identity: Options.Things is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	s := &Store{
		opts:                opts,
		certs:               map[string]certificate{},
		cas:                 map[string]*caCertificate{},
		policies:            map[string]*policyEntry{},
		policyTargets:       map[string]map[string]struct{}{},
		targetPolicies:      map[string]nameSet{},
		thingPrincipals:     map[string]nameSet{},
		exclusivePrincipals: map[string]nameSet{},
		principalThings:     map[string]nameSet{},
		claims:              map[string]claim{},
		claimTokens:         map[string]string{},
		changes:             map[string]struct{}{},
		deactivated:         map[string]struct{}{},
		auth:                map[string]*Authorizer{},
	}
	s.certArnPrefix = s.arnPrefix() + "cert/"
	return s, nil
}

// ARNs.

func (s *Store) arnPrefix() string {
	return "arn:aws:iot:" + s.opts.Region + ":" + s.opts.Account + ":"
}

// CertificateArn returns the ARN of a certificate id.
func (s *Store) CertificateArn(id string) string { return s.certArnPrefix + id }

// Target keys. A certificate target is keyed by its id, any other target
// (thing group ARN, Cognito identity id) by its canonical form. Ids are
// hex and so never contain ':', which the others always do: the keys of
// different targets never collide.

func isCertKey(key string) bool { return !strings.Contains(key, ":") }

// targetArn returns the canonical form of a target key, as answers and
// records spell it.
func (s *Store) targetArn(key string) string {
	if isCertKey(key) {
		return s.CertificateArn(key)
	}
	return key
}

// targetKey returns the key of a canonical target.
func (s *Store) targetKey(canonical string) string {
	if id, ok := strings.CutPrefix(canonical, s.certArnPrefix); ok && isCertKey(id) {
		return id
	}
	return canonical
}

// cmpTargetKeys orders target keys as their canonical forms sort
// byte-wise, without building them.
func (s *Store) cmpTargetKeys(a, b string) int {
	var pa, pb string
	if isCertKey(a) {
		pa = s.certArnPrefix
	}
	if isCertKey(b) {
		pb = s.certArnPrefix
	}
	return compareConcat(pa, a, pb, b)
}

// compareConcat compares a1+a2 with b1+b2 byte-wise.
func compareConcat(a1, a2, b1, b2 string) int {
	for {
		if a1 == "" {
			a1, a2 = a2, ""
		}
		if b1 == "" {
			b1, b2 = b2, ""
		}
		if a1 == "" || b1 == "" {
			return cmp.Compare(len(a1), len(b1))
		}
		n := min(len(a1), len(b1))
		if c := strings.Compare(a1[:n], b1[:n]); c != 0 {
			return c
		}
		a1, b1 = a1[n:], b1[n:]
	}
}

// CACertificateArn returns the ARN of a CA certificate id.
func (s *Store) CACertificateArn(id string) string { return s.arnPrefix() + "cacert/" + id }

// PolicyArn returns the ARN of a policy.
func (s *Store) PolicyArn(name string) string { return s.arnPrefix() + "policy/" + name }

// ThingGroupArn returns the ARN of a thing group (a policy target).
func (s *Store) ThingGroupArn(name string) string { return s.arnPrefix() + "thinggroup/" + name }

// Change log.

// Changes is what changed since the last DrainChanges.
type Changes struct {
	// Records are the record keys written or deleted, sorted. Read each
	// with Record: false means delete it from the store.
	Records []string
	// Deactivated are the certificates, sorted, that left ACTIVE or were
	// deleted: the gateway disconnects the devices using them (AWS does so
	// "within a few minutes"; fleetd at once).
	Deactivated []string
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool { return len(c.Records) == 0 && len(c.Deactivated) == 0 }

// DrainChanges returns the changes since the last call and forgets them.
func (s *Store) DrainChanges() Changes {
	c := Changes{Records: sortedKeys(s.changes), Deactivated: sortedKeys(s.deactivated)}
	clear(s.changes)
	clear(s.deactivated)
	return c
}

func (s *Store) dirty(key string) { s.changes[key] = struct{}{} }

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// nextSeq returns the next creation sequence number.
func (s *Store) nextSeq() uint64 {
	s.seq++
	s.dirty(metaKey)
	return s.seq
}

// nextGenerationID returns a new generationId for the resource behind key:
// AWS's are opaque 64-hex strings that change with every update. Derived
// from a counter, so the same history gives the same ids.
func (s *Store) nextGenerationID(key string) string {
	sum := s.nextGenerationSum(key)
	return hex.EncodeToString(sum[:])
}

// nextGenerationSum is nextGenerationID before its hex encoding, half the
// size: what a certificate keeps.
func (s *Store) nextGenerationSum(key string) [sha256.Size]byte {
	s.generation++
	s.dirty(metaKey)
	return sha256.Sum256([]byte(key + "#" + strconv.FormatUint(s.generation, 10)))
}

// utc drops the location and monotonic reading, as records store it.
func utc(t time.Time) time.Time { return t.UTC().Round(0) }

// instant is a time as utc keeps it, in 16 bytes rather than time.Time's
// 24: what a certificate keeps.
type instant struct {
	sec  int64 // Unix seconds
	nsec int32
}

func instantOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

func (i instant) time() time.Time { return time.Unix(i.sec, int64(i.nsec)).UTC() }

func stamp(t time.Time) registry.Timestamp { return registry.Timestamp{Time: t} }

func errorf(format string, args ...any) error { return fmt.Errorf("identity: "+format, args...) }

// sortedTargets returns a policy's targets, canonical, in byte-wise order.
func (s *Store) sortedTargets(policyName string) []string {
	set := s.policyTargets[policyName]
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, s.targetArn(t))
	}
	slices.Sort(out)
	return out
}

func (s *Store) addPolicyTarget(policyName, target string) {
	set := s.policyTargets[policyName]
	if set == nil {
		set = map[string]struct{}{}
		s.policyTargets[policyName] = set
	}
	set[target] = struct{}{}
}

func (s *Store) removePolicyTarget(policyName, target string) {
	if set := s.policyTargets[policyName]; set != nil {
		delete(set, target)
		if len(set) == 0 {
			delete(s.policyTargets, policyName)
		}
	}
}
