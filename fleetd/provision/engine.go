package provision

import (
	"time"

	"github.com/fleetlab/fleetlab/fleetd/identity"
	"github.com/fleetlab/fleetlab/fleetd/registry"
)

// Registry is what provisioning does to the registry, in fleetd/registry's
// request and response shapes. *registry.Registry implements it; the core
// implements it by running each call as a core command, so the fleet
// index, dynamic groups and registry events follow every change.
type Registry interface {
	CreateThing(req registry.CreateThingRequest, now time.Time) (registry.CreateThingResponse, error)
	DescribeThing(req registry.DescribeThingRequest) (registry.DescribeThingResponse, error)
	UpdateThing(req registry.UpdateThingRequest, now time.Time) error
	// ListThingGroupsForThing and UpdateThingGroupsForThing apply a
	// template's ThingGroups: the update adds (and, for REPLACE, removes)
	// all groups at once or none.
	ListThingGroupsForThing(req registry.ListThingGroupsForThingRequest) (registry.ListThingGroupsForThingResponse, error)
	UpdateThingGroupsForThing(req registry.UpdateThingGroupsForThingRequest, now time.Time) error
	AddThingToBillingGroup(req registry.AddThingToBillingGroupRequest, now time.Time) error
	// DynamicGroup tells dynamic groups apart: REPLACE leaves a thing in
	// the dynamic groups its attributes put it in.
	DynamicGroup(name string) (registry.DynamicGroupInfo, bool)
	// ThingGroupExists, DescribeThingType and DescribeBillingGroup let a
	// template's references be checked before anything is created.
	ThingGroupExists(name string) bool
	DescribeThingType(req registry.DescribeThingTypeRequest) (registry.DescribeThingTypeResponse, error)
	DescribeBillingGroup(req registry.DescribeBillingGroupRequest) (registry.DescribeBillingGroupResponse, error)
}

// Sink receives what the engine causes beyond its responses. The core
// implements it with its Ready buffers.
type Sink interface {
	// Publish sends an MQTT message to the topic's subscribers (the JITR
	// event).
	Publish(topic string, payload []byte)
	// Event reports a fact for reports.
	Event(e Event)
	// Dirty marks a record key changed; its value is read back with
	// Engine.Record when the operation ends.
	Dirty(key string)
	// AppendObject appends data to the object s3://bucket/key, creating it
	// if needed: the bulk registration reports. The adapter maps it to the
	// data directory (DECISIONS.md) after the command, like a record.
	AppendObject(bucket, key string, data []byte)
}

// EventKind names a provisioning event.
type EventKind string

// The engine's events.
const (
	// EventThingProvisioned: a RegisterThing (MQTT, HTTP), JITP or bulk
	// line created or updated a thing. Detail says which path.
	EventThingProvisioned EventKind = "ThingProvisioned"
	// EventProvisioningRefused: a safeguard or the pre-provisioning hook
	// refused a claim registration; Reason says which.
	EventProvisioningRefused EventKind = "ProvisioningRefused"
	// EventProvisioningFailed: a registration failed for another reason
	// (template evaluation, registry or identity error); Detail says why.
	EventProvisioningFailed EventKind = "ProvisioningFailed"
	// EventCertificateAutoRegistered: JITR registered a certificate
	// PENDING_ACTIVATION.
	EventCertificateAutoRegistered EventKind = "CertificateAutoRegistered"
	EventTaskStarted               EventKind = "RegistrationTaskStarted"
	EventTaskFinished              EventKind = "RegistrationTaskFinished" // Detail is the final status
)

// Refusal reasons of EventProvisioningRefused.
const (
	ReasonMaxRegistrations = "MaxRegistrationsPerClaim"
	ReasonRateLimit        = "RateLimit"
	ReasonAllowList        = "AllowList"
	ReasonHookDenied       = "HookDenied"
	ReasonHookFailed       = "HookFailed" // error, bad answer, timeout or no HookCaller
)

