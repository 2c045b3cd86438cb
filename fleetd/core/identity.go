package core

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/awserr"
	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Certificates, CA certificates, policies and principals live in an
// identity.Store the core owns when Options.CA is set. The store reads the
// registry through coreThings; its changes are persisted like the
// registry's, and certificates that stop being ACTIVE are reported as
// events so the gateway can drop their connections.

// EventCertificateDeactivated reports a certificate that left ACTIVE or
// was deleted (Detail: its id).
const EventCertificateDeactivated EventKind = "CertificateDeactivated"

// identityPrefixes are the record keys the identity store owns.
var identityPrefixes = []string{"identity/", "cert/", "cacert/", "policy/", "attach/", "claim/"}

func ownedByIdentity(key string) bool {
	for _, p := range identityPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// errNoCA answers certificate operations on a core without a CA.
var errNoCA = awserr.New(awserr.InvalidRequest, "This fleetd has no certificate authority configured: certificates, policies and provisioning are unavailable")

// noIdentity says why identity operations are unavailable.
func (c *Core) noIdentity() error {
	if c.identErr != nil {
		return fmt.Errorf("the identity store did not start: %w", c.identErr)
	}
	return errNoCA
}

// newIdentity builds the identity store, or nil without a CA.
func (c *Core) newIdentity() (*identity.Store, error) {
	if c.opts.CA == nil {
		return nil, nil
	}
	entropy := c.opts.Entropy
	if entropy == nil {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], c.opts.Seed)
		copy(seed[8:], "fleetd identity")
		entropy = rand.NewChaCha8(seed)
	}
	return identity.New(identity.Options{CA: c.opts.CA, Rand: entropy, Region: c.opts.Region, Account: c.opts.Account, Things: coreThings{c},
		Templates: coreTemplates{c}})
}

// Identity returns the identity store, nil when the core has no CA.
func (c *Core) Identity() *identity.Store { return c.ident }

// DoIdentity runs a mutating identity operation — a method of
// identity.Store with the AWS shape op(request, now) — and applies its
// consequences: records, and events for certificates that were
// deactivated.
func DoIdentity[Req, Resp any](c *Core, now time.Time, op func(*identity.Store, Req, time.Time) (Resp, error), req Req) (Resp, error) {
	if c.ident == nil {
		var zero Resp
		return zero, c.noIdentity()
	}
	resp, err := op(c.ident, req, now)
	c.afterIdentity(now)
	return resp, err
}

// DoIdentityErr is DoIdentity for operations whose AWS response is empty.
func DoIdentityErr[Req any](c *Core, now time.Time, op func(*identity.Store, Req, time.Time) error, req Req) error {
	if c.ident == nil {
		return c.noIdentity()
	}
	err := op(c.ident, req, now)
	c.afterIdentity(now)
	return err
}

// ReadIdentity runs a read-only identity operation.
func ReadIdentity[Req, Resp any](c *Core, op func(*identity.Store, Req) (Resp, error), req Req) (Resp, error) {
	if c.ident == nil {
		var zero Resp
		return zero, c.noIdentity()
	}
	return op(c.ident, req)
}

// afterIdentity persists what the identity store changed and reports the
// certificates that can no longer connect.
func (c *Core) afterIdentity(now time.Time) {
	if c.ident == nil {
		return
	}
	ch := c.ident.DrainChanges()
	for _, k := range ch.Records {
		c.markDirty(k)
	}
	for _, id := range ch.Deactivated {
		c.event(Event{Time: now, Kind: EventCertificateDeactivated, Detail: id})
	}
}

// coreThings is the registry as the identity store sees it.
type coreThings struct{ c *Core }

func (t coreThings) Thing(name string) (identity.ThingInfo, bool) {
	v, ok := t.c.reg.View(name)
	if !ok {
		return identity.ThingInfo{}, false
	}
	var groups []string
	for _, g := range v.GroupNames {
		if g != v.BillingGroupName && t.c.reg.ThingGroupExists(g) {
			if _, dynamic := t.c.reg.DynamicGroup(g); !dynamic {
				groups = append(groups, g)
			}
		}
	}
	return identity.ThingInfo{TypeName: v.ThingTypeName, Attributes: v.Attributes.Map(), StaticGroups: groups}, true
}

// coreTemplates answers identity's questions about provisioning templates.
type coreTemplates struct{ c *Core }

func (t coreTemplates) CheckJITPTemplate(name string) error {
	if t.c.prov == nil {
		return nil
	}
	return t.c.prov.CheckJITPTemplate(name)
}

func (t coreThings) DynamicThingGroup(name string) bool {
	_, dynamic := t.c.reg.DynamicGroup(name)
	return dynamic
}

func (t coreThings) ThingGroup(name string) ([]string, bool) {
	d, err := t.c.reg.DescribeThingGroup(registry.DescribeThingGroupRequest{ThingGroupName: name})
	if err != nil {
		return nil, false
	}
	var ancestors []string
	path := d.ThingGroupMetadata.RootToParentThingGroups
	for i := len(path) - 1; i >= 0; i-- { // parent first
		ancestors = append(ancestors, path[i].GroupName)
	}
	return ancestors, true
}
