package core

import (
	"crypto/x509"
	"time"

	"github.com/fleetlab/fleetlab/fleetd/provision"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Provisioning (templates, fleet provisioning by claim, JITP, bulk
// registration) runs in a provision.Engine the core owns alongside the
// identity store. Its registry changes go through core commands so the
// index and dynamic groups follow; its bulk reports and pre-provisioning
// hook calls leave through Ready for the caller to carry out.

// ObjectAppend is data to append to an object (s3://Bucket/Key): the bulk
// registration reports. The caller writes it once the operation's records
// are durable.
type ObjectAppend struct {
	Bucket, Key string
	Data        []byte
}

// Provisioning returns the provisioning engine, nil when the core has no
// CA.
func (c *Core) Provisioning() *provision.Engine { return c.prov }

// DoProvision runs a mutating provisioning operation and applies what it
// changed in the identity store.
func DoProvision[Req, Resp any](c *Core, now time.Time, op func(*provision.Engine, time.Time, Req) (Resp, error), req Req) (Resp, error) {
	if c.prov == nil {
		var zero Resp
		return zero, c.noIdentity()
	}
	resp, err := op(c.prov, now, req)
	c.afterIdentity(now)
	return resp, err
}

// DoProvisionErr is DoProvision for operations whose AWS response is
// empty.
func DoProvisionErr[Req any](c *Core, now time.Time, op func(*provision.Engine, time.Time, Req) error, req Req) error {
	if c.prov == nil {
		return c.noIdentity()
	}
	err := op(c.prov, now, req)
	c.afterIdentity(now)
	return err
}

// ReadProvision runs a read-only provisioning operation.
func ReadProvision[Req, Resp any](c *Core, op func(*provision.Engine, Req) (Resp, error), req Req) (Resp, error) {
	if c.prov == nil {
		var zero Resp
		return zero, c.noIdentity()
	}
	return op(c.prov, req)
}

// HandleProvisioningMQTT answers a device's request on
// $aws/certificates/... or $aws/provisioning-templates/...; claimCertID is
// the certificate the device connected with. The answer goes to that
// client only (it may come later, after a pre-provisioning hook).
func (c *Core) HandleProvisioningMQTT(now time.Time, clientID, claimCertID, topic string, payload []byte) {
	if c.prov == nil {
		return
	}
	t, p := c.prov.HandleMQTT(now, clientID, claimCertID, topic, payload)
	c.afterIdentity(now)
	if t != "" {
		c.out.Messages = append(c.out.Messages, Message{Topic: t, Payload: p, ClientID: clientID})
	}
}

// ProvisioningRequest is HandleProvisioningMQTT for an in-process device
// (the simulator): the answer is returned instead of queued. An empty
// topic means the answer comes later, after a pre-provisioning hook, as a
// Ready message addressed to clientID.
func (c *Core) ProvisioningRequest(now time.Time, clientID, claimCertID, topic string, payload []byte) (string, []byte) {
	if c.prov == nil {
		return "", nil
	}
	t, p := c.prov.HandleMQTT(now, clientID, claimCertID, topic, payload)
	c.afterIdentity(now)
	return t, p
}

// ProvisionHookResult resumes the registration waiting for a
// pre-provisioning hook call.
func (c *Core) ProvisionHookResult(now time.Time, id uint64, response []byte, callErr error) {
	if c.prov == nil {
		return
	}
	c.replies(c.prov.HookResult(now, id, response, callErr))
	c.afterIdentity(now)
}

// ProvisionOnFirstConnect registers (JITR) and provisions (JITP) a
// certificate signed by a registered CA the first time a device presents
// it.
func (c *Core) ProvisionOnFirstConnect(now time.Time, cert *x509.Certificate, clientID string) (provision.FirstConnect, error) {
	if c.prov == nil {
		return provision.FirstConnect{}, c.noIdentity()
	}
	fc, err := c.prov.ProvisionOnFirstConnect(now, cert, clientID)
	c.afterIdentity(now)
	return fc, err
}

func (c *Core) replies(rs []provision.Reply) {
	for _, r := range rs {
		c.out.Messages = append(c.out.Messages, Message{Topic: r.Topic, Payload: r.Payload, ClientID: r.ClientID})
	}
}

// coreRegistry runs provisioning's registry changes as core commands.
type coreRegistry struct{ c *Core }

func (r coreRegistry) CreateThing(req registry.CreateThingRequest, now time.Time) (registry.CreateThingResponse, error) {
	return Do(r.c, now, (*registry.Registry).CreateThing, req)
}

func (r coreRegistry) DescribeThing(req registry.DescribeThingRequest) (registry.DescribeThingResponse, error) {
	return r.c.reg.DescribeThing(req)
}

func (r coreRegistry) UpdateThing(req registry.UpdateThingRequest, now time.Time) error {
	return DoErr(r.c, now, (*registry.Registry).UpdateThing, req)
}

func (r coreRegistry) ListThingGroupsForThing(req registry.ListThingGroupsForThingRequest) (registry.ListThingGroupsForThingResponse, error) {
	return r.c.reg.ListThingGroupsForThing(req)
}

func (r coreRegistry) UpdateThingGroupsForThing(req registry.UpdateThingGroupsForThingRequest, now time.Time) error {
	return DoErr(r.c, now, (*registry.Registry).UpdateThingGroupsForThing, req)
}

func (r coreRegistry) AddThingToBillingGroup(req registry.AddThingToBillingGroupRequest, now time.Time) error {
	return DoErr(r.c, now, (*registry.Registry).AddThingToBillingGroup, req)
}

func (r coreRegistry) DynamicGroup(name string) (registry.DynamicGroupInfo, bool) {
	return r.c.reg.DynamicGroup(name)
}

func (r coreRegistry) ThingGroupExists(name string) bool { return r.c.reg.ThingGroupExists(name) }

func (r coreRegistry) DescribeThingType(req registry.DescribeThingTypeRequest) (registry.DescribeThingTypeResponse, error) {
	return r.c.reg.DescribeThingType(req)
}

func (r coreRegistry) DescribeBillingGroup(req registry.DescribeBillingGroupRequest) (registry.DescribeBillingGroupResponse, error) {
	return r.c.reg.DescribeBillingGroup(req)
}

// provisionSink is the provisioning engine's view of Ready.
type provisionSink struct{ c *Core }

func (s provisionSink) Publish(topic string, payload []byte) { s.c.publish(topic, payload) }
func (s provisionSink) Dirty(key string)                     { s.c.markDirty(key) }
func (s provisionSink) AppendObject(bucket, key string, data []byte) {
	s.c.out.Objects = append(s.c.out.Objects, ObjectAppend{Bucket: bucket, Key: key, Data: data})
}
func (s provisionSink) Event(e provision.Event) {
	s.c.event(Event{Time: e.Time, Kind: EventKind(e.Kind), Thing: e.ThingName, Detail: provisionDetail(e)})
}

// CallHook hands a pre-provisioning hook call to the caller through Ready.
func (s provisionSink) CallHook(call provision.HookCall) {
	s.c.out.Hooks = append(s.c.out.Hooks, call)
}

func provisionDetail(e provision.Event) string {
	d := e.Reason
	add := func(k, v string) {
		if v == "" {
			return
		}
		if d != "" {
			d += " "
		}
		d += k + "=" + v
	}
	add("template", e.Template)
	add("claim", e.ClaimCertificateID)
	add("certificate", e.CertificateID)
	add("task", e.TaskID)
	if e.Detail != "" {
		add("detail", e.Detail)
	}
	return d
}