// Event is a fact about provisioning for reports.
type Event struct {
	Time               time.Time
	Kind               EventKind
	Template           string
	ClaimCertificateID string
	CertificateID      string
	ThingName          string
	TaskID             string
	Reason             string
	Detail             string
}

// Options configure an Engine. Identity, Registry and Sink are required.
type Options struct {
	Region   string
	Account  string
	Identity *identity.Store
	Registry Registry
	Sink     Sink
	// Hooks runs pre-provisioning hooks; nil refuses every registration
	// through a template that has one (ACCESS_DENIED, as a failing Lambda).
	Hooks HookCaller
	// HookTimeout is how long a hook may take: AWS's 5 s by default.
	HookTimeout time.Duration
	// BulkSliceLines is how many input lines one Tick processes per
	// registration task (DefaultBulkSliceLines).
	BulkSliceLines int
}

// DefaultHookTimeout is AWS's limit on a pre-provisioning hook.
const DefaultHookTimeout = 5 * time.Second

// DefaultBulkSliceLines keeps one Tick of a bulk task well under 100 ms
// at the measured rate, so device traffic interleaves with a large task.
const DefaultBulkSliceLines = 1000

// Engine is the provisioning state machine. It is not safe for concurrent
// use: the core serialises calls.
type Engine struct {
	opts      Options
	id        *identity.Store
	reg       Registry
	sink      Sink
	templates map[string]*provTemplate
	counters  map[string]*counters // by template name
	tasks     map[string]*task
	taskOrder []*task // creation order
	taskSeq   uint64
	pending   map[uint64]*pendingRegistration
	hookSeq   uint64
}

// New returns an empty Engine. It panics when a required option is
// missing: that is a wiring mistake, not a runtime condition.
func New(o Options) *Engine {
	if o.Identity == nil || o.Registry == nil || o.Sink == nil {
		panic("provision.New: Options.Identity, Registry and Sink are required")
	}
	if o.Region == "" {
		o.Region = registry.DefaultRegion
	}
	if o.Account == "" {
		o.Account = registry.DefaultAccount
	}
	if o.HookTimeout <= 0 {
		o.HookTimeout = DefaultHookTimeout
	}
	if o.BulkSliceLines <= 0 {
		o.BulkSliceLines = DefaultBulkSliceLines
	}
	return &Engine{
		opts: o, id: o.Identity, reg: o.Registry, sink: o.Sink,
		templates: map[string]*provTemplate{}, counters: map[string]*counters{},
		tasks: map[string]*task{}, pending: map[uint64]*pendingRegistration{},
	}
}

func (e *Engine) arn(kind, name string) string {
	return "arn:aws:iot:" + e.opts.Region + ":" + e.opts.Account + ":" + kind + "/" + name
}

func (e *Engine) templateArn(name string) string { return e.arn("provisioningtemplate", name) }

// NextDeadline is when Tick must next be called: now-or-earlier while a
// bulk task has lines left, else the earliest hook deadline. false:
// nothing scheduled.
func (e *Engine) NextDeadline() (time.Time, bool) {
	var at time.Time
	var ok bool
	for _, t := range e.taskOrder {
		if t.running() {
			at, ok = t.modified, true
			break
		}
	}
	for _, p := range e.pending {
		if !ok || p.deadline.Before(at) {
			at, ok = p.deadline, true
		}
	}
	return at, ok
}

// Tick does the work due by now: it answers the registrations whose hook
// did not answer in time (ACCESS_DENIED) and processes one slice of each
// running bulk task. The replies go to their clients only.
func (e *Engine) Tick(now time.Time) []Reply {
	replies := e.expireHooks(now)
	for _, t := range e.taskOrder {
		if t.running() {
			e.runSlice(now, t)
		}
	}
	return replies
}

// Reply is an MQTT response the engine produced outside HandleMQTT (after
// a hook): the gateway sends it to ClientID only, as AWS answers the
// requesting client.
type Reply struct {
	ClientID string
	Topic    string
	Payload  []byte
}
